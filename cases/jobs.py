"""The deadline sweep (healthchecks' sendalerts pattern).

Each run claims, with one conditional UPDATE ... RETURNING per kind, the open cases that crossed
their yellow point (80 % of the step's working time) and those that went overdue. Claiming sets
`warned_at` / `overdue_at`, so a second run — or a second worker — finds nothing to claim: every
warning and every escalation fires exactly once per step, however often the job runs or restarts
(a run that dies before committing leaves its rows unclaimed for the next one).

For the claimed cases, in the same transaction: one timeline row and one audit row each; overdue
cases move up one owning level (grid → community → street → district); notifications go out after
commit.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment
from areas.models import Area
from cases.access import owner_level_of
from cases.choices import TIMED_STATES, CaseState
from cases.models import Case, CaseEvent, CaseTask
from cases.workflow import OWNER_ROLES
from core.models import AuditLog
from core.notify import notify, notify_many

_STATES = [str(s) for s in TIMED_STATES]


def _claim(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def claim_warnings(now) -> list[int]:
    table = Case._meta.db_table
    return _claim(
        f"UPDATE {table} SET warned_at = %s WHERE state IN ({_placeholders(len(_STATES))}) "  # noqa: S608
        "AND warn_at <= %s AND warned_at IS NULL AND overdue_at IS NULL AND due_at > %s RETURNING id",
        [now, *_STATES, now, now],
    )


def claim_overdue(now) -> list[int]:
    table = Case._meta.db_table
    return _claim(
        f"UPDATE {table} SET overdue_at = %s, warned_at = COALESCE(warned_at, %s) "  # noqa: S608
        f"WHERE state IN ({_placeholders(len(_STATES))}) AND due_at <= %s AND overdue_at IS NULL RETURNING id",
        [now, now, *_STATES, now],
    )


def _owner_recipients(area_ids) -> dict[int, list[int]]:
    areas = Area.objects.in_bulk(list(area_ids))
    recipients: dict[int, list[int]] = defaultdict(list)
    for assignment in RoleAssignment.objects.active().filter(area_id__in=list(area_ids)).only("user_id", "area_id",
                                                                                              "role"):
        area = areas.get(assignment.area_id)
        if area is not None and assignment.role in OWNER_ROLES.get(owner_level_of(area), ()):
            recipients[assignment.area_id].append(assignment.user_id)
    return recipients


def _handlers_by_case(case_ids) -> dict[int, list[int]]:
    by_department: dict[int, list[int]] = defaultdict(list)
    tasks = list(CaseTask.objects.filter(case_id__in=list(case_ids), state__in=["dispatched", "handling"])
                 .values_list("case_id", "department_id"))
    for user_id, department_id in RoleAssignment.objects.active().filter(
            department_id__in={d for _c, d in tasks}, role="department_handler").values_list("user_id", "department_id"):
        by_department[department_id].append(user_id)
    result: dict[int, list[int]] = defaultdict(list)
    for case_id, department_id in tasks:
        result[case_id].extend(by_department[department_id])
    return result


def _record(cases, action: str, now, data_for) -> None:
    CaseEvent.objects.bulk_create([
        CaseEvent(case_id=c.id, action=action, from_state=c.state, to_state=c.state, actor=None, actor_role="system",
                  data=data_for(c), public=False, created_at=now)
        for c in cases
    ], batch_size=2000)
    AuditLog.objects.bulk_create([
        AuditLog(actor=None, actor_repr="system", action=f"case.{action}", object_type="cases.case",
                 object_id=str(c.id), object_repr=c.number, district_code=c.district_code,
                 after={"state": c.state, **data_for(c)})
        for c in cases
    ], batch_size=2000)


def sweep_deadlines(now=None) -> dict:
    """One sweep; returns how many cases were warned and escalated."""
    now = now or timezone.now()
    with transaction.atomic():
        warned_ids = claim_warnings(now)
        warned = list(Case.objects.filter(pk__in=warned_ids).only("id", "state", "number", "district_code",
                                                                   "owner_area_id", "due_at"))
        _record(warned, "warn", now, lambda c: {"due_at": c.due_at.isoformat() if c.due_at else None})
        recipients = _owner_recipients({c.owner_area_id for c in warned})
        handlers = _handlers_by_case([c.id for c in warned])
        notify_many([(recipients.get(c.owner_area_id, []) + handlers.get(c.id, []), "case.warn",
                      _("Case %(number)s is due soon.") % {"number": c.number}, f"/cases/{c.id}/") for c in warned])

    with transaction.atomic():
        overdue_ids = claim_overdue(now)
        overdue = list(Case.objects.filter(pk__in=overdue_ids).select_related("owner_area")
                       .only("id", "state", "number", "district_code", "owner_area__id", "owner_area__parent_id",
                             "owner_area__level", "owner_level"))
        by_owner: dict[int, list[Case]] = defaultdict(list)
        for c in overdue:
            by_owner[c.owner_area_id].append(c)
        parents = Area.objects.in_bulk({c.owner_area.parent_id for c in overdue if c.owner_area.parent_id})
        escalated_to: dict[int, int] = {}
        for group in by_owner.values():
            owner = group[0].owner_area
            parent = parents.get(owner.parent_id) if owner.parent_id else None
            if parent is None or owner_level_of(owner) == "district":
                continue
            Case.objects.filter(pk__in=[c.id for c in group]).update(
                owner_area_id=parent.id, owner_level=owner_level_of(parent),
                escalation_count=F("escalation_count") + 1, version=F("version") + 1)
            for c in group:
                escalated_to[c.id] = parent.id
        _record(overdue, "overdue", now, lambda c: {"escalated_to": escalated_to.get(c.id)})
        recipients = _owner_recipients(set(escalated_to.values()) | {c.owner_area_id for c in overdue})
        handlers = _handlers_by_case([c.id for c in overdue])
        notify_many([
            (recipients.get(escalated_to.get(c.id, c.owner_area_id), []) + recipients.get(c.owner_area_id, [])
             + handlers.get(c.id, []), "case.overdue", _("Case %(number)s is overdue.") % {"number": c.number},
             f"/cases/{c.id}/")
            for c in overdue
        ])
    return {"warned": len(warned_ids), "overdue": len(overdue_ids), "escalated": len(escalated_to)}


def review_suspended(today=None) -> int:
    """Suspended cases whose review date has come: their owners are reminded (once a day at most)."""
    today = today or timezone.localdate()
    due = list(Case.objects.filter(state=CaseState.SUSPENDED, review_on__lte=today).only("id", "number",
                                                                                          "owner_area_id"))
    recipients = _owner_recipients({c.owner_area_id for c in due})
    for c in due:
        notify(recipients.get(c.owner_area_id, []), "case.review", _("Suspended case %(number)s is due for review.")
               % {"number": c.number}, f"/cases/{c.id}/")
    return len(due)
