"""The API resources added for full coverage: inbox, audit log, work calendar, estates and buildings,
case photos by token, and integration clients (service accounts with issued tokens)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_it_reads_and_marks_only_ones_own_notifications(world, api):
    from core.models import Notification

    worker = api("worker_a11")
    rows = worker.get("/api/notifications/?unread=true").json()["results"]
    assert world.note_a.pk in {r["id"] for r in rows} and world.note_b.pk not in {r["id"] for r in rows}
    assert worker.get(f"/api/notifications/{world.note_b.pk}/").status_code == 404
    assert worker.post(f"/api/notifications/{world.note_b.pk}/read/").status_code == 404
    body = worker.post(f"/api/notifications/{world.note_a.pk}/read/").json()
    assert body["read"] is True and body["read_at"]
    assert worker.get("/api/notifications/?unread=maybe").status_code == 400
    Notification.objects.create(user=world.worker_a11, kind="case", message="再一条")
    assert worker.post("/api/notifications/read-all/").json() == {"marked": 1 + Notification.objects.filter(
        user=world.worker_a11, kind="case", read_at__isnull=False).count() - 2}
    assert not Notification.objects.filter(user=world.worker_a11, read_at__isnull=True).exists()
    world.note_b.refresh_from_db()
    assert world.note_b.read_at is None


@pytest.mark.django_db
def test_the_audit_log_needs_audit_view(world, api):
    rows = api("command").get("/api/audit-log/?page_size=500").json()
    assert rows["count"] > 0 and all(r["district_code"] == "410611" for r in rows["results"])
    assert "ip" not in rows["results"][0]
    assert api("command").get("/api/audit-log/?action=role.grant").json()["count"] > 0
    assert api("worker_a11").get("/api/audit-log/").json()["count"] == 0
    entry = rows["results"][0]["id"]
    assert api("worker_a11").get(f"/api/audit-log/{entry}/").status_code == 404


@pytest.mark.django_db
def test_the_work_calendar_counts_working_days(cast, api):
    from core.models import WorkdayOverride

    WorkdayOverride.objects.create(date="2026-11-23", is_workday=False, note="地方节日")
    body = api("worker_a11").get("/api/work-calendar/?start=2026-11-21&end=2026-11-27").json()
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-11-21"]["is_workday"] is False  # Saturday
    assert days["2026-11-23"] == {"date": "2026-11-23", "is_workday": False, "override": "地方节日"}
    assert days["2026-11-24"]["is_workday"] is True
    assert body["workdays"] == 4
    client = api("worker_a11")
    assert client.get("/api/work-calendar/?start=2026-11-27&end=2026-11-21").status_code == 400
    assert client.get("/api/work-calendar/?start=yesterday").status_code == 400


@pytest.mark.django_db
def test_estates_and_buildings_are_scoped_places(world, api):
    handler = api("handler_bcg")  # a street B department sees street B's places, not A's
    assert {r["id"] for r in handler.get("/api/estates/").json()["results"]} == {world.estate_b.pk}
    assert handler.get(f"/api/buildings/{world.building_a.pk}/").status_code == 404
    row = api("worker_a11").get(f"/api/buildings/{world.building_a.pk}/").json()
    assert row["estate"] == world.estate_a.pk and row["estate_name"] == "a小区" and row["grid"] == "410611001001001"


@pytest.mark.django_db
def test_case_photos_are_served_by_token_within_scope(world, api):
    photo = world.case_reported.photos.first()
    url = f"/api/cases/{world.case_reported.pk}/photos/{photo.pk}/"
    response = api("worker_a11").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert api("worker_a11").get(url + "?thumb=true").content[:2] == b"\xff\xd8"
    assert api("worker_b11").get(url).status_code == 404
    # the photo of one case is not reachable through another case's id
    assert api("worker_a11").get(f"/api/cases/{world.case_dispatched.pk}/photos/{photo.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_integration_client_works_only_with_its_issued_token_and_its_scope(world, api):
    from rest_framework.test import APIClient

    from core.models import AuditLog

    out = io.StringIO()
    call_command("issue_api_token", "cg-system", "--service", "--full-name", "城管业务系统",
                 "--role", "department_handler", "--department", "410611002-CG", "--note", "对接", stdout=out)
    key = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/me/").json()
    assert me["service_account"] is True and me["roles"][0]["role"] == "department_handler"
    # scoped by its role like any user: street B's department sees street B's places only
    assert {r["id"] for r in client.get("/api/dwellings/").json()["results"]} == {world.dwelling_b.pk}
    assert client.get(f"/api/residents/{world.resident_b.pk}/").status_code == 404  # no people for departments
    # it cannot get a token with a password, and a new token replaces the old one
    assert APIClient().post("/api/auth/token/", {"username": "cg-system", "password": ""}).status_code == 400
    out = io.StringIO()
    call_command("issue_api_token", "cg-system", stdout=out)
    assert client.get("/api/me/").status_code == 401
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    assert fresh.get("/api/me/").status_code == 200
    issued = AuditLog.objects.filter(action="user.token.issue", object_repr="城管业务系统")
    assert issued.count() == 2 and key not in str(list(issued.values("after", "note")))
    assert api("worker_a11").get("/api/me/").json()["service_account"] is False


@pytest.mark.django_db
def test_only_role_changers_may_issue_tokens(cast):
    from django.core.exceptions import PermissionDenied

    from accounts.actions import issue_api_token

    with pytest.raises(PermissionDenied):
        issue_api_token(cast.officer_b, cast.worker_a11)
    assert issue_api_token(cast.admin, cast.worker_a11)
