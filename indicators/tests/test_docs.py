"""docs/indicators.md names every indicator, and every definition carries its docstring."""

from pathlib import Path

from indicators.definitions import INDICATORS

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_every_indicator_is_documented_in_the_manual_and_in_its_docstring():
    text = DOC.read_text(encoding="utf-8")
    assert [key for key in INDICATORS if f"`{key}`" not in text] == []
    assert [key for key, indicator in INDICATORS.items() if len(indicator.doc) < 20] == []
