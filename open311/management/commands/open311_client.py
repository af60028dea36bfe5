"""manage.py open311_client: create an Open311 API client and print its key."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from open311.actions import create_client


class Command(BaseCommand):
    help = (
        "Create an Open311 (GeoReport v2) API client and print its api_key. The key is stored only as a "
        "SHA-256 hash: this is the one time it is shown. Without --key a random key is made."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the client's name (unique), e.g. the app it serves")
        parser.add_argument("--key", default=None, help="use this key (at least 12 characters, no spaces)")
        parser.add_argument("--district", default="", help="6-digit district code the client may report in "
                                                           "(default: every district)")

    def handle(self, *args, **options):
        try:
            client, key = create_client(None, name=options["name"], key=options["key"],
                                        district_code=options["district"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        where = f"district {client.district_code}" if client.district_code else "every district"
        self.stderr.write(f"Open311 client “{client.name}” created ({where}); its api_key, shown only now:")
        self.stdout.write(key)
