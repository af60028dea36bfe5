import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from core.audit import record
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_the_audit_log_cannot_be_edited_through_the_orm(cast):
    entry = record(cast.admin, "test.action", cast.grid_a11, before={"a": 1}, after={"a": 2})
    entry.note = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()


def test_the_database_refuses_updates_of_the_audit_log(cast):
    entry = record(cast.admin, "test.action", cast.grid_a11)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET note = 'x' WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).note == ""


def test_the_audit_row_records_who_what_and_where(cast, client):
    record(cast.admin, "test.action", cast.grid_a11, note="n")
    entry = AuditLog.objects.latest("id")
    assert (entry.actor_repr, entry.object_type, entry.object_id, entry.district_code) == (
        "admin", "areas.area", str(cast.grid_a11.pk), "410611")
