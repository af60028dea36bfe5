from django.core.management.base import BaseCommand

from cases.catalog import load_default_catalog


class Command(BaseCommand):
    help = "Load the default case catalog and handling standards (only what is missing)."

    def handle(self, *args, **options):
        created = load_default_catalog()
        self.stdout.write(f"catalog: {created} categories created")
