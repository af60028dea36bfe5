"""manage.py load_demo_cases: a few thousand demo cases in a loaded demo district."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cases.demo import DEFAULT_COUNT, DEFAULT_SEED, load_demo_cases


class Command(BaseCommand):
    help = (
        "Generate demo cases (default 3,000 over the last six months, every state and channel, with "
        "their timelines, department tasks and ratings) in a demo district loaded by load_demo. Runs "
        "once per district: a district that has demo cases is left alone unless --reset is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", default=None,
                            help="6-digit district code (default: the only district loaded, else 410611)")
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"how many cases (default {DEFAULT_COUNT})")
        parser.add_argument("--reset", action="store_true", help="delete this district's demo cases and generate again")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same cases)")

    def handle(self, *args, **options):
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        try:
            result = load_demo_cases(options["district"], options["count"], reset=options["reset"],
                                     seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.existing:
            self.stdout.write(f"Demo cases: {result.district} already has {result.existing:,} "
                              "(use load_demo_cases --reset to generate them again).")
            return
        deleted = f" ({result.deleted:,} old ones deleted)" if result.deleted else ""
        self.stdout.write(self.style.SUCCESS(
            f"Demo cases: {result.created:,} in {result.district} with {result.tasks:,} department tasks and "
            f"{result.events:,} timeline entries in {result.seconds:.1f} s{deleted}."))
        states = ", ".join(f"{n} {state}" for state, n in result.states.most_common())
        self.stdout.write(f"States: {states}.")
        closed = sum(result.resolved_levels.values()) or 1
        levels = ", ".join(f"{level} {n / closed:.0%}" for level, n in result.resolved_levels.most_common())
        self.stdout.write(f"Closed cases resolved at: {levels}.")
