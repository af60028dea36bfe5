"""manage.py load_demo_community: demo disputes, joint meetings and grid tasks in a demo district."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = ("Generate demo disputes (~150), joint meetings (~20) and grid tasks (~8) in a demo district loaded "
            "by load_demo (after load_demo_registry, whose residents are parties and task items). A district "
            "that already has them is left alone.")

    def add_arguments(self, parser):
        parser.add_argument("--district", default=None, help="6-digit district code (default: the only one loaded)")

    def handle(self, *args, **options):
        from areas.models import Area
        from disputes.demo import load_demo_disputes
        from gridtasks.demo import load_demo_gridtasks
        from meetings.demo import load_demo_meetings

        districts = Area.objects.filter(level="district")
        district = districts.filter(code=options["district"]).first() if options["district"] else \
            (districts.first() if districts.count() == 1 else None)
        if district is None:
            raise CommandError("no such district loaded: run manage.py load_demo first, or pass --district")
        started = time.monotonic()
        with transaction.atomic():  # one commit: the actions' own transactions become savepoints
            disputes = load_demo_disputes(district)
            meetings = load_demo_meetings(district)
            tasks = load_demo_gridtasks(district)
        self.stdout.write(self.style.SUCCESS(
            f"Demo community work in {district.name}: {disputes} disputes, {meetings} joint meetings, "
            f"{tasks} grid tasks in {time.monotonic() - started:.1f} s (0 = already there)."))
