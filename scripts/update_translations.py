#!/usr/bin/env python
"""Developer tool: refresh locale/zh_Hans/LC_MESSAGES/django.po from the code (makemessages, needs
GNU gettext) and fill every msgstr from the *.tsv files beside it (English msgid<TAB>中文).
Prints the msgids still untranslated. Then `manage.py compile_translations` builds the .mo."""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"


def main() -> int:
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0",
         "--ignore=.venv", "--ignore=var", "--ignore=static", "--ignore=bench", "--ignore=*/tests/*",
         "--ignore=tests"],
        cwd=ROOT, check=True,
    )
    table: dict[str, str] = {}
    # core_strings.tsv is read last: where two tables disagree, it decides
    for tsv in sorted(LOCALE.glob("*.tsv"), key=lambda path: path.name == "core_strings.tsv"):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if "\t" in line and not line.startswith("#"):
                msgid, msgstr = line.split("\t", 1)
                table[msgid] = msgstr
    po = polib.pofile(str(LOCALE / "django.po"))
    missing = []
    for entry in po:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(entry.msgid)
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    for msgid in missing:
        print("untranslated:", msgid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
