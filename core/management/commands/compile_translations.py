"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed on the machine)."""

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po translation files to .mo."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                # written beside and renamed over: a process reading the catalog meanwhile (the
                # SQLite and PostgreSQL suites run side by side) sees the old file or the new one
                partial = mo_path.with_suffix(f".mo.{os.getpid()}")
                polib.pofile(str(po_path)).save_as_mofile(str(partial))
                os.replace(partial, mo_path)
                compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"compiled {compiled} translation file(s)")
