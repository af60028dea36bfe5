"""Joint meeting pages: the list with the overdue decisions the user must see, convening, the
meeting with its minutes and decisions, and the decisions list (a department's own)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from core.views import require_capability
from meetings import actions
from meetings.forms import (
    CancelForm,
    DecisionForm,
    DoneForm,
    MeetingEditForm,
    MeetingForm,
    MinutesForm,
    split_numbers,
)
from meetings.models import Decision, Meeting
from web.utils import add_action_errors, paginate


def _require_any(user):
    scope = get_scope(user)
    if not (scope.can("meeting.view") or scope.can("meeting.decide")):
        raise PermissionDenied


def access_meeting(user, pk) -> Meeting:
    try:
        return Meeting.objects.restrict(user).select_related("convener_area", "created_by").get(pk=int(pk))
    except (Meeting.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_decision(user, pk) -> Decision:
    try:
        return (Decision.objects.restrict(user).select_related("meeting__convener_area", "owner_department")
                .get(pk=int(pk)))
    except (Decision.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def _cases(user, numbers):
    from cases.models import Case

    numbers = split_numbers(numbers)
    found = list(Case.objects.restrict(user).filter(number__in=numbers))
    missing = set(numbers) - {c.number for c in found}
    if missing:
        raise ValidationError({"case_numbers": _("Unknown case: %(numbers)s") % {"numbers": ", ".join(sorted(missing))}})
    return found


@login_required
def meeting_list(request):
    user = request.user
    _require_any(user)
    page_obj = paginate(request, Meeting.objects.restrict(user).select_related("convener_area"))
    overdue = list(Decision.objects.restrict(user).overdue().select_related("meeting", "owner_department")[:50])
    return render(request, "meetings/list.html", {
        "page_obj": page_obj, "overdue": overdue, "can_convene": get_scope(user).can("meeting.change")})


@login_required
def decision_list(request):
    user = request.user
    _require_any(user)
    qs = Decision.objects.restrict(user).select_related("meeting", "owner_department")
    state = request.GET.get("state", "open")
    if state in ("open", "done"):
        qs = qs.filter(state=state)
    if request.GET.get("overdue"):
        qs = qs.overdue()
    return render(request, "meetings/decisions.html", {"page_obj": paginate(request, qs), "state": state,
                                                       "now": timezone.now()})


@login_required
def meeting_new(request):
    user = request.user
    require_capability(user, "meeting.change")
    form = MeetingForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.convene_meeting(
                user, area=data["area"], title=data["title"], agenda=data["agenda"], held_at=data["held_at"],
                place=data["place"], departments=list(data["departments"]), users=data["usernames"],
                cases=_cases(user, data["case_numbers"]))
        except ValidationError as exc:
            add_action_errors(form, exc, {"users": "usernames", "cases": "case_numbers"})
        else:
            messages.success(request, _("The joint meeting was convened."))
            return redirect(meeting)
    return render(request, "meetings/form.html", {"form": form})


def _page(request, meeting, *, minutes_form=None, decision_form=None, status=200):
    user = request.user
    scope = get_scope(user)
    decisions = list(meeting.decisions.select_related("owner_department", "done_by").prefetch_related("cases"))
    my_departments = set(scope.departments_for("meeting.decide"))
    can_change = scope.can("meeting.change", meeting.convener_area) and not meeting.cancelled
    for decision in decisions:
        decision.can_complete = decision.state == "open" and (can_change or decision.owner_department_id in my_departments)
    return render(request, "meetings/detail.html", {
        "meeting": meeting, "can_change": can_change,
        "attendees": list(meeting.attendees.select_related("department", "user")),
        "cases": list(meeting.cases.all()), "decisions": decisions,
        "minutes_form": minutes_form or MinutesForm(initial={"minutes": meeting.minutes}),
        "decision_form": decision_form or DecisionForm(user=user), "done_form": DoneForm(),
    }, status=status)


@login_required
def meeting_detail(request, pk):
    return _page(request, access_meeting(request.user, pk))


@login_required
@require_POST
def meeting_minutes(request, pk):
    meeting = access_meeting(request.user, pk)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            actions.record_minutes(request.user, meeting, minutes=form.cleaned_data["minutes"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(meeting)
    return _page(request, meeting, minutes_form=form, status=400)


@login_required
@require_POST
def meeting_decision(request, pk):
    user = request.user
    meeting = access_meeting(user, pk)
    form = DecisionForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_decision(user, meeting, text=data["text"], owner_department=data["owner_department"],
                                 working_days=data["working_days"], cases=_cases(user, data["case_numbers"]))
        except ValidationError as exc:
            add_action_errors(form, exc, {"cases": "case_numbers"})
        else:
            messages.success(request, _("Saved."))
            return redirect(meeting)
    return _page(request, meeting, decision_form=form, status=400)


@login_required
@require_POST
def decision_done(request, pk):
    user = request.user
    decision = access_decision(user, pk)
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            actions.complete_decision(user, decision, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Say how the decision was carried out."))
    if Meeting.objects.restrict(user).filter(pk=decision.meeting_id).exists():
        return redirect(decision.meeting)
    return redirect("meetings:decisions")


def _changeable(user, pk) -> Meeting:
    """The meeting, for its edit or cancel page: 404 out of scope or without meeting.change on the
    convener's area (a department handler sees the meeting but does not change it)."""
    meeting = access_meeting(user, pk)
    if not get_scope(user).can("meeting.change", meeting.convener_area):
        raise Http404
    return meeting


def _changed_minute(value, stored):
    """The form's time, or None when it is the stored time to the minute (the form has no seconds)."""
    if value is None or value.replace(second=0, microsecond=0) == stored.replace(second=0, microsecond=0):
        return None
    return value


@login_required
def meeting_edit(request, pk):
    """Correct the topic, agenda, time, place or who is invited (meetings.actions.update_meeting)."""
    user = request.user
    meeting = _changeable(user, pk)
    if request.method == "POST":
        form = MeetingEditForm(request.POST, user=user, meeting=meeting)
        if form.is_valid():
            data = form.cleaned_data
            locked = meeting.minutes  # the form shows these fields disabled: they are not sent on
            try:
                actions.update_meeting(user, meeting, title=data["title"], place=data["place"],
                                       agenda=None if locked else data["agenda"],
                                       held_at=None if locked else _changed_minute(data["held_at"], meeting.held_at),
                                       departments=None if locked else list(data["departments"]),
                                       users=None if locked else data["usernames"], version=data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc, {"users": "usernames"})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect(meeting)
        return render(request, "meetings/edit.html", {"meeting": meeting, "form": form}, status=400)
    if meeting.cancelled:
        messages.error(request, _("This meeting was cancelled."))
        return redirect(meeting)
    form = MeetingEditForm(user=user, meeting=meeting, version=actions.meeting_version(meeting))
    return render(request, "meetings/edit.html", {"meeting": meeting, "form": form})


@login_required
def meeting_cancel(request, pk):
    """Confirm, then call off a meeting that will not take place (meetings.actions.cancel_meeting)."""
    user = request.user
    meeting = _changeable(user, pk)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                actions.cancel_meeting(user, meeting, reason=form.cleaned_data["reason"],
                                       version=form.cleaned_data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The meeting was cancelled."))
                return redirect(meeting)
        return render(request, "meetings/cancel.html", {"meeting": meeting, "form": form}, status=400)
    if meeting.cancelled:
        messages.error(request, _("This meeting was already cancelled."))
        return redirect(meeting)
    return render(request, "meetings/cancel.html", {
        "meeting": meeting, "form": CancelForm(initial={"version": actions.meeting_version(meeting)})})
