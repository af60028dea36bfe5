from django.apps import AppConfig


class GridtasksConfig(AppConfig):
    name = "gridtasks"
    verbose_name = "网格任务下派"
    default_auto_field = "django.db.models.BigAutoField"
