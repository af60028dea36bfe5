"""Every change to party organizations, members, dual check-in and service logs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from party.choices import ALLOWED_PARENT_KINDS, KIND_LEVELS, MemberKind, OrgKind, ServiceState
from party.models import OfficeOrganization, PartyMember, PartyOrganization, ServiceLog
from volunteers import points
from volunteers.actions import CHANGE, community_of, require
from volunteers.choices import PointAction


def _org_state(org: PartyOrganization) -> dict:
    return {"name": org.name, "kind": org.kind, "area": org.area_id, "parent": org.parent_id,
            "building": org.building_id, "secretary": org.secretary}


def save_organization(actor, *, name: str, kind: str, area, parent: PartyOrganization | None = None,
                      building=None, secretary: str = "", organization: PartyOrganization | None = None
                      ) -> PartyOrganization:
    """An organization sits on an area of the level its kind maps to, under a parent of the kind
    above it, inside the parent's area. On an update the organizations below it must still fit:
    inside its (new) area and of a kind allowed under its (new) kind; it cannot sit under itself."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("The name is required.")
    if kind not in OrgKind.values:
        errors["kind"] = _("Choose the kind of organization.")
    elif area is None or area.level not in KIND_LEVELS[kind]:
        errors["area"] = _("This kind of organization belongs to an area of another level.")
    elif (parent.kind if parent else None) not in ALLOWED_PARENT_KINDS[kind]:
        errors["parent"] = _("This kind of organization cannot sit under that parent.")
    elif parent is not None and not area.path.startswith(parent.area_path):
        errors["area"] = _("The area lies outside the parent organization's area.")
    if building is not None and area is not None and not building.area_path.startswith(area.path):
        errors["building"] = _("The building lies outside the organization's area.")
    if errors:
        raise ValidationError(errors)
    require(actor, CHANGE, area)
    if organization is not None:
        require(actor, CHANGE, organization.area)
    with transaction.atomic():
        before = None
        if organization is not None:
            organization = PartyOrganization.objects.select_for_update().get(pk=organization.pk)
            before = _org_state(organization)
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == organization.pk:
                    raise ValidationError({"parent": _("An organization cannot sit under itself or "
                                                       "an organization below it.")})
                ancestor = ancestor.parent
            for child in organization.children.all():
                if not child.area_path.startswith(area.path):
                    raise ValidationError({"area": _("An organization below this one (%(name)s) would lie "
                                                     "outside its area.") % {"name": child.name}})
                if kind not in ALLOWED_PARENT_KINDS[child.kind]:
                    raise ValidationError({"kind": _("An organization below this one (%(name)s) cannot sit "
                                                     "under this kind.") % {"name": child.name}})
        else:
            organization = PartyOrganization()
        organization.name, organization.kind, organization.parent = name[:120], kind, parent
        organization.building, organization.secretary = building, (secretary or "").strip()[:50]
        organization.place_in(area)
        organization.save()
        record(actor, "party.organization.save", organization, before=before, after=_org_state(organization))
    return organization


def add_member(actor, *, person, organization: PartyOrganization, kind: str, joined_on: dt.date | None = None,
               workplace: str = "") -> PartyMember:
    """A resident joins the member list of an organization of the community they live in."""
    if kind not in MemberKind.values:
        raise ValidationError({"kind": _("Choose the kind of member.")})
    community = community_of(organization.area) if organization.area.level != "street" else None
    if community is not None and not person.area_path.startswith(community.path) and kind != MemberKind.MOBILE:
        raise ValidationError({"person": _("The member must live in the organization's community "
                                           "(only mobile members may live elsewhere).")})
    if joined_on and joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The date lies in the future.")})
    require(actor, CHANGE, organization.area)
    with transaction.atomic():
        if PartyMember.objects.filter(person=person).exists():
            raise ValidationError({"person": _("This resident is already on a member list.")})
        member = PartyMember(person=person, organization=organization, kind=kind, joined_on=joined_on,
                             workplace=(workplace or "").strip()[:120])
        member.place_in(person.grid)
        member.save()
        points.account_for_member(member)
        record(actor, "party.member.add", member, object_repr=person.masked_name,
               after={"organization": organization.pk, "kind": kind})
    return member


def _member_state(member: PartyMember) -> dict:
    return {"organization": member.organization_id, "kind": member.kind,
            "joined_on": str(member.joined_on or ""), "workplace": member.workplace}


def update_member(actor, member: PartyMember, *, organization: PartyOrganization, kind: str,
                  joined_on: dt.date | None = None, workplace: str = "") -> PartyMember:
    """Change a member's organization, kind, date of joining or workplace. The resident (and their
    personal data) stays in the registry and cannot be changed here."""
    errors = {}
    if kind not in MemberKind.values:
        errors["kind"] = _("Choose the kind of member.")
    elif organization.area.level != "street" and kind != MemberKind.MOBILE \
            and not member.area_path.startswith(community_of(organization.area).path):
        errors["organization"] = _("The member must live in the organization's community "
                                   "(only mobile members may live elsewhere).")
    if joined_on and joined_on > timezone.localdate():
        errors["joined_on"] = _("The date lies in the future.")
    if errors:
        raise ValidationError(errors)
    require(actor, CHANGE, member.area)
    require(actor, CHANGE, organization.area)
    with transaction.atomic():
        member = PartyMember.objects.select_for_update().get(pk=member.pk)
        before = _member_state(member)
        member.organization, member.kind, member.joined_on = organization, kind, joined_on
        member.workplace = (workplace or "").strip()[:120]
        member.save(update_fields=["organization", "kind", "joined_on", "workplace"])
        record(actor, "party.member.update", member, object_repr=member.person.masked_name, before=before,
               after=_member_state(member))
    return member


def member_check_in(actor, member: PartyMember) -> PartyMember:
    """Dual check-in: an in-service member registers with the community where they live."""
    if member.kind != MemberKind.IN_SERVICE:
        raise ValidationError(_("Only in-service members check in with their community."))
    community = community_of(member.area)
    require(actor, CHANGE, community)
    with transaction.atomic():
        member = PartyMember.objects.select_for_update().get(pk=member.pk)
        if member.checked_in_community_id == community.pk:
            raise ValidationError(_("This member has already checked in with the community."))
        member.checked_in_community, member.checked_in_at = community, timezone.now()
        member.save(update_fields=["checked_in_community", "checked_in_at"])
        record(actor, "party.member.check_in", member, object_repr=member.person.masked_name,
               after={"community": community.pk})
    return member


def register_office(actor, *, name: str, community, department=None, contact: str = "") -> OfficeOrganization:
    """Dual check-in: an office party organization registers with the community it serves."""
    community = community_of(community)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    require(actor, CHANGE, community)
    with transaction.atomic():
        if OfficeOrganization.objects.filter(name=name, area=community).exists():
            raise ValidationError({"name": _("This organization is already registered with the community.")})
        office = OfficeOrganization(name=name[:120], department=department, contact=(contact or "").strip()[:50])
        office.place_in(community)
        office.save()
        record(actor, "party.office.register", office, after={"name": office.name, "community": community.pk})
    return office


def log_service(actor, *, community, served_on: dt.date, hours, description: str, member: PartyMember | None = None,
                office: OfficeOrganization | None = None) -> ServiceLog:
    community = community_of(community)
    errors = {}
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        hours = None
    if hours is None or not Decimal("0") < hours <= Decimal("24"):
        errors["hours"] = _("Hours must be more than 0 and at most 24.")
    if not (description or "").strip():
        errors["description"] = _("Describe the service.")
    if served_on is None or served_on > timezone.localdate():
        errors["served_on"] = _("The date lies in the future.")
    if (member is None) == (office is None):
        errors["member"] = _("Choose either a member or an office organization.")
    elif member is not None and member.checked_in_community_id != community.pk:
        errors["member"] = _("The member has not checked in with this community.")
    elif office is not None and office.area_id != community.pk:
        errors["office"] = _("The office organization is not registered with this community.")
    if errors:
        raise ValidationError(errors)
    require(actor, CHANGE, community)
    with transaction.atomic():
        log = ServiceLog(member=member, office=office, served_on=served_on, hours=hours,
                         description=description.strip()[:300], logged_by=actor)
        log.place_in(community)
        log.save()
        record(actor, "party.service.log", log, after={"hours": str(hours), "member": getattr(member, "pk", None),
                                                        "office": getattr(office, "pk", None)})
    return log


def confirm_service(actor, log: ServiceLog, *, approve: bool = True) -> ServiceLog:
    """The community confirms (or rejects) a service log; a confirmed member's log pays points by
    the party_service_hour rule, once (the ledger key is the log)."""
    require(actor, CHANGE, log.area)
    with transaction.atomic():
        log = ServiceLog.objects.select_for_update().get(pk=log.pk)
        if log.state != ServiceState.LOGGED:
            raise ValidationError(_("This service log was already decided."))
        log.state = ServiceState.CONFIRMED if approve else ServiceState.REJECTED
        log.confirmed_by, log.confirmed_at = actor, timezone.now()
        log.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        earned = 0
        if approve and log.member_id:
            earned = points.points_for(PointAction.PARTY_SERVICE_HOUR, log.hours)
            if earned:
                account = points.account_for_member(log.member)
                points.post(account, earned, reason=PointAction.PARTY_SERVICE_HOUR, key=f"service:{log.pk}",
                            actor=actor, note=log.description[:200], source=log)
        record(actor, "party.service.confirm" if approve else "party.service.reject", log,
               after={"points": earned})
        logger_id = log.logged_by_id
    if logger_id and (actor is None or logger_id != actor.pk):
        notify([logger_id], "party.service", _("A service log was decided: %(state)s")
               % {"state": log.get_state_display()})
    return log
