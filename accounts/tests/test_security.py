"""Login security: lockout after 5 failures (not dodged by X-Forwarded-For), token login, idle
timeout, password rules, and the audit trail of logins and role changes."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import actions
from accounts.models import RoleAssignment
from conftest import PASSWORD
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="10.0.0.1", xff=None):
    extra = {"REMOTE_ADDR": ip}
    if xff:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_it_logs_in_and_audits_it(cast, client):
    response = login(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="auth.login", actor=cast.officer_a).count() == 1


def test_a_wrong_password_gets_a_chinese_message(cast, client):
    response = login(client, "officer_a", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert AuditLog.objects.filter(action="auth.login_failed", object_repr="officer_a").exists()


def test_five_failures_lock_the_account_whatever_x_forwarded_for_says(cast, client):
    for attempt in range(5):
        login(client, "officer_a", "wrong-password-1", xff=f"203.0.113.{attempt}")
    # the right password, from a "different" client address, is still refused
    response = login(client, "officer_a", PASSWORD, xff="198.51.100.7")
    assert response.status_code == 403
    assert "锁定" in response.content.decode()
    response = login(client, "officer_a", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 403
    # another account is not affected
    assert login(client, "officer_b", PASSWORD).status_code == 302


def test_the_lock_lifts_after_15_minutes(cast, client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            login(client, "officer_a", "wrong-password-1")
        assert login(client, "officer_a", PASSWORD).status_code == 403
        traveller.shift(timedelta(minutes=14))
        assert login(client, "officer_a", PASSWORD).status_code == 403
        traveller.shift(timedelta(minutes=2))
        assert login(client, "officer_a", PASSWORD).status_code == 302


def test_four_failures_do_not_lock(cast, client):
    for _ in range(4):
        login(client, "officer_a", "wrong-password-1")
    assert login(client, "officer_a", PASSWORD).status_code == 302


def test_the_token_endpoint_gives_a_token_and_shares_the_lockout(cast, api):
    client = api(None)
    response = client.post("/api/auth/token/", {"username": "worker_a11", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    me = api(None)
    me.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = me.get("/api/me/").json()
    assert body["username"] == "worker_a11"
    assert [r["role"] for r in body["roles"]] == ["grid_worker"]
    assert body["roles"][0]["area_code"] == "410611001001001"

    bad = client.post("/api/auth/token/", {"username": "worker_b11", "password": "nope-nope-1"}, format="json")
    assert bad.status_code == 400 and "用户名或密码错误" in bad.json()["detail"]
    for _ in range(4):
        client.post("/api/auth/token/", {"username": "worker_b11", "password": "nope-nope-1"},
                    format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    locked = client.post("/api/auth/token/", {"username": "worker_b11", "password": PASSWORD}, format="json")
    assert locked.status_code == 403 and "锁定" in locked.json()["detail"]
    assert "token" not in locked.json()


def test_idle_sessions_expire(cast, client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert login(client, "officer_a", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps the session alive
        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("password", ["short1", "abcdefghijkl", "1234567890123", "password123"])
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationError):
        actions.create_user(None, username="newbie", password=password)


def test_roles_bind_to_the_right_level_and_are_audited(cast):
    with pytest.raises(ValidationError):
        actions.grant_role(cast.admin, user=cast.stranger, role="grid_worker", area=cast.street_a)
    with pytest.raises(ValidationError):
        actions.grant_role(cast.admin, user=cast.stranger, role="department_handler", area=cast.street_a)
    with pytest.raises(PermissionDenied):
        actions.grant_role(cast.officer_a, user=cast.stranger, role="grid_worker", area=cast.grid_a11)
    assignment = actions.grant_role(cast.admin, user=cast.stranger, role="grid_worker", area=cast.grid_a12)
    entry = AuditLog.objects.get(action="role.grant", object_id=str(assignment.pk))
    assert entry.actor == cast.admin and entry.after["role"] == "grid_worker"
    assert entry.after["area"] == cast.grid_a12.pk

    actions.revoke_role(cast.admin, assignment)
    assert not RoleAssignment.objects.active().filter(pk=assignment.pk).exists()
    entry = AuditLog.objects.get(action="role.revoke", object_id=str(assignment.pk))
    assert entry.before["ends_on"] is None and entry.after["ends_on"] is not None


def test_a_revoked_role_loses_its_scope_at_once(cast, api):
    assignment = RoleAssignment.objects.get(user=cast.worker_a11)
    client = api("worker_a11")
    assert client.get(f"/api/areas/{cast.grid_a11.pk}/").status_code == 200
    actions.revoke_role(cast.admin, assignment)
    assert client.get(f"/api/areas/{cast.grid_a11.pk}/").status_code == 404


def test_an_inactive_user_sees_nothing(cast, api):
    client = api("command")
    cast.command.is_active = False
    cast.command.save()
    assert client.get("/api/areas/").status_code in (401, 403)
