"""Convening joint meetings, recording minutes, decisions and their completion: one function each,
atomic, locked, audited; owner departments are notified after commit."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas.models import Area, Department
from core.audit import record, snapshot
from core.notify import notify
from core.versions import check_version, token
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


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise ValidationError(_("This meeting was cancelled."))


def record_minutes(actor, meeting: Meeting, *, minutes: str) -> Meeting:
    _require(actor, "meeting.change", meeting.convener_area)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("The minutes are empty.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _not_cancelled(meeting)
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
        _not_cancelled(meeting)
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


def complete_decision(actor, decision: Decision, *, note: str, now=None) -> Decision:
    """The owner department (or the convener) marks the decision done, saying how (`now`: when it
    was done, for the demo loader's history; the present otherwise)."""
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
        decision.done_at = now or timezone.now()
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


VERSION_FIELDS = ["title", "agenda", "held_at", "place", "minutes", "cancelled_at"]


def _attendee_ids(meeting: Meeting) -> tuple[list[int], list[int]]:
    rows = list(MeetingAttendee.objects.filter(meeting=meeting).values_list("department_id", "user_id"))
    return sorted(d for d, _u in rows if d), sorted(u for d, u in rows if u and not d)


def meeting_version(meeting: Meeting) -> str:
    departments, users = _attendee_ids(meeting)
    return token({**snapshot(meeting, VERSION_FIELDS), "departments": departments, "users": users})


def update_meeting(actor, meeting: Meeting, *, title: str | None = None, agenda: str | None = None,
                   held_at: dt.datetime | None = None, place: str | None = None, departments=None, users=None,
                   version: str | None = None) -> Meeting:
    """Correct a meeting. The topic and the place can be corrected until it is cancelled; the
    agenda, the time and who is invited only until the minutes are recorded (the minutes record
    what was discussed, by whom). Newly invited departments and users are notified, and everyone
    invited when the time changes. A field left None is unchanged."""
    _require(actor, "meeting.change", meeting.convener_area)
    errors = {}
    if title is not None:
        title = title.strip()
        if not title:
            errors["title"] = _("Give the meeting a topic.")
        elif len(title) > 100:
            errors["title"] = _("The topic may have at most 100 characters.")
    if agenda is not None:
        agenda = agenda.strip()
        if not agenda:
            errors["agenda"] = _("Write the agenda.")
    if place is not None:
        place = place.strip()[:100]
    if departments is not None:
        departments = list(departments)
        if not departments:
            errors["departments"] = _("Invite at least one department.")
    if errors:
        raise ValidationError(errors)
    if departments:
        _check_departments(actor, departments, meeting.convener_area)
    if users is not None:
        users = list(users)
        if users and len({u.pk for u in users}) != get_user_model().objects.filter(
                pk__in=[u.pk for u in users], is_active=True).count():
            raise ValidationError({"users": _("Unknown or inactive user.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_version(meeting_version(meeting), version)
        _not_cancelled(meeting)
        old_departments, old_users = _attendee_ids(meeting)
        before = {"title": meeting.title, "agenda": meeting.agenda, "held_at": meeting.held_at.isoformat(),
                  "place": meeting.place, "departments": old_departments, "users": old_users}
        after = dict(before)
        if title is not None:
            after["title"] = title
        if place is not None:
            after["place"] = place
        if agenda is not None:
            after["agenda"] = agenda
        if held_at is not None:
            after["held_at"] = held_at.isoformat()
        if departments is not None:
            after["departments"] = sorted({d.pk for d in departments})
        if users is not None:
            after["users"] = sorted({u.pk for u in users})
        locked = [key for key in ("agenda", "held_at", "departments", "users") if after[key] != before[key]]
        if meeting.minutes and locked:
            raise ValidationError(_("The minutes are recorded: the agenda, the time and the attendees can no "
                                    "longer change; only the topic and the place can be corrected."))
        if after == before:
            return meeting
        meeting.title, meeting.place, meeting.agenda = after["title"], after["place"], after["agenda"]
        if held_at is not None:
            meeting.held_at = held_at
        meeting.save(update_fields=["title", "place", "agenda", "held_at"])
        added_departments = sorted(set(after["departments"]) - set(before["departments"]))
        added_users = sorted(set(after["users"]) - set(before["users"]))
        MeetingAttendee.objects.filter(meeting=meeting).filter(
            Q(department_id__in=set(before["departments"]) - set(after["departments"]))
            | Q(department__isnull=True, user_id__in=set(before["users"]) - set(after["users"]))).delete()
        MeetingAttendee.objects.bulk_create(
            [MeetingAttendee(meeting=meeting, department_id=d) for d in added_departments]
            + [MeetingAttendee(meeting=meeting, user_id=u) for u in added_users])
        record(actor, "meeting.update", meeting, before=before, after=after)
        from cases.actions import handlers_of

        when = timezone.localtime(meeting.held_at).strftime("%m-%d %H:%M")
        if after["held_at"] != before["held_at"]:
            recipients = handlers_of(after["departments"]) + after["users"]
            message = _("Joint meeting %(title)s moved to %(when)s") % {"title": meeting.title, "when": when}
        else:
            recipients = handlers_of(added_departments) + added_users
            message = _("Joint meeting %(title)s at %(when)s") % {"title": meeting.title, "when": when}
        if recipients:
            notify(recipients, "meeting.invited", message, meeting.get_absolute_url(), meeting)
    return meeting


def cancel_meeting(actor, meeting: Meeting, *, reason: str, version: str | None = None) -> Meeting:
    """Call off a meeting that will not take place: only before minutes or decisions are recorded.
    Everyone invited is told."""
    _require(actor, "meeting.change", meeting.convener_area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the meeting is cancelled.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        check_version(meeting_version(meeting), version)
        if meeting.cancelled:
            raise ValidationError(_("This meeting was already cancelled."))
        if meeting.minutes or meeting.decisions.exists():
            raise ValidationError(_("The meeting has minutes or decisions: it took place and cannot be cancelled."))
        meeting.cancelled_at = timezone.now()
        meeting.cancelled_by = actor if actor is not None and actor.is_authenticated else None
        meeting.cancel_reason = reason
        meeting.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        record(actor, "meeting.cancel", meeting, before={"cancelled_at": None},
               after={"cancelled_at": meeting.cancelled_at.isoformat(), "reason": reason})
        from cases.actions import handlers_of

        departments, users = _attendee_ids(meeting)
        notify(handlers_of(departments) + users, "meeting.cancelled",
               _("Joint meeting %(title)s is cancelled: %(reason)s") % {"title": meeting.title, "reason": reason},
               meeting.get_absolute_url(), meeting)
    return meeting
