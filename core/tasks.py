"""Helpers for the recurring background jobs (django-tasks, database backend)."""


def enqueue_recurring(task) -> bool:
    """Queue a self-rescheduling job unless one is already waiting: every `serve` (every `make
    demo`) calls this, and each call would otherwise start one more chain of runs. A run left
    RUNNING by a killed worker never reschedules, so only waiting ones count. Returns whether it
    queued one."""
    from django.conf import settings

    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=task.module_path,
                                       status=TaskResultStatus.READY).exists():
            return False
    task.enqueue(reschedule=True)
    return True
