from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "事件闭环"

    def ready(self):
        from cases.catalog import CATALOG_COUNTER
        from cases.models import Category, Standard
        from core.apps import bump_on_change

        bump_on_change(Category, CATALOG_COUNTER)
        bump_on_change(Standard, CATALOG_COUNTER)
