"""manage.py load_demo_registry: ~150,000 synthetic residents and their places in a demo district."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from registry.demo import DEFAULT_COUNT, DEFAULT_SEED, load_demo_registry


class Command(BaseCommand):
    help = (
        "Generate the demo registry (default 150,000 synthetic residents in ~50,000 households, with "
        "estates, buildings, dwellings, special groups, organizations, shops and components) in a demo "
        "district loaded by load_demo. Id numbers, phones and credit codes are synthetic. Runs once per "
        "district: a district that has demo residents is left alone unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", default=None,
                            help="6-digit district code (default: the only district loaded, else 410611)")
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT,
                            help=f"how many residents (default {DEFAULT_COUNT})")
        parser.add_argument("--reset", action="store_true",
                            help="delete this district's demo registry and generate it again")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same people)")

    def handle(self, *args, **options):
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        try:
            result = load_demo_registry(options["district"], options["count"], reset=options["reset"],
                                        seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.existing:
            self.stdout.write(f"Demo registry: {result.district} already has {result.existing:,} demo residents "
                              "(use load_demo_registry --reset to generate them again).")
            return
        stats = result.stats
        deleted = f" ({result.deleted:,} old residents deleted)" if result.deleted else ""
        people = sum(stats.statuses.values())
        self.stdout.write(self.style.SUCCESS(
            f"Demo registry: {people:,} residents in {stats.households:,} households in {result.district} "
            f"in {result.seconds:.1f} s{deleted}."))
        rows = ", ".join(f"{n:,} {what}" for what, n in stats.counts.items() if not what.startswith("organizations:"))
        self.stdout.write(f"Rows: {rows}.")
        kinds = ", ".join(f"{n:,} {what.split(': ')[1]}" for what, n in sorted(stats.counts.items())
                          if what.startswith("organizations:"))
        self.stdout.write(f"Organizations: {kinds}.")
        total = people or 1
        self.stdout.write("Residence: " + ", ".join(f"{status} {n / total:.0%}" for status, n in
                                                    stats.statuses.most_common()) + ".")
        self.stdout.write("Ages: " + ", ".join(f"{band} {stats.ages[band] / total:.1%}" for band in
                                               ("0-14", "15-59", "60-64", "65+")) + ".")
        self.stdout.write("Special groups: " + ", ".join(f"{n:,} {kind}" for kind, n in stats.tags.most_common())
                          + ".")
        self.stdout.write("Id numbers, phones and credit codes are synthetic; places are illustrative (示意).")
