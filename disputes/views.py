"""Dispute pages: the list with the figures, registering, the dispute with its mediation chain, and
one POST per action. Parties are masked; every dispute page view is audited."""

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
from disputes import actions, selectors
from disputes.access import access_dispute
from disputes.choices import ACTION_LABELS, DisputeKind, DisputeState, Risk
from disputes.forms import (
    PARTY_SLOTS,
    ConcludeForm,
    DisputeEditForm,
    DisputeForm,
    FiguresForm,
    FollowUpForm,
    FulfilmentForm,
    HandOverForm,
    MediationForm,
    RevealForm,
    SessionForm,
    TurnIntoCaseForm,
)
from web.utils import add_action_errors, paginate


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@login_required
def dispute_list(request):
    user = request.user
    if not get_scope(user).can("dispute.view") and not get_scope(user).can("dispute.mediate"):
        raise PermissionDenied
    form = FiguresForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    start = data.get("start") or today.replace(month=1, day=1)
    end = data.get("end")
    qs = selectors.dispute_list(user, state=data.get("state", ""), kind=data.get("kind", ""),
                                risk=data.get("risk", ""))
    page_obj = paginate(request, qs)
    figures = selectors.figures(selectors.dispute_list(user), start, end)
    return _no_store(render(request, "disputes/list.html", {
        "page_obj": page_obj, "figures": figures, "form": form, "start": start, "end": end,
        "states": DisputeState.choices, "kinds": DisputeKind.choices, "risks": Risk.choices,
        "filters": data, "can_register": get_scope(user).can("dispute.change"),
    }))


def _parties_from(form, user) -> list[dict]:
    from registry.access import access_person

    parties = []
    for i in range(1, PARTY_SLOTS + 1):
        data = form.cleaned_data
        person = None
        if data.get(f"party{i}_person"):
            try:
                person = access_person(user, data[f"party{i}_person"])
            except Http404:
                raise ValidationError({"parties": _("A party is not a resident of your area.")}) from None
        parties.append({"person": person, "name": data.get(f"party{i}_name", ""),
                        "phone": data.get(f"party{i}_phone", ""), "role": data.get(f"party{i}_role") or "other"})
    return parties


@login_required
def dispute_new(request):
    user = request.user
    require_capability(user, "dispute.change")
    from_case = None
    if request.GET.get("case") or request.POST.get("case"):
        from cases.access import access_case

        from_case = access_case(user, request.GET.get("case") or request.POST.get("case"))
    if request.method == "POST":
        form = DisputeForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = actions.register_dispute(
                    user, grid=data["grid"], title=data["title"], description=data["description"],
                    kind=data["kind"], source=data["source"], risk=data["risk"], place=data["place"],
                    parties=_parties_from(form, user), from_case=from_case)
            except ValidationError as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("Dispute %(number)s registered.") % {"number": dispute.number})
                return redirect(dispute)
    else:
        initial = {}
        if from_case is not None:
            initial = {"grid": from_case.grid_id, "source": "case", "description": from_case.description,
                       "title": from_case.category.name, "place": from_case.address}
        form = DisputeForm(initial=initial, user=user)
    return render(request, "disputes/form.html", {"form": form, "from_case": from_case})


ACTION_FORMS = {
    "start_mediation": MediationForm,
    "hand_over": HandOverForm,
    "record_session": SessionForm,
    "conclude": ConcludeForm,
    "check_fulfilment": FulfilmentForm,
    "follow_up": FollowUpForm,
    "turn_into_case": TurnIntoCaseForm,
}
USER_FORMS = {"start_mediation", "hand_over"}


def _forms(user, bound=None, name=None):
    forms = {}
    for key, cls in ACTION_FORMS.items():
        kwargs = {"user": user} if key in USER_FORMS else {}
        forms[key] = bound if key == name and bound is not None else cls(**kwargs)
    return forms


def _page(request, dispute, *, forms=None, reveal_form=None, revealed=None, status=200):
    from disputes import workflow

    user = request.user
    actions.audit_view(user, dispute)
    scope = get_scope(user)
    stages = list(dispute.stages.select_related("department", "started_by").prefetch_related("sessions")
                  .order_by("started_at", "id"))
    current = next((s for s in stages if s.ended_at is None), None)
    can_change = scope.can("dispute.change", dispute.grid)
    can_mediate = actions.may_mediate(user, dispute, current)
    allowed = {name for name in ACTION_FORMS if workflow.allowed(name, dispute.state)}
    if not can_change:
        allowed &= {"hand_over", "record_session", "conclude"} if can_mediate else set()
    if dispute.to_case_id:
        allowed.discard("turn_into_case")
    events = list(dispute.events.select_related("actor"))
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action)
        event.state_label = DisputeState(event.to_state).label if event.to_state in DisputeState.values else ""
    response = render(request, "disputes/detail.html", {
        "dispute": dispute,
        "parties": list(dispute.parties.select_related("person")),
        "stages": stages, "current": current,
        "follow_ups": list(dispute.follow_ups.select_related("visited_by")),
        "events": events,
        "forms": forms or _forms(user), "allowed": allowed,
        "can_reveal": scope.can("registry.unmask", dispute.grid), "can_change": can_change,
        "reveal_form": reveal_form or RevealForm(), "revealed": revealed,
    }, status=status)
    return _no_store(response)


@login_required
def dispute_detail(request, pk):
    return _page(request, access_dispute(request.user, pk))


@login_required
@require_POST
def dispute_action(request, pk, name):
    user = request.user
    dispute = access_dispute(user, pk)
    if name not in ACTION_FORMS:
        raise Http404
    cls = ACTION_FORMS[name]
    form = cls(request.POST, **({"user": user} if name in USER_FORMS else {}))
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if name == "start_mediation":
                actions.start_mediation(user, dispute, **data)
            elif name == "hand_over":
                actions.hand_over(user, dispute, **data)
            elif name == "record_session":
                actions.record_session(user, dispute, **data)
            elif name == "conclude":
                actions.conclude(user, dispute, **data)
            elif name == "check_fulfilment":
                actions.check_fulfilment(user, dispute, **data)
            elif name == "follow_up":
                actions.follow_up(user, dispute, **data)
            elif name == "turn_into_case":
                case = actions.turn_into_case(user, dispute, **data)
                messages.success(request, _("Case %(number)s was reported from this dispute.")
                                 % {"number": case.number})
                return redirect(dispute)
        except ValidationError as exc:
            add_action_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You are not allowed to do this here."))
        else:
            messages.success(request, _("Saved."))
            return redirect(dispute)
    dispute.refresh_from_db()
    return _page(request, dispute, forms=_forms(user, form, name), status=400)


@login_required
@require_POST
def dispute_reveal(request, pk):
    user = request.user
    dispute = access_dispute(user, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = actions.reveal_parties(user, dispute, purpose=form.cleaned_data["purpose"])
        except ValidationError as exc:
            add_action_errors(form, exc)
    return _page(request, dispute, reveal_form=form, revealed=revealed)


@login_required
def dispute_edit(request, pk):
    """Correct the record of a dispute (disputes.actions.update_dispute): 404 out of scope or without
    dispute.change on its grid. Parties are shown masked; a blank name or phone keeps it."""
    user = request.user
    dispute = access_dispute(user, pk)
    if not get_scope(user).can("dispute.change", dispute.grid):
        raise Http404
    parties = list(dispute.parties.select_related("person").order_by("id"))
    if request.method == "POST":
        form = DisputeEditForm(request.POST, dispute=dispute, parties=parties)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_dispute(user, dispute, title=data["title"], description=data["description"],
                                       kind=data["kind"], risk=data["risk"], place=data["place"],
                                       parties=form.party_changes(), version=data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect(dispute)
        status = 400
    else:
        form = DisputeEditForm(dispute=dispute, parties=parties, version=actions.dispute_version(dispute))
        status = 200
    return _no_store(render(request, "disputes/edit.html", {"dispute": dispute, "form": form}, status=status))
