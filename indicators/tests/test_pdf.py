"""The assessment's PDF report: it parses, its text holds the ranking worked out by hand in
test_assessment.py (street A 87.8 B, street B 58.8 D), its charts' labels and the trend's months,
who generated it; it is scoped like the page and audited."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from core.models import AuditLog
from indicators.assessment import ranking
from indicators.definitions import Period
from indicators.pdf import trend_data, trend_months
from indicators.tests.test_assessment import month  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def text_of(response) -> tuple[str, int]:
    from pypdf import PdfReader

    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def test_trend_months_are_the_twelve_up_to_the_period():
    assert [m.name for m in trend_months(Period.parse("2026-11"))][::11] == ["2025-12", "2026-11"]
    assert [m.name for m in trend_months(Period.parse("2026-Q4"))][-1] == "2026-12"


def test_the_pdf_report_has_the_ranking_its_charts_and_is_scoped_and_audited(month):  # noqa: F811
    w = month
    text, pages = text_of(login(w, "command").get("/assessment/street/report.pdf?period=2026-11"))
    assert pages >= 1
    flat = text.replace(" ", "")
    # the table rows: rank, name, score, grade
    assert "甲街道" in flat and "87.8" in flat and "乙街道" in flat and "58.8" in flat
    assert flat.rindex("1\n甲街道\n测试区\n87.8\nB") < flat.rindex("2\n乙街道\n测试区\n58.8\nD")  # the table
    # the bar chart's labels ("1. 甲街道") and the trend chart's months (Dec 2025 … Nov 2026)
    assert "1.甲街道" in flat and "2.乙街道" in flat
    assert "25-12" in flat and "26-11" in flat
    assert "command" in flat and "2026-11" in flat
    audit = AuditLog.objects.get(action="assessment.export_pdf")
    assert audit.actor == w.command and audit.after["rows"] == 2 and audit.district_code == "410611"

    # the trend: the district's 12 November reports (test_hand_checked) and K0, reported on 30 October;
    # none in the ten months before
    result = ranking(w.command, "street", Period.parse("2026-11"))
    trend = trend_data(w.command, result)
    assert trend["series"]["reports"] == [0] * 10 + [1, 12]
    assert trend["series"]["on_time_closure_rate"][-1] == 0.7

    officer = login(w, "officer_a")
    text, _pages = text_of(officer.get("/assessment/grid/report.pdf?period=2026-11"))
    assert "甲一第一网格" in text and "乙一" not in text
    assert officer.get(f"/assessment/grid/report.pdf?period=2026-11&area={w.street_b.code}").status_code == 404
    handler = login(w, "handler_cg")
    text, _pages = text_of(handler.get("/assessment/department/report.pdf?period=2026-11"))
    assert "区城管局" in text and "区市政局" not in text and "88.3" in text.replace(" ", "")
    assert handler.get("/assessment/street/report.pdf?period=2026-11").status_code == 404
    assert login(w, "stranger").get("/assessment/street/report.pdf").status_code == 403
    assert "report.pdf" in login(w, "command").get("/assessment/street/?period=2026-11").content.decode()
