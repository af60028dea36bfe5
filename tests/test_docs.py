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


def test_the_api_page_curl_examples_point_at_real_endpoints():
    """Every `$API/<path>` in docs/api.md's examples resolves in the URLconf (to an API view, not
    the JSON 404); shell variables ($CASE, $PHOTO, ...) stand for ids."""
    import re

    from django.urls import resolve

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    paths = re.findall(r"\$API(/[^\s\"'?]*)", text)
    assert len(paths) > 20
    for path in paths:
        url = "/api" + re.sub(r"\$[A-Z_]+", "1", path)
        assert resolve(url).url_name, path  # Resolver404 if the example points nowhere
