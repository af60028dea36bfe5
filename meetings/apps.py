from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "联席会议"
    default_auto_field = "django.db.models.BigAutoField"
