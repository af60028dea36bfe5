"""Co-building pages: the needs and resources lists, matches, projects. Scoped by community.view;
changes need community.change and go through cobuilding.actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from cobuilding import actions
from cobuilding.choices import MATCH_TRANSITIONS, EntryKind, EntryState, MatchState, ProjectState
from cobuilding.forms import EntryEditForm, EntryForm, MatchForm, MatchMoveForm, ProjectForm
from cobuilding.models import ListEntry, Match, Project
from core.views import require_capability
from registry.models import Organization
from volunteers.pages import (
    can_change,
    edit_page,
    get_or_404,
    post_action,
    require_change,
    run_action,
    table_page,
)
from web.utils import paginate


def _tabs():
    return [(_("Needs"), reverse("cobuilding:needs")), (_("Resources"), reverse("cobuilding:resources")),
            (_("Matches"), reverse("cobuilding:matches")), (_("Projects"), reverse("cobuilding:projects"))]


def _can(user) -> bool:
    return get_scope(user).can("community.change")


def _entries(request, kind):
    user = request.user
    require_capability(user, "community.view")
    form = None
    if _can(user):
        form = EntryForm(request.POST or None, user=user, initial={"kind": kind},
                         organizations=Organization.objects.restrict(user).filter(
                             kind__in=("resident_org", "social_org")).order_by("name"))
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.save_entry(
                user, area=data["community"], kind=data["kind"], title=data["title"], category=data["category"],
                description=data["description"], organization=data["organization"]), {"area": "community"}):
            messages.success(request, _("Saved."))
            return redirect("cobuilding:needs" if data["kind"] == EntryKind.NEED else "cobuilding:resources")
    qs = ListEntry.objects.restrict(user).filter(kind=kind).select_related("area", "organization")
    state = request.GET.get("state", "")
    if state in EntryState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs)
    title = _("Needs list") if kind == EntryKind.NEED else _("Resources list")
    return table_page(
        request, title=title, tabs=_tabs(), form=form, form_title=_("Add to the lists"),
        filters=[("state", _("State"), EntryState.choices, state)],
        sections=[{"id": f"{kind}s-table", "page_obj": page, "empty": _("The list is empty."),
                   "columns": [_("Title"), _("Category"), _("Community"), _("Organization"), _("State"), "", ""],
                   "rows": [[e.title, e.get_category_display(), e.area.name,
                             e.organization.name if e.organization_id else "—", e.get_state_display(),
                             {"text": _("Edit"), "url": reverse("cobuilding:entry-edit", args=[e.pk])}
                             if can_change(user, e.area) and e.state != EntryState.CLOSED else "—",
                             {"post": reverse("cobuilding:entry-close", args=[e.pk]), "name": "close",
                              "label": _("Close"),
                              "confirm": _("Close %(title)s? Its matches under way are cancelled.") % {"title": e.title}}
                             if can_change(user, e.area) and e.state != EntryState.CLOSED else "—"]
                            for e in page]}])


@login_required
def needs(request):
    return _entries(request, EntryKind.NEED)


@login_required
def resources(request):
    return _entries(request, EntryKind.RESOURCE)


@login_required
def matches(request):
    user = request.user
    require_capability(user, "community.view")
    can = _can(user)
    form = None
    if can:
        visible = ListEntry.objects.restrict(user, "community.change").exclude(state=EntryState.CLOSED)
        form = MatchForm(request.POST or None, needs=visible.filter(kind=EntryKind.NEED),
                         resources=visible.filter(kind=EntryKind.RESOURCE))
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.propose_match(user, need=data["need"],
                                                                    resource=data["resource"], note=data["note"])):
            messages.success(request, _("Match proposed."))
            return redirect("cobuilding:matches")
    page = paginate(request, Match.objects.restrict(user).select_related("need", "resource", "area"))
    rows = []
    for m in page:
        moves = [{"post": reverse("cobuilding:match-move", args=[m.pk]), "fields": {"to": to},
                  "label": MatchState(to).label, "name": to,
                  "confirm": _("Cancel this match?") if to == MatchState.CANCELLED else ""}
                 for to in MATCH_TRANSITIONS[m.state]] if can else []
        rows.append([m.need.title, m.resource.title, m.area.name, m.get_state_display(), m.note or "—",
                     *(moves[:2] + ["—"] * (2 - len(moves[:2])))])
    return table_page(
        request, title=_("Matches"), tabs=_tabs(), form=form, form_title=_("Match a need to a resource"),
        sections=[{"id": "matches-table", "page_obj": page, "empty": _("No matches yet."),
                   "columns": [_("Need"), _("Resource"), _("Community"), _("State"), _("Note"), "", ""],
                   "rows": rows}])


@login_required
@require_POST
def match_move(request, pk):
    user = request.user
    match = get_or_404(Match.objects.restrict(user).select_related("area"), pk)
    form = MatchMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown state."))
        return redirect("cobuilding:matches")
    try:
        actions.move_match(user, match, to=form.cleaned_data["to"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("cobuilding:matches")


@login_required
def projects(request):
    user = request.user
    require_capability(user, "community.view")
    form = ProjectForm(request.POST or None, user=user) if _can(user) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.save_project(
                user, area=data["community"], title=data["title"], owner=data["owner"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], state=data["state"], outcome=data["outcome"]), {"area": "community"}):
            messages.success(request, _("Project saved."))
            return redirect("cobuilding:projects")
    page = paginate(request, Project.objects.restrict(user).select_related("area"))
    return table_page(
        request, title=_("Projects"), tabs=_tabs(), form=form, form_title=_("New project"),
        sections=[{"id": "projects-table", "page_obj": page, "empty": _("No projects yet."),
                   "columns": [_("Title"), _("Community"), _("Owner"), _("Starts on"), _("Ends on"), _("State"),
                               _("Outcome"), ""],
                   "rows": [[p.title, p.area.name, p.owner, p.starts_on, p.ends_on, p.get_state_display(),
                             p.outcome or "—",
                             {"text": _("Edit"), "url": reverse("cobuilding:project-edit", args=[p.pk])}
                             if can_change(user, p.area) else "—"] for p in page]}])


def _organizations(user):
    return Organization.objects.restrict(user).filter(kind__in=("resident_org", "social_org")).order_by("name")


@login_required
def entry_edit(request, pk):
    user = request.user
    entry = get_or_404(ListEntry.objects.restrict(user).select_related("area"), pk)
    require_change(user, entry.area)
    back = reverse("cobuilding:needs" if entry.kind == EntryKind.NEED else "cobuilding:resources")
    if entry.state == EntryState.CLOSED:
        messages.error(request, _("This entry is closed."))
        return redirect(back)
    form = EntryEditForm(request.POST or None, user=user, organizations=_organizations(user),
                         initial={"community": entry.area_id, "title": entry.title, "category": entry.category,
                                  "description": entry.description, "organization": entry.organization_id})
    return edit_page(
        request, form, lambda data: actions.save_entry(
            user, area=data["community"], kind=entry.kind, title=data["title"], category=data["category"],
            description=data["description"], organization=data["organization"], entry=entry),
        title=_("Edit %(name)s") % {"name": entry.title}, back=back, done=back, field_map={"area": "community"})


@login_required
@require_POST
def entry_close(request, pk):
    user = request.user
    entry = get_or_404(ListEntry.objects.restrict(user).select_related("area"), pk)
    require_change(user, entry.area)
    post_action(request, lambda: actions.close_entry(user, entry), _("The entry was closed."))
    return redirect("cobuilding:needs" if entry.kind == EntryKind.NEED else "cobuilding:resources")


@login_required
def project_edit(request, pk):
    user = request.user
    project = get_or_404(Project.objects.restrict(user).select_related("area"), pk)
    require_change(user, project.area)
    form = ProjectForm(request.POST or None, user=user,
                       initial={"community": project.area_id, "title": project.title, "owner": project.owner,
                                "starts_on": project.starts_on, "ends_on": project.ends_on, "state": project.state,
                                "outcome": project.outcome})
    return edit_page(
        request, form, lambda data: actions.save_project(
            user, area=data["community"], title=data["title"], owner=data["owner"], starts_on=data["starts_on"],
            ends_on=data["ends_on"], state=data["state"], outcome=data["outcome"],
            organization=project.organization, need=project.need, project=project),
        title=_("Edit %(name)s") % {"name": project.title}, back=reverse("cobuilding:projects"),
        done=reverse("cobuilding:projects"), field_map={"area": "community"},
        intro=_("A project set to %(state)s needs its outcome.") % {"state": ProjectState.FINISHED.label})
