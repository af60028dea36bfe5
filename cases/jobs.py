"""The deadline sweep (healthchecks' sendalerts pattern), done in the database.

Each run claims, with one conditional UPDATE ... RETURNING per kind, the open cases that crossed
their yellow point (80 % of the step's working time) and those that went overdue. Claiming sets
`warned_at` / `overdue_at`, so a second run — or a second worker — finds nothing to claim: every
warning and every escalation fires exactly once per step, however often the job runs or restarts
(a run that dies before committing leaves its rows unclaimed for the next one).

For the claimed cases, in the same transaction and without bringing them into Python: one timeline
row and one audit row each (INSERT … SELECT over the claimed ids) and, for the overdue, one UPDATE
that moves each up one owning level (grid → community → street → district). Each person told gets
one inbox message per sweep and kind, naming the case or, for several, their numbers. The inbox
rows are written in the sweep's transaction, so nobody reads a warning for a claim that was rolled
back; nothing leaves the system from here (no SMS), so there is nothing to hold back until after
commit. The claims set only warned_at / overdue_at, and the escalation only owner_area, owner_level
and counters, none of which an index covers (owner_area has no index for this reason): on
PostgreSQL, with the free room migration 0002 leaves on each page, they are heap-only updates that
write no index entries.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import (
    CharField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment
from areas.models import Area
from cases.choices import OPEN_TASK_STATES, TIMED_STATES, CaseState
from cases.models import Case, CaseEvent, CaseTask
from cases.workflow import OWNER_ROLES
from core.models import AuditLog, Notification
from core.notify import notify
from core.sql import id_set, insert_select_sql, rows
from integrations.outbox import write_overdue

_STATES = [str(s) for s in TIMED_STATES]
# the states are constants of the code, written into the SQL as literals
_STATE_LIST = ", ".join(f"'{s}'" for s in _STATES)
_OWNER_LEVEL = {"cell": "grid"}  # cases.access.owner_level_of, in SQL below


# what each claim takes (every %s is the sweep's `now`); no column here is qualified, so the same
# text serves the plain claims and PostgreSQL's escalating UPDATE … FROM
_DUE_SOON = (f"state IN ({_STATE_LIST}) AND warned_at IS NULL AND overdue_at IS NULL "
             "AND warn_at <= %s AND due_at > %s")
_OVERDUE = f"state IN ({_STATE_LIST}) AND overdue_at IS NULL AND due_at <= %s"


def _claim(sql: str, now) -> list[tuple]:
    """Run a claim and return its rows; `now` fills every placeholder, adapted as the ORM would
    (UTC text on SQLite)."""
    value = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value] * sql.count("%s"))
        return cursor.fetchall()


def _owner_role() -> Q:
    """The role that owns cases at the level of the assignment's area."""
    q = Q()
    for level, roles in OWNER_ROLES.items():
        levels = [level, *[k for k, v in _OWNER_LEVEL.items() if v == level]]
        q |= Q(role__in=sorted(roles), area__level__in=levels)
    return q


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


DIGEST_LISTED = 10  # case numbers named in one inbox message; the rest are counted


def _notifications(claimed, kind: str, one: str, many: str, *, above: dict | None = None) -> int:
    """The inbox messages for the claimed cases, given as (id, number, owning area id) rows: to the
    owners of each case's owning level, the owners of the level above when it is escalated (`above`:
    owning area id → the area it moved up to), and the handlers of its open department tasks.
    One message per person per sweep: about one case, the case itself (`one`, linked to it); about
    several, their numbers (`many`, linked to the person's desk) — a sweep over thousands of cases
    writes a message per person, not per case, and spares the command center thousands of
    near-identical messages. A few small queries (the owning roles, the open tasks and their
    handlers); the pairing is done here."""
    ids = [case_id for case_id, _number, _area in claimed]
    owner_areas = {area_id for _id, _number, area_id in claimed}
    above = above or {}
    owners = _owner_recipients(owner_areas | {a for a in above.values() if a is not None})
    tasks = list(CaseTask.objects.filter(case_id__in=id_set(ids), state__in=[str(s) for s in OPEN_TASK_STATES])
                 .values_list("case_id", "department_id"))
    handlers: dict[int, list[int]] = defaultdict(list)
    for user_id, department_id in (RoleAssignment.objects.active()
                                   .filter(role="department_handler", department_id__in={d for _c, d in tasks})
                                   .values_list("user_id", "department_id")):
        handlers[department_id].append(user_id)
    by_user: dict[int, dict] = defaultdict(lambda: {"cases": {}, "handler": False})
    numbers = {case_id: number for case_id, number, _area in claimed}
    for case_id, number, area_id in claimed:
        for user_id in owners.get(area_id, []) + owners.get(above.get(area_id), []):
            by_user[user_id]["cases"][case_id] = number
    for case_id, department_id in tasks:
        for user_id in handlers[department_id]:
            by_user[user_id]["cases"][case_id] = numbers[case_id]
            by_user[user_id]["handler"] = True
    messages = []
    for user_id, told in by_user.items():
        cases = sorted(told["cases"].items(), key=lambda item: item[1])
        if len(cases) == 1:
            (case_id, number), = cases
            messages.append(Notification(user_id=user_id, kind=kind, message=(one % {"number": number})[:300],
                                         url=f"/cases/{case_id}/", object_type="cases.case", object_id=str(case_id)))
            continue
        numbers = "、".join(number for _id, number in cases[:DIGEST_LISTED])
        if len(cases) > DIGEST_LISTED:
            numbers += " …"
        messages.append(Notification(
            user_id=user_id, kind=kind, message=(many % {"count": len(cases), "numbers": numbers})[:300],
            url=reverse("cases:department") if told["handler"] else reverse("cases:desk") + "?tab=overdue"))
    Notification.objects.bulk_create(messages, batch_size=1000)
    return len(messages)


def _record_statements(claimed, action: str, now, data: dict) -> list[tuple[str, list]]:
    """The INSERT … SELECTs of one timeline row and one audit row per case of the queryset
    `claimed`; `data` maps JSON keys to expressions."""
    when = Value(now, output_field=DateTimeField())
    return [
        insert_select_sql(CaseEvent, rows(claimed, {
            "case": F("id"), "action": _text(action), "from_state": F("state"), "to_state": F("state"),
            "actor_role": _text("system"), "note": _text(""), "data": JSONObject(**data),
            "public": Value(False), "created_at": when,
        })),
        insert_select_sql(AuditLog, rows(claimed, {
            "created_at": when, "actor_repr": _text("system"), "action": _text(f"case.{action}"),
            "object_type": _text("cases.case"), "object_id": Cast("id", CharField()), "object_repr": F("number"),
            "district_code": F("district_code"), "after": JSONObject(state=F("state"), **data), "note": _text(""),
        })),
    ]


def _record(ids, action: str, now, data: dict) -> None:
    """One timeline row and one audit row per claimed case (by id)."""
    with connection.cursor() as cursor:
        for sql, params in _record_statements(Case.objects.filter(pk__in=id_set(ids)), action, now, data):
            cursor.execute(sql, params)


def _parent_of_owner():
    """The area the case moves up to when overdue: the owning area's parent, unless the owner is
    the district (the top; it stays)."""
    return Subquery(Area.objects.filter(pk=OuterRef("owner_area_id")).exclude(level="district")
                    .values("parent_id")[:1], output_field=IntegerField())


def _level_of(alias: str) -> str:
    """The owner level of area `alias` in SQL (cases.access.owner_level_of)."""
    return (f"CASE {alias}.level " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _OWNER_LEVEL.items())
            + f" ELSE {alias}.level END")


def _escalate(ids) -> int:
    """Move each case up one owning level: the owning area's parent, unless the owner is the
    district. One UPDATE … FROM over the claimed ids (SQLite ≥ 3.33; on PostgreSQL the overdue
    claim itself does this, _claim_overdue)."""
    table, area = (connection.ops.quote_name(m._meta.db_table) for m in (Case, Area))
    ids_sql, ids_params = id_set(ids).as_sql(None, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET owner_area_id = p.id, owner_level = {_level_of('p')}, "  # noqa: S608
            "escalation_count = escalation_count + 1, version = version + 1 "
            f"FROM {area} a JOIN {area} p ON p.id = a.parent_id "
            f"WHERE a.id = {table}.owner_area_id AND a.level <> 'district' AND {table}.id IN {ids_sql}",
            ids_params,
        )
        return cursor.rowcount


# On PostgreSQL a claim, its timeline and audit rows (and, for the overdue, the escalation) are one
# statement: the INSERT … SELECTs are data-modifying CTEs beside the claiming UPDATE, reading the
# claimed rows as they were before it (the level a case is escalated from is the one it had), so
# the claimed ids never travel to Python and back. Elsewhere (SQLite) the same rows are written by
# the same INSERT … SELECTs, over the ids the claim returned.

_CLAIMED = Case.objects.filter(pk__in=RawSQL("SELECT id FROM claimed", ()))
_CLAIMED_ROW = "id, number, owner_area_id"  # what the notifications need of a claimed case


def _claim_recorded(claim_sql: str, now, action: str, data: dict, returning: str = _CLAIMED_ROW) -> list[tuple]:
    """Run a claim (`… RETURNING id, number, owner_area_id`, the first three of `returning`) and
    write one timeline and one audit row per claimed case; returns the claim's rows."""
    if connection.vendor != "postgresql":
        claimed = _claim(claim_sql, now)
        if claimed:
            _record([row[0] for row in claimed], action, now, data)
        return claimed
    statements = _record_statements(_CLAIMED, action, now, data)
    # every piece is SQL made here or by the ORM, values are parameters
    sql = (f"WITH claimed AS ({claim_sql}), "  # noqa: S608
           + ", ".join(f"recorded_{i} AS ({s})" for i, (s, _p) in enumerate(statements))
           + f" SELECT {returning} FROM claimed")  # noqa: S608
    value = connection.ops.adapt_datetimefield_value(now)
    params = [*[value] * claim_sql.count("%s"), *(p for _s, ps in statements for p in ps)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _claim_warnings(now) -> list[tuple]:
    """Claim the newly yellow, write their timeline and audit rows: (id, number, owning area) rows."""
    table = connection.ops.quote_name(Case._meta.db_table)
    return _claim_recorded(f"UPDATE {table} SET warned_at = %s WHERE {_DUE_SOON} "  # noqa: S608
                           f"RETURNING {_CLAIMED_ROW}", now, "warn", {"due_at": F("due_at")})


def _claim_overdue(now) -> tuple[list[tuple], dict, int]:
    """Claim the newly overdue, write their timeline and audit rows and move each up one level:
    ((id, number, owning area before) rows, owning area → the area it moved up to, how many moved)."""
    table, area = (connection.ops.quote_name(m._meta.db_table) for m in (Case, Area))
    data = {"escalated_to": _parent_of_owner()}
    if connection.vendor != "postgresql":
        claimed = _claim_recorded(f"UPDATE {table} SET overdue_at = %s, warned_at = COALESCE(warned_at, %s) "  # noqa: S608
                                  f"WHERE {_OVERDUE} RETURNING {_CLAIMED_ROW}", now, "overdue", data)
        if not claimed:
            return [], {}, 0
        above = dict(Area.objects.filter(pk__in={area for _i, _n, area in claimed}).exclude(level="district")
                     .values_list("id", "parent_id"))
        return claimed, above, _escalate([case_id for case_id, _n, _a in claimed])
    moved = "(up.to_id IS NOT NULL)::int"
    rows_ = _claim_recorded(
        # the escalation is in the claim itself: one new version of each row, heap-only (no column
        # it sets is indexed). `up`: each area, and the one its cases move up to (none above the
        # district); a small table, joined by hash
        f"WITH up AS MATERIALIZED (SELECT a.id, p.id AS to_id, {_level_of('p')} AS to_level "  # noqa: S608
        f"FROM {area} a LEFT JOIN {area} p ON p.id = a.parent_id AND a.level <> 'district') "
        f"UPDATE {table} SET overdue_at = %s, warned_at = COALESCE(warned_at, %s), "
        f"owner_area_id = COALESCE(up.to_id, owner_area_id), owner_level = COALESCE(up.to_level, owner_level), "
        f"escalation_count = escalation_count + {moved}, version = version + {moved} "
        f"FROM up WHERE up.id = {table}.owner_area_id AND {_OVERDUE} "
        f"RETURNING {table}.id, number, up.id AS owner_before, up.to_id AS moved_to",
        now, "overdue", data, returning="id, number, owner_before, moved_to")
    claimed = [(case_id, number, owner) for case_id, number, owner, _to in rows_]
    above = {owner: to for _id, _number, owner, to in rows_ if to is not None}
    return claimed, above, sum(1 for *_rest, to in rows_ if to is not None)


def sweep_deadlines(now=None) -> dict:
    """One sweep; returns how many cases were warned and escalated."""
    now = now or timezone.now()
    with transaction.atomic():
        warned = _claim_warnings(now)
        if warned:
            _notifications(warned, "case.warn", _("Case %(number)s is due soon."),
                           _("%(count)d cases are due soon: %(numbers)s"))

    with transaction.atomic():
        overdue, above, escalated = _claim_overdue(now)
        if overdue:
            _notifications(overdue, "case.overdue", _("Case %(number)s is overdue."),
                           _("%(count)d cases are overdue: %(numbers)s"), above=above)
            # webhook subscribers of "case.overdue": set-based, nothing written without subscribers
            write_overdue([case_id for case_id, _number, _area in overdue], now)
    return {"warned": len(warned), "overdue": len(overdue), "escalated": escalated}


def _owner_recipients(area_ids) -> dict[int, list[int]]:
    recipients: dict[int, list[int]] = defaultdict(list)
    for area_id, user_id in (RoleAssignment.objects.active().filter(_owner_role(), area_id__in=list(area_ids))
                             .values_list("area_id", "user_id")):
        recipients[area_id].append(user_id)
    return recipients


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
