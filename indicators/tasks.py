"""Background job on django-tasks (database backend; `manage.py db_worker` works the queue)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from indicators.rollups import update_rollups

INTERVAL_SECONDS = getattr(settings, "INDICATORS_ROLLUP_INTERVAL_SECONDS", 300)


@task()
def update_rollups_task(reschedule: bool = True) -> dict:
    """Bring the daily rollup up to date, then queue the next run INTERVAL_SECONDS later. A
    duplicate in the queue is harmless: runs lock the rollup state and recompute whole days."""
    result = update_rollups()
    if reschedule:
        run_after = timezone.now() + dt.timedelta(seconds=INTERVAL_SECONDS)
        update_rollups_task.using(run_after=run_after).enqueue(reschedule=True)
    return result
