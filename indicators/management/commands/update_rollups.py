from django.core.management.base import BaseCommand

from indicators.rollups import update_rollups


class Command(BaseCommand):
    help = ("Bring the indicators' daily rollup up to date: recompute the days touched by cases changed since "
            "the last run (the first run, or --full, recomputes everything). Safe to run any number of times.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every case and every day")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the recurring background job for the django-tasks worker instead")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from core.tasks import enqueue_recurring
            from indicators.tasks import update_rollups_task

            if not enqueue_recurring(update_rollups_task):
                self.stdout.write("already queued")
                return
            self.stdout.write("rollup job queued; run `manage.py db_worker` to work the queue")
            return
        result = update_rollups(full=options["full"])
        if result["full"]:
            self.stdout.write(f"rebuilt: {result['cases']} cases, {result['rows']} daily rows in {result['seconds']} s")
        else:
            self.stdout.write(f"{result['cases']} changed cases, {result['days']} days recomputed "
                              f"in {result['seconds']} s")
