from django.core.management.base import BaseCommand

from areas.demo.data import DEFAULT_DISTRICT
from integrations.demo import (
    DEMO_HOTLINE_INBOUND_SECRET,
    DEMO_RECEIVER,
    DEMO_WEBHOOK_SECRET,
    load_demo_integrations,
)


class Command(BaseCommand):
    help = "Create the demo 12345 bridge and webhook subscriber of a demo district (docs/webhooks.md)."

    def add_arguments(self, parser):
        parser.add_argument("--district", default=DEFAULT_DISTRICT)

    def handle(self, *args, **options):
        endpoints = load_demo_integrations(options["district"])
        self.stdout.write(f"Integrations: {', '.join(e.name for e in endpoints)} → {DEMO_RECEIVER} "
                          f"(run scripts/webhook_receiver.py to receive). 12345 orders: POST "
                          f"/api/hotline/{options['district']}/orders/ signed with {DEMO_HOTLINE_INBOUND_SECRET!r}; "
                          f"webhook secret {DEMO_WEBHOOK_SECRET!r} (docs/webhooks.md).")
