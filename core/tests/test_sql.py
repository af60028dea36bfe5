"""core.sql.insert_row: the row it writes is the row save() writes."""

import datetime as dt

import pytest
from django.db.models.signals import post_save

from core.models import AuditLog, Notification, WorkdayOverride
from core.sql import insert_row

COMPARED = ["actor_id", "actor_repr", "action", "object_type", "object_id", "object_repr", "district_code",
            "before", "after", "note", "ip"]


def _values(entry: AuditLog) -> dict:
    row = AuditLog.objects.get(pk=entry.pk)
    return {name: getattr(row, name) for name in COMPARED}


@pytest.mark.django_db
def test_insert_row_writes_what_save_writes(cast):
    fields = dict(actor=cast.users["command"], actor_repr="command", action="case.report", object_type="cases.case",
                  object_id="7", object_repr="20261122", district_code="410611", before=None,
                  after={"state": "reported", "nested": {"n": [1, 2]}}, note="备注", ip="10.0.0.1")
    saved = AuditLog(**fields)
    saved.save()
    inserted = AuditLog(**fields)
    insert_row(inserted)
    # the primary key is read back, the instance counts as saved, auto_now_add is filled in
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    assert inserted.created_at is not None
    assert AuditLog.objects.get(pk=inserted.pk).created_at == inserted.created_at
    assert _values(inserted) == _values(saved)


@pytest.mark.django_db
def test_insert_row_writes_a_reserved_primary_key_and_defaults(cast):
    taken = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    message = Notification(pk=taken + 100, user=cast.users["command"], kind="case.reported", message="新案件")
    insert_row(message)
    row = Notification.objects.get(pk=taken + 100)
    assert (row.user_id, row.kind, row.message, row.url, row.read_at) == (cast.users["command"].pk, "case.reported",
                                                                          "新案件", "", None)


@pytest.mark.django_db
def test_insert_row_leaves_models_with_save_signals_to_save(cast):
    seen = []

    def listener(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(listener, sender=WorkdayOverride, dispatch_uid="test-insert-row")
    try:
        override = WorkdayOverride(date=dt.date(2026, 12, 26), is_workday=True, note="调休")
        insert_row(override)
    finally:
        post_save.disconnect(sender=WorkdayOverride, dispatch_uid="test-insert-row")
    assert seen == [(override.pk, True)]
