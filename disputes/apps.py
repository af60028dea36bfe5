from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = "矛盾纠纷调处"
    default_auto_field = "django.db.models.BigAutoField"
