"""manage.py load_demo: load one of the five demo districts (real names, illustrative boundaries)."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from areas.demo.data import DEFAULT_DISTRICT, DISTRICT_CODES
from areas.demo.loader import default_accounts_file, format_accounts_table, load_demo, write_accounts_file


class Command(BaseCommand):
    help = (
        "Load a demo district: the real district outline, street/township names and codes and "
        "community names (data/districts/), with generated, illustrative (示意) street, community and "
        "grid boundaries, departments, grid staff and one login account per role. Safe to run again: "
        "it updates what changed and resets the demo accounts' passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district",
            default=DEFAULT_DISTRICT,
            choices=DISTRICT_CODES,
            help=f"6-digit district code (default {DEFAULT_DISTRICT}, 淇滨区)",
        )
        parser.add_argument(
            "--password",
            default=None,
            help="password of the demo accounts (default: $DEMO_PASSWORD, else Gridgov2026!demo)",
        )
        parser.add_argument(
            "--accounts-file",
            default=None,
            help="where to write the demo accounts as JSON (default var/demo-accounts.json)",
        )
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="do not generate the demo cases (manage.py load_demo_cases) after loading",
        )
        parser.add_argument(
            "--no-registry",
            action="store_true",
            help="do not generate the demo registry (manage.py load_demo_registry: residents, places)",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = load_demo(options["district"], password=options["password"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        path = write_accounts_file(options["accounts_file"] or default_accounts_file(), result.accounts)
        elapsed = time.monotonic() - started

        district = result.district
        self.stdout.write(self.style.SUCCESS(f"Loaded {district.name} ({district.code}) in {elapsed:.1f} s."))
        counts = ", ".join(f"{n} {level}" for level, n in result.level_counts().items())
        self.stdout.write(f"Areas: {counts}.")
        if result.stats:
            self.stdout.write(
                "This run: " + ", ".join(f"{n} {what}" for what, n in sorted(result.stats.items())) + "."
            )
        self.stdout.write(
            "Street, community and grid boundaries are generated and marked illustrative (示意)."
        )
        self.stdout.write(f"Demo accounts written to {path}:\n")
        self.stdout.write(format_accounts_table(result.accounts))
        if not options["no_cases"]:
            self.stdout.write("")
            call_command("load_demo_cases", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
        if not options["no_registry"]:
            self.stdout.write("")
            call_command("load_demo_registry", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
