from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from accounts import signals  # noqa: F401
        from accounts.models import RoleAssignment
        from accounts.scope import SCOPE_COUNTER
        from areas.models import Area, Department
        from core.apps import bump_on_change

        for model in (RoleAssignment, Area, Department):
            bump_on_change(model, SCOPE_COUNTER)

        from core.api.authentication import connect_signals

        connect_signals()
