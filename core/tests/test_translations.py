"""The Chinese catalog is complete: every msgid has a translation that is not a fuzzy guess and
keeps the same placeholders (a fuzzy entry is left out of the .mo, so the page shows English)."""

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{ *(\w+) *\}\}")


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if e.msgid and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []


def test_translations_keep_the_placeholders():
    po = polib.pofile(str(PO))
    wrong = [e.msgid for e in po if e.msgstr and sorted(PLACEHOLDER.findall(e.msgid)) != sorted(
        PLACEHOLDER.findall(e.msgstr))]
    assert wrong == []
