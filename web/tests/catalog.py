"""Compile the hand-kept zh_Hans string tables (locale/zh_Hans/LC_MESSAGES/*.tsv) into a .mo file.

Until the project's django.po carries these strings, the tests put this catalog behind it in
LOCALE_PATHS so that pages render in Chinese, as they do for users.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

TSV_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def read_tsv(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise ValueError(f"{path.name}:{number}: no tab between msgid and translation")
        msgid, msgstr = line.split("\t", 1)
        pairs.append((msgid, msgstr))
    return pairs


def build_catalog(dest: Path) -> Path:
    po = polib.POFile()
    po.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for tsv in sorted(TSV_DIR.glob("*.tsv")):
        for msgid, msgstr in read_tsv(tsv):
            if msgid not in seen:
                seen.add(msgid)
                po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    out = dest / "zh_Hans" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    po.save_as_mofile(str(out / "django.mo"))
    return dest
