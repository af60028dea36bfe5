from django.core.management.base import BaseCommand

from cases.jobs import sweep_deadlines


class Command(BaseCommand):
    help = "Warn about cases due soon and escalate overdue ones, once each (safe to run any number of times)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the recurring background sweep for the django-tasks worker instead")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from cases.tasks import sweep_deadlines_task
            from core.tasks import enqueue_recurring

            if not enqueue_recurring(sweep_deadlines_task):
                self.stdout.write("already queued")
                return
            self.stdout.write("sweep queued; run `manage.py db_worker` to work the queue")
            return
        result = sweep_deadlines()
        self.stdout.write(f"warned {result['warned']}, overdue {result['overdue']}, escalated {result['escalated']}")
