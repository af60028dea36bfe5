"""The per-process caches the intake path reads (catalog, working calendar, role scopes) follow
every change at once: each is stamped with a core.Counter that the change bumps in its own
transaction, and the next request — through the API, as in production — sees the new state."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from accounts.actions import grant_role, revoke_role
from accounts.models import RoleAssignment
from cases.models import Case, Category
from core.models import WorkdayOverride

SH = ZoneInfo("Asia/Shanghai")
A11 = (114.07, 35.6)
BODY = {"category": "E0101", "lon": A11[0], "lat": A11[1], "description": "暴露垃圾"}


def report(client, key):
    return client.post("/api/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_category_switched_off_or_a_changed_standard_is_seen_by_the_next_report(loop, api):
    client = api("worker_a11")
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, 0, tzinfo=SH), tick=False):
        first = report(client, "a")
        assert first.status_code == 201
        standard = Category.objects.get(code="E0101").standard
        standard.accept_hours = 3
        standard.save()
        second = report(client, "b")
        assert second.status_code == 201
        assert Case.objects.get(pk=second.json()["id"]).due_at - Case.objects.get(pk=first.json()["id"]).due_at \
            == dt.timedelta(hours=2)
        category = Category.objects.get(code="E0101")
        category.is_active = False
        category.save()
        refused = report(client, "c")
        assert refused.status_code == 400 and "category" in refused.json()


def test_a_local_day_off_is_seen_by_the_next_deadline(loop, api):
    client = api("worker_a11")
    with time_machine.travel(dt.datetime(2026, 11, 16, 16, 30, tzinfo=SH), tick=False):  # Monday 16:30
        before = report(client, "a").json()
        # 1 working hour: 30 minutes today, 30 tomorrow morning
        assert dt.datetime.fromisoformat(before["due_at"]) == dt.datetime(2026, 11, 17, 9, 30, tzinfo=SH)
        WorkdayOverride.objects.create(date=dt.date(2026, 11, 17), is_workday=False, note="本地假日")
        after = report(client, "b").json()
        assert dt.datetime.fromisoformat(after["due_at"]) == dt.datetime(2026, 11, 18, 9, 30, tzinfo=SH)


def test_a_role_granted_or_revoked_counts_from_the_next_request(loop, api):
    case_id = report(api("worker_a11"), "a").json()["id"]
    client = api("stranger")
    assert client.get(f"/api/cases/{case_id}/").status_code == 404
    assignment = grant_role(None, user=loop.stranger, role="community_officer", area=loop.community_a1)
    assert client.get(f"/api/cases/{case_id}/").status_code == 200
    revoke_role(None, RoleAssignment.objects.get(pk=assignment.pk))
    assert client.get(f"/api/cases/{case_id}/").status_code == 404
    # moved to another community: the scope follows the area too
    assignment = grant_role(None, user=loop.stranger, role="community_officer", area=loop.community_b1)
    assert client.get(f"/api/cases/{case_id}/").status_code == 404


def test_one_report_writes_its_case_row_once_numbered_by_the_local_date(loop, api):
    """The case number (local date + primary key) goes into the one INSERT: the key is taken first
    (core.sql.reserve_id), so no UPDATE of the case row follows; just after midnight in Shanghai
    (still the day before in UTC) the number carries the Shanghai date."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("worker_a11")
    report(client, "warm-up")
    with time_machine.travel(dt.datetime(2026, 11, 17, 0, 20, tzinfo=SH), tick=False), \
            CaptureQueriesContext(connection) as queries:
        made = report(client, "after-midnight")
    assert made.status_code == 201
    body = made.json()
    assert body["number"] == f"20261117{body['id']:07d}"
    writes = [q["sql"] for q in queries.captured_queries if '"cases_case"' in q["sql"]
              and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT"), writes
    second = report(client, "next")
    assert second.json()["id"] > body["id"]
