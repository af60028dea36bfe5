"""Background jobs on django-tasks (database backend; run `manage.py db_worker`)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from cases.jobs import sweep_deadlines


@task()
def sweep_deadlines_task(reschedule: bool = True) -> dict:
    """Sweep once, then queue the next sweep SWEEP_INTERVAL_SECONDS later. A duplicate in the
    queue is harmless: the sweep claims rows, so nothing fires twice."""
    result = sweep_deadlines()
    if reschedule:
        run_after = timezone.now() + dt.timedelta(seconds=settings.SWEEP_INTERVAL_SECONDS)
        sweep_deadlines_task.using(run_after=run_after).enqueue(reschedule=True)
    return result
