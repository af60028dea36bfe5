"""manage.py load_demo: load one of the five demo districts (real names, illustrative boundaries)."""

from __future__ import annotations

import os
import time

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from areas.demo.data import DEFAULT_DISTRICT, DISTRICT_CODES
from areas.demo.loader import default_accounts_file, format_accounts_table, load_demo, write_accounts_file
from open311.actions import check_key as open311_check_key
from open311.actions import ensure_demo_client


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
        parser.add_argument(
            "--no-community",
            action="store_true",
            help="do not generate the demo disputes, joint meetings and grid tasks (manage.py load_demo_community; "
            "also skipped with --no-registry, whose residents they use)",
        )
        parser.add_argument(
            "--open311-key",
            default=os.environ.get("DEMO_OPEN311_KEY", "demo-open311-key"),
            help="api_key of the demo Open311 client (default: $DEMO_OPEN311_KEY, else demo-open311-key; "
            "empty: no client); a changed key replaces the client's old one",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        open311_key = options["open311_key"]
        try:
            if open311_key:
                open311_check_key(open311_key)
            result = load_demo(options["district"], password=options["password"])
            open311 = ensure_demo_client(open311_key)[1] if open311_key else ""
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        accounts = with_open311_key(result.accounts, open311_key)
        path = write_accounts_file(options["accounts_file"] or default_accounts_file(), accounts)
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
        if open311_key:
            self.stdout.write(f"\nOpen311 api_key of the demo client ({open311}): {open311_key} (docs/open311.md)")
        if not options["no_cases"]:
            self.stdout.write("")
            call_command("load_demo_cases", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
        if not options["no_registry"]:
            self.stdout.write("")
            call_command("load_demo_registry", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
        # webhooks and the 12345 bridge, after the demo cases (which therefore write no outbox events)
        self.stdout.write("")
        call_command("load_demo_integrations", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
        if not options["no_cases"]:
            from earlywarning.demo import load_demo_warnings

            found = load_demo_warnings(district)
            self.stdout.write(f"\nEarly warning: {found['planted']} example reports, {found['findings']} findings, "
                              f"{found['raised']} new warnings (manage.py detect_warnings).")
        if not options["no_community"] and not options["no_registry"]:
            # community work (disputes, joint meetings, grid tasks): after the registry, whose residents it uses
            self.stdout.write("")
            call_command("load_demo_community", "--district", district.code, stdout=self.stdout, stderr=self.stderr)
            # engagement: patrols, party, volunteers, co-building (docs/engagement.md); needs the registry
            self.stdout.write("")
            call_command("load_demo_engagement", "--district", district.code, stdout=self.stdout, stderr=self.stderr)


class _WithKey:
    def __init__(self, account, key: str):
        self.account, self.key = account, key

    def as_dict(self) -> dict:
        return {**self.account.as_dict(), "open311_api_key": self.key}


def with_open311_key(accounts: list, key: str) -> list:
    """The accounts file stays a list of accounts; the system administrator's entry (who manages
    API clients) also carries the demo Open311 client's key as "open311_api_key"."""
    if not key or not accounts:
        return list(accounts)
    admin = next((a for a in accounts if "system_admin" in a.roles), accounts[0])
    return [_WithKey(a, key) if a is admin else a for a in accounts]
