"""Every change to the co-building lists: entries, matches, projects."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cobuilding.choices import MATCH_TRANSITIONS, Category, EntryKind, EntryState, MatchState, ProjectState
from cobuilding.models import ListEntry, Match, Project
from core.audit import record
from volunteers.actions import CHANGE, community_of, require


def _organization_ok(organization, community) -> None:
    if organization is not None and not organization.area_path.startswith(community.path):
        raise ValidationError({"organization": _("The organization lies outside the community.")})


def save_entry(actor, *, area, kind: str, title: str, category: str = Category.OTHER, description: str = "",
               organization=None, entry: ListEntry | None = None) -> ListEntry:
    community = community_of(area)
    errors = {}
    if kind not in EntryKind.values:
        errors["kind"] = _("Choose needs or resources.")
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if category not in Category.values:
        errors["category"] = _("Choose a category.")
    if errors:
        raise ValidationError(errors)
    _organization_ok(organization, community)
    require(actor, CHANGE, community)
    with transaction.atomic():
        before = None
        if entry is not None:
            entry = ListEntry.objects.select_for_update().get(pk=entry.pk)
            before = {"title": entry.title, "state": entry.state}
        else:
            entry = ListEntry(kind=kind, created_by=actor)
        entry.title, entry.category = title.strip()[:120], category
        entry.description, entry.organization = (description or "").strip(), organization
        entry.place_in(community)
        entry.save()
        record(actor, f"cobuilding.{kind}.save", entry, before=before, after={"title": entry.title})
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
    with transaction.atomic():
        before = None
        if project is not None:
            project = Project.objects.select_for_update().get(pk=project.pk)
            before = {"state": project.state, "ends_on": str(project.ends_on or "")}
        else:
            project = Project()
        project.title, project.owner = title.strip()[:120], owner.strip()[:60]
        project.starts_on, project.ends_on, project.state = starts_on, ends_on, state
        project.outcome, project.organization, project.need = (outcome or "").strip(), organization, need
        project.place_in(community)
        project.save()
        record(actor, "cobuilding.project.save", project, before=before,
               after={"state": state, "ends_on": str(ends_on or "")})
    return project
