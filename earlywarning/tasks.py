"""The detection job on django-tasks (database backend; `manage.py db_worker` works the queue)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from earlywarning.detection import detect

INTERVAL_SECONDS = getattr(settings, "WARNINGS_INTERVAL_SECONDS", 900)


@task()
def detect_warnings_task(reschedule: bool = True) -> dict:
    """Run the detection, then queue the next run INTERVAL_SECONDS later. A duplicate in the queue
    is harmless: runs lock the detection state and update warnings in place."""
    result = detect()
    if reschedule:
        run_after = timezone.now() + dt.timedelta(seconds=INTERVAL_SECONDS)
        detect_warnings_task.using(run_after=run_after).enqueue(reschedule=True)
    return result
