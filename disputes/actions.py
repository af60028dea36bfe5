"""Every change to a dispute: one function each, atomic, locked, with its timeline row and audit row
in the same transaction; notifications only after commit (core.notify)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from areas.models import Area, Department
from core.audit import record
from core.notify import notify
from core.versions import check_version, token
from disputes import workflow
from disputes.choices import (
    CASE_CATEGORY,
    DisputeKind,
    DisputeState,
    Fulfilment,
    MediationKind,
    PartyRole,
    Risk,
    Satisfaction,
    Source,
)
from disputes.models import Dispute, DisputeEvent, DisputeParty, FollowUp, MediationSession, MediationStage


def _require(actor, capability: str, area) -> None:
    if actor is None:  # the system (demo loader, tests)
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def may_mediate(actor, dispute: Dispute, stage: MediationStage | None = None) -> bool:
    """The area's dispute staff, or a handler of the department the current stage was handed to."""
    if actor is None:
        return True
    scope = get_scope(actor)
    if scope.can("dispute.change", dispute.grid):
        return True
    return bool(stage and stage.department_id and stage.department_id in scope.departments_for("dispute.mediate"))


def _lock(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().get(pk=dispute.pk)


def _check(dispute: Dispute, action: str) -> None:
    if not workflow.allowed(action, dispute.state):
        raise ValidationError(_("This cannot be done to a dispute that is %(state)s.")
                              % {"state": dispute.get_state_display()})


def _event(dispute: Dispute, action: str, from_state: str, actor, note: str = "", at=None) -> None:
    DisputeEvent.objects.create(dispute=dispute, action=action, from_state=from_state, to_state=dispute.state,
                                actor=actor if actor is not None and actor.is_authenticated else None,
                                note=note[:2000], created_at=at or timezone.now())


def _stage(dispute: Dispute) -> MediationStage | None:
    return dispute.stages.filter(ended_at__isnull=True).select_related("department").first()


def _clean_department(actor, department: Department | None, dispute: Dispute) -> None:
    if department is None:
        return
    visible = Department.objects.restrict(actor) if actor is not None else Department.objects.all()
    if not visible.filter(pk=department.pk).exists() or not dispute.area_path.startswith(department.area.path):
        raise ValidationError({"department": _("This department does not serve the dispute's area.")})


def _clean_parties(parties) -> list[dict]:
    cleaned = []
    for party in parties or ():
        person = party.get("person")
        name = (party.get("name") or "").strip()
        phone = (party.get("phone") or "").strip().replace("-", "").replace(" ", "")
        role = party.get("role") or PartyRole.APPLICANT
        if role not in PartyRole.values:
            raise ValidationError({"parties": _("Unknown party role.")})
        if person is None and not name:
            continue
        if phone and not phone.isdigit():
            raise ValidationError({"parties": _("The phone number may contain only digits.")})
        if len(name) > 50:
            raise ValidationError({"parties": _("A party's name may have at most 50 characters.")})
        cleaned.append({"person": person, "name": name, "phone": phone, "role": role})
    if not cleaned:
        raise ValidationError({"parties": _("Name at least one party of the dispute.")})
    return cleaned


def register_dispute(actor, *, grid: Area, title: str, description: str, kind: str, source: str,
                     risk: str = Risk.LOW, place: str = "", parties=(), from_case=None,
                     registered_at: dt.datetime | None = None) -> Dispute:
    """Register a dispute in a grid. `parties`: dicts with `person` (a registry Person in scope)
    or `name` (+ `phone`), and `role`."""
    if grid is None or grid.level not in ("grid", "cell"):
        raise ValidationError({"grid": _("Choose the grid where the dispute arose.")})
    _require(actor, "dispute.change", grid)
    title, description = (title or "").strip(), (description or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the dispute a short title.")
    if not description:
        errors["description"] = _("Describe the dispute.")
    if kind not in DisputeKind.values:
        errors["kind"] = _("Choose the kind of dispute.")
    if source not in Source.values:
        errors["source"] = _("Choose where the dispute was found.")
    if risk not in Risk.values:
        errors["risk"] = _("Choose the risk level.")
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_parties(parties)
    if actor is not None:
        from registry.models import Person

        visible = Person.objects.restrict(actor)
        for party in cleaned:
            if party["person"] is not None and not visible.filter(pk=party["person"].pk).exists():
                raise ValidationError({"parties": _("A party is not a resident of your area.")})
    now = registered_at or timezone.now()
    with transaction.atomic():
        dispute = Dispute.objects.create(
            title=title[:100], description=description, kind=kind, source=source, risk=risk, grid=grid,
            area_path=grid.path, district_code=grid.district_code, place=(place or "").strip()[:200],
            from_case=from_case, registered_by=actor if actor is not None and actor.is_authenticated else None,
            registered_at=now)
        dispute.number = f"J{now:%Y%m%d}{dispute.pk:06d}"
        dispute.save(update_fields=["number"])
        rows = []
        for party in cleaned:
            row = DisputeParty(dispute=dispute, role=party["role"], person=party["person"])
            if party["person"] is None:
                row.set_name(party["name"])
                row.set_phone(party["phone"])
            rows.append(row)
        DisputeParty.objects.bulk_create(rows)
        _event(dispute, "register", "", actor, description, at=now)
        record(actor, "dispute.register", dispute,
               after={"kind": kind, "risk": risk, "grid": grid.pk, "parties": len(rows),
                      "from_case": from_case.pk if from_case is not None else None})
    return dispute


def start_mediation(actor, dispute: Dispute, *, kind: str, mediators: str, department: Department | None = None,
                    at: dt.datetime | None = None) -> Dispute:
    _require(actor, "dispute.change", dispute.grid)
    mediators = (mediators or "").strip()
    if kind not in MediationKind.values:
        raise ValidationError({"kind": _("Choose the kind of mediation.")})
    if not mediators:
        raise ValidationError({"mediators": _("Name the mediators.")})
    _clean_department(actor, department, dispute)
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "start_mediation")
        now = at or timezone.now()
        MediationStage.objects.create(dispute=dispute, kind=kind, mediators=mediators[:200], department=department,
                                      started_at=now, started_by=actor if actor and actor.is_authenticated else None)
        before = dispute.state
        dispute.state = DisputeState.MEDIATING
        dispute.save(update_fields=["state"])
        _event(dispute, "start_mediation", before, actor, f"{MediationKind(kind).label}: {mediators}", at=now)
        record(actor, "dispute.start_mediation", dispute, before={"state": before},
               after={"state": dispute.state, "kind": kind, "department": department.pk if department else None})
        _tell_department(department, dispute)
    return dispute


def _tell_department(department, dispute) -> None:
    if department is None:
        return
    from cases.actions import handlers_of

    notify(handlers_of([department.pk]), "dispute.handed",
           _("Dispute %(number)s was handed to your department for mediation") % {"number": dispute.number},
           dispute.get_absolute_url(), dispute)


def hand_over(actor, dispute: Dispute, *, kind: str, mediators: str, reason: str,
              department: Department | None = None, at: dt.datetime | None = None) -> MediationStage:
    """三调联动: close the current stage with a reason and open one of another kind; the chain stays."""
    reason, mediators = (reason or "").strip(), (mediators or "").strip()
    if kind not in MediationKind.values:
        raise ValidationError({"kind": _("Choose the kind of mediation.")})
    if not mediators:
        raise ValidationError({"mediators": _("Name the mediators.")})
    if not reason:
        raise ValidationError({"reason": _("Say why the dispute is handed over.")})
    _clean_department(actor, department, dispute)
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "hand_over")
        current = _stage(dispute)
        if not may_mediate(actor, dispute, current):
            raise PermissionDenied(_("You are not allowed to do this here."))
        if current is not None and current.kind == kind:
            raise ValidationError({"kind": _("A hand-over goes to another kind of mediation.")})
        now = at or timezone.now()
        if current is not None:
            current.ended_at = now
            current.end_reason = reason
            current.save(update_fields=["ended_at", "end_reason"])
        stage = MediationStage.objects.create(dispute=dispute, kind=kind, mediators=mediators[:200],
                                              department=department, started_at=now,
                                              started_by=actor if actor and actor.is_authenticated else None)
        _event(dispute, "hand_over", dispute.state, actor,
               f"{current.get_kind_display() if current else ''} → {MediationKind(kind).label}: {reason}", at=now)
        record(actor, "dispute.hand_over", dispute,
               before={"kind": current.kind if current else None}, after={"kind": kind, "stage": stage.pk},
               note=reason)
        _tell_department(department, dispute)
    return stage


def record_session(actor, dispute: Dispute, *, summary: str, held_at: dt.datetime | None = None,
                   place: str = "") -> MediationSession:
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Write down what happened at the session.")})
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "record_session")
        stage = _stage(dispute)
        if not may_mediate(actor, dispute, stage):
            raise PermissionDenied(_("You are not allowed to do this here."))
        held_at = held_at or timezone.now()
        if held_at > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError({"held_at": _("A session cannot be recorded before it is held.")})
        session = MediationSession.objects.create(stage=stage, held_at=held_at, place=(place or "")[:100],
                                                  summary=summary,
                                                  recorded_by=actor if actor and actor.is_authenticated else None)
        _event(dispute, "record_session", dispute.state, actor, summary)
        record(actor, "dispute.record_session", dispute, after={"stage": stage.pk, "session": session.pk})
    return session


OUTCOME_STATES = [DisputeState.SETTLED, DisputeState.NOT_SETTLED, DisputeState.REFERRED]


def conclude(actor, dispute: Dispute, *, outcome: str, note: str = "", agreement_text: str = "",
             at: dt.datetime | None = None) -> Dispute:
    """End the mediation: settled (with the agreement's text), not settled, or referred."""
    note, agreement_text = (note or "").strip(), (agreement_text or "").strip()
    if outcome not in OUTCOME_STATES:
        raise ValidationError({"outcome": _("Choose the outcome of the mediation.")})
    if outcome == DisputeState.SETTLED and not agreement_text:
        raise ValidationError({"agreement_text": _("A settled dispute needs the text of the agreement.")})
    if outcome != DisputeState.SETTLED and not note:
        raise ValidationError({"note": _("Say why the dispute was not settled or where it was referred.")})
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "conclude")
        stage = _stage(dispute)
        if not may_mediate(actor, dispute, stage):
            raise PermissionDenied(_("You are not allowed to do this here."))
        now = at or timezone.now()
        if stage is not None:
            stage.ended_at = now
            stage.save(update_fields=["ended_at"])
        before = dispute.state
        dispute.state = outcome
        dispute.concluded_at = now
        dispute.outcome_note = note
        dispute.agreement_text = agreement_text
        dispute.save(update_fields=["state", "concluded_at", "outcome_note", "agreement_text"])
        _event(dispute, "conclude", before, actor, note or agreement_text, at=now)
        record(actor, "dispute.conclude", dispute, before={"state": before}, after={"state": outcome})
    return dispute


def check_fulfilment(actor, dispute: Dispute, *, fulfilled: bool, note: str = "",
                     at: dt.datetime | None = None) -> Dispute:
    _require(actor, "dispute.change", dispute.grid)
    note = (note or "").strip()
    if not fulfilled and not note:
        raise ValidationError({"note": _("Say what of the agreement was not fulfilled.")})
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "check_fulfilment")
        before = dispute.fulfilment
        dispute.fulfilment = Fulfilment.FULFILLED if fulfilled else Fulfilment.NOT_FULFILLED
        dispute.fulfilment_note = note
        dispute.fulfilment_checked_at = at or timezone.now()
        dispute.save(update_fields=["fulfilment", "fulfilment_note", "fulfilment_checked_at"])
        _event(dispute, "check_fulfilment", dispute.state, actor, f"{dispute.get_fulfilment_display()} {note}".strip(),
               at=dispute.fulfilment_checked_at)
        record(actor, "dispute.check_fulfilment", dispute, before={"fulfilment": before},
               after={"fulfilment": dispute.fulfilment})
    return dispute


def follow_up(actor, dispute: Dispute, *, satisfaction: str, note: str = "",
              at: dt.datetime | None = None) -> FollowUp:
    """回访: a visit to the parties after the mediation ended, with their satisfaction."""
    _require(actor, "dispute.change", dispute.grid)
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("Record the parties' satisfaction.")})
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "follow_up")
        visit = FollowUp.objects.create(dispute=dispute, satisfaction=satisfaction, note=(note or "").strip(),
                                        visited_at=at or timezone.now(),
                                        visited_by=actor if actor and actor.is_authenticated else None)
        _event(dispute, "follow_up", dispute.state, actor, f"{visit.get_satisfaction_display()} {visit.note}".strip(),
               at=visit.visited_at)
        record(actor, "dispute.follow_up", dispute, after={"satisfaction": satisfaction})
    return visit


def turn_into_case(actor, dispute: Dispute, *, note: str = ""):
    """A dispute that needs departments becomes a case in the case loop (category S01 矛盾纠纷),
    through cases.actions.report_case; the dispute keeps the link."""
    from cases.actions import report_case
    from cases.choices import Channel

    _require(actor, "dispute.change", dispute.grid)
    with transaction.atomic():
        dispute = _lock(dispute)
        _check(dispute, "turn_into_case")
        if dispute.to_case_id:
            raise ValidationError(_("This dispute already became case %(number)s.")
                                  % {"number": dispute.to_case.number})
        scope = get_scope(actor) if actor is not None else None
        channel = Channel.GRID_WORKER if scope is not None and scope.has_role("grid_worker", "grid_chief") \
            else Channel.WALK_IN
        description = f"[{dispute.number}] {dispute.title}：{dispute.description}"
        if note:
            description += f"\n{note.strip()}"
        case, _created = report_case(actor, channel=channel, category_code=CASE_CATEGORY[dispute.kind],
                                     description=description, grid=dispute.grid, address=dispute.place)
        dispute.to_case = case
        dispute.save(update_fields=["to_case"])
        _event(dispute, "turn_into_case", dispute.state, actor, case.number)
        record(actor, "dispute.turn_into_case", dispute, after={"case": case.pk})
    return case


def reveal_parties(actor, dispute: Dispute, *, purpose: str) -> list[dict]:
    """The parties' names and phones in clear, for a stated purpose: needs registry.unmask on the
    dispute's grid; audited like the registry's unmasking."""
    _require(actor, "registry.unmask", dispute.grid)
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("State the purpose of viewing the full personal data.")})
    parties = list(dispute.parties.select_related("person"))
    record(actor, "dispute.unmask", dispute, note=purpose[:500], after={"parties": [p.pk for p in parties]})
    return [{"id": p.pk, "role": p.get_role_display(), "name": p.name, "phone": p.phone} for p in parties]


def audit_view(actor, dispute: Dispute) -> None:
    """Every read of a dispute (its parties, masked) is one audit row, like the registry's."""
    record(actor, "dispute.view", dispute, object_repr=dispute.number)



VERSION_FIELDS = ["title", "description", "kind", "risk", "place", "state"]


def dispute_version(dispute: Dispute) -> str:
    parties = list(DisputeParty.objects.filter(dispute=dispute).order_by("id")
                   .values_list("id", "role", "person_id", "name_enc", "phone_enc"))
    return token({**{f: getattr(dispute, f) for f in VERSION_FIELDS}, "parties": parties})


def update_dispute(actor, dispute: Dispute, *, title: str | None = None, description: str | None = None,
                   kind: str | None = None, risk: str | None = None, place: str | None = None, parties=None,
                   version: str | None = None) -> Dispute:
    """Correct a dispute's record (the state does not change). Title, description, place and risk
    in every state; the kind and the parties only until the mediation is concluded
    (workflow.editable). `parties`: dicts with the `id` of an existing party and its new `role`,
    and for a free-text party a new `name` and/or `phone` (blank: unchanged); the name and phone
    stay encrypted and the audit and timeline rows name only which parties changed. A field left
    None is unchanged."""
    _require(actor, "dispute.change", dispute.grid)
    errors = {}
    if title is not None:
        title = title.strip()
        if not title:
            errors["title"] = _("Give the dispute a short title.")
        elif len(title) > 100:
            errors["title"] = _("The title may have at most 100 characters.")
    if description is not None:
        description = description.strip()
        if not description:
            errors["description"] = _("Describe the dispute.")
    if kind is not None and kind not in DisputeKind.values:
        errors["kind"] = _("Choose the kind of dispute.")
    if risk is not None and risk not in Risk.values:
        errors["risk"] = _("Choose the risk level.")
    if place is not None:
        place = place.strip()[:200]
    changes = []
    for party in parties or ():
        role = party.get("role")
        name = (party.get("name") or "").strip()
        phone = (party.get("phone") or "").strip().replace("-", "").replace(" ", "")
        if role is not None and role not in PartyRole.values:
            errors["parties"] = _("Unknown party role.")
        elif phone and not phone.isdigit():
            errors["parties"] = _("The phone number may contain only digits.")
        elif len(name) > 50:
            errors["parties"] = _("A party's name may have at most 50 characters.")
        changes.append({"id": party.get("id"), "role": role, "name": name, "phone": phone})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dispute = _lock(dispute)
        check_version(dispute_version(dispute), version)
        before = {f: getattr(dispute, f) for f in ("title", "description", "kind", "risk", "place")}
        after = dict(before)
        for field, value in (("title", title), ("description", description), ("kind", kind), ("risk", risk),
                             ("place", place)):
            if value is not None:
                after[field] = value
        refused = [f for f in after if after[f] != before[f] and not workflow.editable(f, dispute.state)]
        rows = {p.pk: p for p in DisputeParty.objects.filter(dispute=dispute).select_related("person")}
        changed_parties = []
        for change in changes:
            row = rows.get(change["id"])
            if row is None:
                raise ValidationError({"parties": _("Unknown party of this dispute.")})
            fields = []
            if change["role"] is not None and change["role"] != row.role:
                row.role = change["role"]
                fields.append("role")
            if (change["name"] or change["phone"]) and row.person_id:
                raise ValidationError({"parties": _("A resident's name and phone are corrected in the registry.")})
            if change["name"] and change["name"] != row.name:
                row.set_name(change["name"])
                fields.append("name_enc")
            if change["phone"] and change["phone"] != row.phone:
                row.set_phone(change["phone"])
                fields.append("phone_enc")
            if fields:
                changed_parties.append((row, fields))
        if changed_parties and not workflow.editable("parties", dispute.state):
            refused.append("parties")
        if refused:
            raise ValidationError(_("The mediation is concluded: the kind and the parties of the dispute can no "
                                    "longer change."))
        changed = [f for f in after if after[f] != before[f]]
        if not changed and not changed_parties:
            return dispute
        for field in changed:
            setattr(dispute, field, after[field])
        if changed:
            dispute.save(update_fields=changed)
        for row, fields in changed_parties:
            row.save(update_fields=fields)
        party_ids = [row.pk for row, _fields in changed_parties]
        labels = [str(Dispute._meta.get_field(f).verbose_name) for f in changed]
        if party_ids:
            labels.append(_("parties"))
        _event(dispute, "update", dispute.state, actor, _("Corrected: %(fields)s") % {"fields": "、".join(labels)})
        record(actor, "dispute.update", dispute,
               before={**{f: before[f] for f in changed}, "parties": party_ids},
               after={**{f: after[f] for f in changed}, "parties": party_ids})
    return dispute
