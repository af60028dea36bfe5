from django.core.management.base import BaseCommand

from earlywarning.detection import detect


class Command(BaseCommand):
    help = ("Early warning (研判预警): look for clusters of reports, rises over baseline and repeat reporters in "
            "the recent window; raise or update warnings and notify the owning level. Safe to run any number "
            "of times.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the recurring background job for the django-tasks worker instead")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from core.tasks import enqueue_recurring
            from earlywarning.tasks import detect_warnings_task

            if not enqueue_recurring(detect_warnings_task):
                self.stdout.write("already queued")
                return
            self.stdout.write("detection job queued; run `manage.py db_worker` to work the queue")
            return
        result = detect()
        self.stdout.write(f"{result['findings']} findings: {result['raised']} new warnings, "
                          f"{result['updated']} updated, {result['notified']} people notified")
