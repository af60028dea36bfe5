"""docs/ stays true: the case-loop page documents every action of the transition table."""

from pathlib import Path

from cases.workflow import TRANSITIONS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_case_loop_page_lists_every_transition():
    text = (DOCS / "case-loop.md").read_text(encoding="utf-8")
    table_rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")}
    assert set(TRANSITIONS) <= table_rows, set(TRANSITIONS) - table_rows


def test_every_docs_page_is_linked_from_the_index():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "index.md":
            assert page.name in index, page.name
