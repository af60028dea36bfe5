"""Background jobs of the registry on django-tasks (database backend; run `manage.py db_worker`)."""

from django_tasks import task

from registry.imports import run_import


@task()
def run_import_task(job_id: int) -> dict:
    """Runs an .xlsx import job (registry/imports.py); the job page polls its progress."""
    return run_import(job_id)
