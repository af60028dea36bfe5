"""Helpers of the engagement write-API and edit-page tests: a snapshot of the rows that must not
change when a request is refused, and the persona round of one write endpoint."""

from __future__ import annotations

import re

from core.models import AuditLog

CJK = re.compile(r"[\u4e00-\u9fff]")


def snapshot(*models) -> list:
    """Every row of the models (small test data), plus the number of audit rows (logins aside)."""
    return [list(model.objects.order_by("pk").values()) for model in models] + [
        AuditLog.objects.exclude(action__startswith="auth.").count()]


def refused_then_allowed(api, method: str, url: str, body: dict | None, models, *, allowed: str = "officer_a1",
                         refused=(("officer_b", 404), ("worker_a11", 403)), expect: int = 200):
    """The refused personas get their status and change nothing; then the allowed one succeeds."""
    before = snapshot(*models)
    for name, status in refused:
        response = getattr(api(name), method)(url, body, format="json")
        assert response.status_code == status, (name, method, url, response.status_code, response.content[:300])
        assert snapshot(*models) == before, (name, method, url)
    response = getattr(api(allowed), method)(url, body, format="json")
    assert response.status_code == expect, (allowed, method, url, response.status_code, response.content[:500])
    return response.json()


def chinese(response) -> bool:
    return bool(CJK.search(response.content.decode()))
