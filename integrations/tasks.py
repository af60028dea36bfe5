"""The recurring delivery job on django-tasks (the worker of `manage.py db_worker`)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from integrations.delivery import deliver_due


@task()
def deliver_webhooks_task(reschedule: bool = True) -> dict:
    """Send what is due, then queue the next run WEBHOOK_INTERVAL_SECONDS later. Two runs at once
    are harmless: each delivery is claimed by one worker at a time."""
    result = deliver_due()
    if reschedule:
        run_after = timezone.now() + dt.timedelta(seconds=settings.WEBHOOK_INTERVAL_SECONDS)
        deliver_webhooks_task.using(run_after=run_after).enqueue(reschedule=True)
    return result
