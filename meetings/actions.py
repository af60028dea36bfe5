"""Convening joint meetings, recording minutes, decisions and their completion: one function each,
atomic, locked, audited; owner departments are notified after commit."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas.models import Area, Department
from core.audit import record
from core.notify import notify
from core.workcalendar import get_calendar
from meetings.choices import CONVENER_LEVELS, DecisionState
from meetings.models import Decision, Meeting, MeetingAttendee

MAX_DECISION_DAYS = 120


def _require(actor, capability: str, area) -> None:
    if actor is None:
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def _check_departments(actor, departments, area: Area) -> None:
    visible = Department.objects.restrict(actor) if actor is not None else Department.objects.all()
    ids = {d.pk for d in departments}
    allowed = set(visible.filter(pk__in=ids).values_list("pk", flat=True))
    for department in departments:
        if department.pk not in allowed or not (area.path.startswith(department.area.path)
                                                or department.area.path.startswith(area.path)):
            raise ValidationError({"departments": _("%(name)s does not serve this area.") % {"name": department.name}})


def convene_meeting(actor, *, area: Area, title: str, agenda: str, held_at: dt.datetime, place: str = "",
                    departments=(), users=(), cases=()) -> Meeting:
    if area is None or area.level not in CONVENER_LEVELS:
        raise ValidationError({"area": _("A joint meeting is convened by a street or a community.")})
    _require(actor, "meeting.change", area)
    title, agenda = (title or "").strip(), (agenda or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the meeting a topic.")
    if not agenda:
        errors["agenda"] = _("Write the agenda.")
    if held_at is None:
        errors["held_at"] = _("When is the meeting held?")
    if not departments:
        errors["departments"] = _("Invite at least one department.")
    if errors:
        raise ValidationError(errors)
    departments = list(departments)
    _check_departments(actor, departments, area)
    users = list(users)
    if users and len({u.pk for u in users}) != get_user_model().objects.filter(pk__in=[u.pk for u in users],
                                                                                is_active=True).count():
        raise ValidationError({"users": _("Unknown or inactive user.")})
    cases = list(cases)
    for case in cases:
        if not case.area_path.startswith(area.path):
            raise ValidationError({"cases": _("Case %(number)s is not in this area.") % {"number": case.number}})
    with transaction.atomic():
        meeting = Meeting.objects.create(convener_area=area, area_path=area.path, district_code=area.district_code,
                                         title=title[:100], agenda=agenda, held_at=held_at,
                                         place=(place or "").strip()[:100],
                                         created_by=actor if actor is not None and actor.is_authenticated else None)
        MeetingAttendee.objects.bulk_create(
            [MeetingAttendee(meeting=meeting, department=d) for d in departments]
            + [MeetingAttendee(meeting=meeting, user=u) for u in users])
        if cases:
            meeting.cases.set(cases)
        record(actor, "meeting.convene", meeting,
               after={"departments": [d.pk for d in departments], "users": [u.pk for u in users],
                      "cases": [c.pk for c in cases], "held_at": held_at.isoformat()})
        from cases.actions import handlers_of

        notify(handlers_of([d.pk for d in departments]) + [u.pk for u in users], "meeting.invited",
               _("Joint meeting %(title)s at %(when)s") % {"title": title,
                                                           "when": timezone.localtime(held_at).strftime("%m-%d %H:%M")},
               meeting.get_absolute_url(), meeting)
    return meeting


def record_minutes(actor, meeting: Meeting, *, minutes: str) -> Meeting:
    _require(actor, "meeting.change", meeting.convener_area)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("The minutes are empty.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = meeting.minutes
        meeting.minutes = minutes
        meeting.save(update_fields=["minutes"])
        record(actor, "meeting.minutes", meeting, before={"minutes": before[:500]}, after={"minutes": minutes[:500]})
    return meeting


def add_decision(actor, meeting: Meeting, *, text: str, owner_department: Department, working_days: int,
                 cases=(), now: dt.datetime | None = None) -> Decision:
    """A decision with an owner department and a deadline `working_days` working days after now."""
    _require(actor, "meeting.change", meeting.convener_area)
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("Write the decision.")
    if owner_department is None:
        errors["owner_department"] = _("Choose the department that owns the decision.")
    if not isinstance(working_days, int) or not 1 <= working_days <= MAX_DECISION_DAYS:
        errors["working_days"] = _("The deadline is 1 to %(n)d working days.") % {"n": MAX_DECISION_DAYS}
    if errors:
        raise ValidationError(errors)
    try:
        _check_departments(actor, [owner_department], meeting.convener_area)
    except ValidationError:
        raise ValidationError({"owner_department": _("This department does not serve this area.")}) from None
    cases = list(cases)
    for case in cases:
        if not case.area_path.startswith(meeting.area_path):
            raise ValidationError({"cases": _("Case %(number)s is not in this area.") % {"number": case.number}})
    now = now or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        decision = Decision.objects.create(meeting=meeting, area_path=meeting.area_path,
                                           district_code=meeting.district_code, text=text,
                                           owner_department=owner_department,
                                           due_at=get_calendar().add_days(now, working_days), created_at=now)
        if cases:
            decision.cases.set(cases)
        record(actor, "meeting.decision", decision,
               after={"meeting": meeting.pk, "owner_department": owner_department.pk,
                      "due_at": decision.due_at.isoformat(), "cases": [c.pk for c in cases]})
        from cases.actions import handlers_of

        notify(handlers_of([owner_department.pk]), "meeting.decision",
               _("Your department owns a decision of the joint meeting %(title)s") % {"title": meeting.title},
               meeting.get_absolute_url(), meeting)
    return decision


def may_complete(actor, decision: Decision) -> bool:
    if actor is None:
        return True
    scope = get_scope(actor)
    return scope.can("meeting.change", decision.meeting.convener_area) or \
        decision.owner_department_id in scope.departments_for("meeting.decide")


def complete_decision(actor, decision: Decision, *, note: str) -> Decision:
    """The owner department (or the convener) marks the decision done, saying how."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the decision was carried out.")})
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not may_complete(actor, decision):
            raise PermissionDenied(_("You are not allowed to do this here."))
        if decision.state != DecisionState.OPEN:
            raise ValidationError(_("This decision is already done."))
        decision.state = DecisionState.DONE
        decision.done_at = timezone.now()
        decision.done_by = actor if actor is not None and actor.is_authenticated else None
        decision.done_note = note
        decision.save(update_fields=["state", "done_at", "done_by", "done_note"])
        record(actor, "meeting.decision_done", decision, before={"state": DecisionState.OPEN},
               after={"state": decision.state, "on_time": decision.done_at <= decision.due_at})
        meeting = decision.meeting
        notify([meeting.created_by_id], "meeting.decision_done",
               _("A decision of %(title)s was carried out") % {"title": meeting.title},
               meeting.get_absolute_url(), meeting)
    return decision
