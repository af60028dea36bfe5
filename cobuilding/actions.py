"""Every change to the co-building lists: entries, matches, projects."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cobuilding.choices import MATCH_TRANSITIONS, Category, EntryKind, EntryState, MatchState, ProjectState
from cobuilding.models import ListEntry, Match, Project
from core.audit import record
from core.notify import notify
from volunteers.actions import CHANGE, community_of, require


def _organization_ok(organization, community) -> None:
    if organization is not None and not organization.area_path.startswith(community.path):
        raise ValidationError({"organization": _("The organization lies outside the community.")})


def _entry_state(entry: ListEntry) -> dict:
    return {"title": entry.title, "category": entry.category, "description": entry.description,
            "organization": entry.organization_id, "area": entry.area_id, "state": entry.state}


def save_entry(actor, *, area, kind: str, title: str, category: str = Category.OTHER, description: str = "",
               organization=None, entry: ListEntry | None = None) -> ListEntry:
    """Add a line to a community's needs or resources list, or change one (its list stays, a
    closed line cannot be changed)."""
    community = community_of(area)
    errors = {}
    if entry is None and kind not in EntryKind.values:
        errors["kind"] = _("Choose needs or resources.")
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if category not in Category.values:
        errors["category"] = _("Choose a category.")
    if errors:
        raise ValidationError(errors)
    _organization_ok(organization, community)
    require(actor, CHANGE, community)
    if entry is not None:
        require(actor, CHANGE, entry.area)
    with transaction.atomic():
        before = None
        if entry is not None:
            entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
            if entry.state == EntryState.CLOSED:
                raise ValidationError(_("This entry is closed."))
            if entry.area_id != community.pk and Match.objects.filter(
                    Q(need=entry) | Q(resource=entry)).exclude(state=MatchState.CANCELLED).exists():
                raise ValidationError({"area": _("A matched entry cannot move to another community.")})
            before = _entry_state(entry)
        else:
            entry = ListEntry(kind=kind, created_by=actor)
        entry.title, entry.category = title.strip()[:120], category
        entry.description, entry.organization = (description or "").strip(), organization
        entry.place_in(community)
        entry.save()
        record(actor, f"cobuilding.{entry.kind}.save", entry, before=before, after=_entry_state(entry))
    return entry


def close_entry(actor, entry: ListEntry, *, note: str = "") -> ListEntry:
    """Close a line of the lists; its matches still under way are cancelled with it."""
    require(actor, CHANGE, entry.area)
    with transaction.atomic():
        entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.state == EntryState.CLOSED:
            raise ValidationError(_("This entry is already closed."))
        before = entry.state
        live = Match.objects.select_for_update().filter(Q(need=entry) | Q(resource=entry)).filter(
            state__in=[MatchState.PROPOSED, MatchState.AGREED])
        cancelled = []
        for match in live:
            match.state = MatchState.CANCELLED
            match.save(update_fields=["state", "updated_at"])
            cancelled.append(match.pk)
            record(actor, "cobuilding.match.move", match, before={"state": "live"},
                   after={"state": MatchState.CANCELLED}, note=_("The entry was closed."))
        # a need left without a live match by the resource's closing is open again
        for need_id in set(Match.objects.filter(pk__in=cancelled).exclude(need=entry).values_list("need", flat=True)):
            need = ListEntry.objects.select_for_update().get(pk=need_id)
            if need.state == EntryState.MATCHED and not Match.objects.filter(need=need).exclude(
                    state=MatchState.CANCELLED).exists():
                need.state = EntryState.OPEN
                need.save(update_fields=["state"])
        entry.state = EntryState.CLOSED
        entry.save(update_fields=["state"])
        record(actor, f"cobuilding.{entry.kind}.close", entry, before={"state": before},
               after={"state": EntryState.CLOSED, "cancelled_matches": cancelled}, note=(note or "").strip()[:300])
        creator = entry.created_by_id
    notify([creator] if creator and (actor is None or creator != actor.pk) else [], "cobuilding.closed",
           _("The list entry %(title)s was closed.") % {"title": entry.title}, obj=entry)
    return entry


def propose_match(actor, *, need: ListEntry, resource: ListEntry, note: str = "") -> Match:
    if need.kind != EntryKind.NEED or resource.kind != EntryKind.RESOURCE:
        raise ValidationError(_("A match joins a need to a resource."))
    require(actor, CHANGE, need.area)
    try:
        with transaction.atomic():
            locked = ListEntry.objects.select_for_update().get(pk=need.pk)
            if locked.state == EntryState.CLOSED:
                raise ValidationError(_("This need is closed."))
            if ListEntry.objects.filter(pk=resource.pk, state=EntryState.CLOSED).exists():
                raise ValidationError(_("This resource is closed."))
            match = Match(need=need, resource=resource, note=(note or "").strip()[:300], created_by=actor)
            match.place_in(need.area)
            match.save()
            if locked.state == EntryState.OPEN:
                locked.state = EntryState.MATCHED
                locked.save(update_fields=["state"])
            record(actor, "cobuilding.match.propose", match, after={"need": need.pk, "resource": resource.pk})
    except IntegrityError as exc:
        raise ValidationError(_("This need and this resource are already matched.")) from exc
    return match


def move_match(actor, match: Match, *, to: str, note: str = "") -> Match:
    require(actor, CHANGE, match.area)
    with transaction.atomic():
        match = Match.objects.select_for_update().get(pk=match.pk)
        if to not in MATCH_TRANSITIONS.get(match.state, ()):
            raise ValidationError(_("A match in state %(state)s cannot move to %(to)s.")
                                  % {"state": match.get_state_display(), "to": MatchState(to).label
                                     if to in MatchState.values else to})
        before = match.state
        match.state = to
        if note:
            match.note = note.strip()[:300]
        match.save(update_fields=["state", "note", "updated_at"])
        need = ListEntry.objects.select_for_update().get(pk=match.need_id)
        live = Match.objects.filter(need=need).exclude(state=MatchState.CANCELLED).exists()
        if to == MatchState.DONE:
            need.state = EntryState.CLOSED
        elif need.state != EntryState.CLOSED:
            need.state = EntryState.MATCHED if live else EntryState.OPEN
        need.save(update_fields=["state"])
        record(actor, "cobuilding.match.move", match, before={"state": before}, after={"state": to})
    return match


def save_project(actor, *, area, title: str, owner: str, starts_on: dt.date, ends_on: dt.date | None = None,
                 state: str = ProjectState.PLANNED, outcome: str = "", organization=None, need=None,
                 project: Project | None = None) -> Project:
    community = community_of(area)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if not (owner or "").strip():
        errors["owner"] = _("Name the project's owner.")
    if starts_on is None:
        errors["starts_on"] = _("The start date is required.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The project cannot end before it starts.")
    if state not in ProjectState.values:
        errors["state"] = _("Choose a state.")
    elif state == ProjectState.FINISHED and not (outcome or "").strip():
        errors["outcome"] = _("A finished project needs its outcome.")
    if need is not None and need.area_id != community.pk:
        errors["need"] = _("The need belongs to another community.")
    if errors:
        raise ValidationError(errors)
    _organization_ok(organization, community)
    require(actor, CHANGE, community)
    if project is not None:
        require(actor, CHANGE, project.area)
    with transaction.atomic():
        before = None
        if project is not None:
            project = Project.objects.select_for_update().get(pk=project.pk)
            before = _project_state(project)
        else:
            project = Project()
        project.title, project.owner = title.strip()[:120], owner.strip()[:60]
        project.starts_on, project.ends_on, project.state = starts_on, ends_on, state
        project.outcome, project.organization, project.need = (outcome or "").strip(), organization, need
        project.place_in(community)
        project.save()
        record(actor, "cobuilding.project.save", project, before=before, after=_project_state(project))
    return project


def _project_state(project: Project) -> dict:
    return {"title": project.title, "owner": project.owner, "area": project.area_id,
            "starts_on": str(project.starts_on), "ends_on": str(project.ends_on or ""), "state": project.state,
            "outcome": project.outcome, "organization": project.organization_id, "need": project.need_id}


def finish_project(actor, project: Project, *, outcome: str, ends_on: dt.date | None = None) -> Project:
    """A project ends with its outcome (the end date defaults to today)."""
    require(actor, CHANGE, project.area)
    errors = {}
    if not (outcome or "").strip():
        errors["outcome"] = _("A finished project needs its outcome.")
    ends_on = ends_on or timezone.localdate()
    if ends_on < project.starts_on:
        errors["ends_on"] = _("The project cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state == ProjectState.FINISHED:
            raise ValidationError(_("This project is already finished."))
        before = _project_state(project)
        project.state, project.outcome, project.ends_on = ProjectState.FINISHED, outcome.strip(), ends_on
        project.save(update_fields=["state", "outcome", "ends_on", "updated_at"])
        record(actor, "cobuilding.project.finish", project, before=before, after=_project_state(project))
    return project
