from django.apps import AppConfig


def bump_on_change(model, counter: str) -> None:
    """Bump `counter` whenever a row of `model` is saved or deleted, in the same transaction (the
    process-wide caches stamped with it reload on their next read)."""
    from django.db.models.signals import post_delete, post_save

    from core import counters

    def handler(sender, **kwargs):
        counters.bump(counter)

    post_save.connect(handler, sender=model, weak=False, dispatch_uid=f"bump-{counter}-{model._meta.label}-save")
    post_delete.connect(handler, sender=model, weak=False, dispatch_uid=f"bump-{counter}-{model._meta.label}-delete")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "核心"

    def ready(self):
        from core.models import WorkdayOverride
        from core.workcalendar import CALENDAR_COUNTER

        bump_on_change(WorkdayOverride, CALENDAR_COUNTER)
