"""manage.py load_demo_engagement: patrols, party, volunteers and co-building lists for a demo district."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from volunteers.demo import load_demo_engagement


class Command(BaseCommand):
    help = ("Generate two weeks of patrols (with GPS tracks for some grids) and home visits, the party tree with "
            "members and service logs, volunteers with activities, points and redemptions, and co-building lists "
            "in a demo district (after load_demo_registry). Runs once per district unless --reset.")

    def add_arguments(self, parser):
        parser.add_argument("--district", default=None, help="6-digit district code (default: the only one loaded)")
        parser.add_argument("--reset", action="store_true", help="delete this district's engagement demo first")

    def handle(self, *args, **options):
        try:
            result = load_demo_engagement(options["district"], reset=options["reset"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.existing:
            self.stdout.write(f"Demo engagement: {result.district} already has it (use --reset to generate it again).")
            return
        rows = ", ".join(f"{n:,} {what}" for what, n in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo engagement in {result.district} in {result.seconds:.1f} s: {rows}."))
