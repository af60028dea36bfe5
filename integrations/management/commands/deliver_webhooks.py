import time

from django.core.management.base import BaseCommand

from integrations.delivery import deliver_due


class Command(BaseCommand):
    help = ("Send the due webhook and 12345 deliveries (claimed one at a time: safe with several workers). "
            "Without --once, keeps polling.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass over what is due, then exit")
        parser.add_argument("--limit", type=int, default=100, help="deliveries per pass (default 100)")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes (default 2)")
        parser.add_argument("--enqueue", action="store_true",
                            help="queue the recurring background job for the django-tasks worker instead")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from core.tasks import enqueue_recurring
            from integrations.tasks import deliver_webhooks_task

            if not enqueue_recurring(deliver_webhooks_task):
                self.stdout.write("already queued")
                return
            self.stdout.write("webhook delivery queued; run `manage.py db_worker` to work the queue")
            return
        while True:
            result = deliver_due(limit=options["limit"])
            if options["once"]:
                self.stdout.write(f"delivered {result['delivered']}, retrying {result['retrying']}, "
                                  f"failed {result['failed']}")
                return
            if not any(result.values()):
                time.sleep(options["interval"])
