"""Every change to the registry, and every read of personal data that must be audited.

Writes: validated (id check digits with python-stdnum, credit codes, a dwelling's point inside its
grid), scoped (the grid must be covered by a role with registry.change), atomic, audited — the
audit rows name the records and the fields changed, never the personal data itself.
Reads: viewing a resident, searching, exporting and unmasking each write an audit row.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from accounts.scope import get_scope
from areas.models import Area
from areas.resolver import get_index
from core.audit import record
from registry.choices import Gender, IdType, OrganizationKind, Relation, ResidenceStatus, SpecialGroup
from registry.models import Dwelling, Household, Organization, Person, Residence, SpecialGroupTag


def require(actor, capability: str, area) -> None:
    if actor is None:  # system jobs (demo loader, imports run by the worker on a user's behalf check first)
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


# --- validation ------------------------------------------------------------------------------


def clean_id_number(id_type: str, value: str) -> str:
    """The normalised document number, or a ValidationError in Chinese."""
    value = (value or "").strip().upper().replace(" ", "")
    if not value:
        return ""
    if id_type == IdType.ID_CARD:
        try:
            return ric.validate(value)
        except stdnum_exceptions.InvalidLength as exc:
            raise ValidationError({"id_number": _("An identity card number has 18 characters.")}) from exc
        except stdnum_exceptions.InvalidChecksum as exc:
            raise ValidationError({"id_number": _("The check digit of the identity card number is wrong.")}) from exc
        except stdnum_exceptions.InvalidComponent as exc:
            raise ValidationError({"id_number": _("The identity card number has an invalid birth date or region.")}) from exc
        except stdnum_exceptions.ValidationError as exc:
            raise ValidationError({"id_number": _("The identity card number is not valid.")}) from exc
    if not value.isalnum() or not 5 <= len(value) <= 20:
        raise ValidationError({"id_number": _("The document number is not valid.")})
    return value


def clean_phone(value: str) -> str:
    value = (value or "").strip().replace("-", "").replace(" ", "")
    if not value:
        return ""
    if not value.isdigit() or not 7 <= len(value) <= 12:
        raise ValidationError({"phone": _("The phone number must be 7 to 12 digits.")})
    return value


def clean_credit_code(value: str) -> str:
    value = (value or "").strip().upper()
    if not value:
        return ""
    try:
        return uscc.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError({"credit_code": _("The unified social credit code is not valid.")}) from exc


def _grid(grid: Area) -> Area:
    if grid is None or grid.level not in ("grid", "cell"):
        raise ValidationError({"grid": _("Choose the grid it belongs to.")})
    return grid


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in after if before.get(k) != after.get(k))


# --- places ----------------------------------------------------------------------------------


def save_dwelling(actor, *, dwelling: Dwelling | None = None, address: str, grid: Area | None = None,
                  lon: float | None = None, lat: float | None = None, building=None, unit: str = "",
                  room: str = "", external_key: str = "") -> Dwelling:
    """A dwelling belongs to a grid: resolved from its point, or chosen (then the point must lie in it)."""
    address = (address or "").strip()
    if not address:
        raise ValidationError({"address": _("The address is required.")})
    if lon is not None and lat is not None:
        area_id = get_index().resolve(float(lon), float(lat))
        located = Area.objects.filter(pk=area_id).first() if area_id is not None else None
        if located is None or located.level not in ("grid", "cell"):
            raise ValidationError({"lon": _("This location is outside every grid of the district.")})
        if grid is not None and located.pk != grid.pk and not located.path.startswith(grid.path):
            raise ValidationError({"lon": _("The location lies outside the chosen grid %(grid)s.") % {"grid": grid.name}})
        grid = grid or located
    grid = _grid(grid)
    require(actor, "registry.change", grid)
    with transaction.atomic():
        before = {}
        if dwelling is not None:
            dwelling = Dwelling.objects.select_for_update().get(pk=dwelling.pk)
            require(actor, "registry.change", dwelling.grid)
            if dwelling.grid_id != grid.pk and (dwelling.households.exists() or dwelling.residents.exists()):
                raise ValidationError({"grid": _("People live in this dwelling: move them before changing its grid.")})
            before = {"address": dwelling.address, "grid": dwelling.grid_id}
        else:
            dwelling = Dwelling()
        dwelling.address, dwelling.unit, dwelling.room = address[:200], unit[:20], room[:20]
        dwelling.building, dwelling.lon, dwelling.lat = building, lon, lat
        dwelling.external_key = external_key or dwelling.external_key
        dwelling.place_in(grid)
        dwelling.save()
        after = {"address": dwelling.address, "grid": dwelling.grid_id}
        record(actor, "registry.dwelling.save", dwelling, before=before or None, after=after)
    return dwelling


def save_household(actor, *, household: Household | None = None, dwelling: Dwelling, number: str = "") -> Household:
    require(actor, "registry.change", dwelling.grid)
    with transaction.atomic():
        if household is not None:
            household = Household.objects.select_for_update().get(pk=household.pk)
            require(actor, "registry.change", household.grid)
        household = household or Household()
        household.number = (number or "").strip()[:40]
        household.dwelling = dwelling
        household.place_in(dwelling.grid)
        household.save()
        record(actor, "registry.household.save", household, after={"dwelling": dwelling.pk})
    return household


def save_organization(actor, *, organization: Organization | None = None, kind: str, name: str, grid: Area,
                      credit_code: str = "", business_type: str = "", address: str = "", lon=None, lat=None,
                      contact_name: str = "", contact_phone: str = "") -> Organization:
    from core import crypto

    if kind not in OrganizationKind.values:
        raise ValidationError({"kind": _("Choose the kind of organization.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    credit_code = clean_credit_code(credit_code)
    contact_phone = clean_phone(contact_phone)
    grid = _grid(grid)
    require(actor, "registry.change", grid)
    try:
        with transaction.atomic():
            organization = organization or Organization()
            organization.kind, organization.name, organization.credit_code = kind, name[:120], credit_code
            organization.business_type, organization.address = business_type[:50], address[:200]
            organization.lon, organization.lat = lon, lat
            organization.contact_name = contact_name[:50]
            organization.contact_phone_enc = crypto.encrypt(contact_phone)
            organization.place_in(grid)
            organization.save()
            record(actor, "registry.organization.save", organization, after={"kind": kind, "name": name})
    except IntegrityError as exc:
        raise ValidationError({"credit_code": _("An organization with this credit code is already registered.")}) \
            from exc
    return organization


# --- people ----------------------------------------------------------------------------------

PERSON_FIELDS = ["name", "gender", "birth_date", "id_type", "id_number_index", "phone_index", "residence_status",
                 "dwelling_id", "household_id", "relation", "grid_id"]


def _person_state(person: Person) -> dict:
    return {f: str(getattr(person, f)) if getattr(person, f) is not None else None for f in PERSON_FIELDS}


def save_person(actor, *, person: Person | None = None, name: str, id_type: str = IdType.ID_CARD,
                id_number: str = "", phone: str = "", gender: str = "", birth_date: dt.date | None = None,
                residence_status: str = ResidenceStatus.PERMANENT, dwelling: Dwelling | None = None,
                household: Household | None = None, relation: str = Relation.HEAD, grid: Area | None = None,
                address_text: str = "") -> Person:
    """Create or update a resident. The id number's check digit is validated; the same document
    cannot be registered twice; birth date and gender follow from an identity card number."""
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError({"name": _("The name is required (at most 50 characters).")})
    if id_type not in IdType.values:
        raise ValidationError({"id_type": _("Choose the document type.")})
    id_number = clean_id_number(id_type, id_number)
    phone = clean_phone(phone)
    if residence_status not in ResidenceStatus.values:
        raise ValidationError({"residence_status": _("Choose the residence status.")})
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Choose the relation to the head of household.")})
    if id_type == IdType.ID_CARD and id_number:
        birth_date = birth_date or ric.get_birth_date(id_number)
        gender = gender or (Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE)
    if household is not None:
        require(actor, "registry.change", household.grid)
        if dwelling is None:
            dwelling = household.dwelling
        elif household.dwelling_id and household.dwelling_id != dwelling.pk:
            raise ValidationError({"household": _("The household lives in another dwelling.")})
    if dwelling is not None:
        grid = dwelling.grid
    grid = _grid(grid)
    require(actor, "registry.change", grid)
    try:
        with transaction.atomic():
            before = None
            if person is not None:
                person = Person.objects.select_for_update().get(pk=person.pk)
                require(actor, "registry.change", person.grid)
                before = _person_state(person)
                moved = person.dwelling_id != (dwelling.pk if dwelling else None) or \
                    person.household_id != (household.pk if household else None)
            else:
                person = Person()
                moved = True
            person.set_name(name)
            person.id_type = id_type
            if id_number or person.pk is None:
                person.set_id_number(id_number)
            if phone or person.pk is None:
                person.set_phone(phone)
            person.gender = gender or (person.gender if person.pk else Gender.UNKNOWN) or Gender.UNKNOWN
            person.birth_date = birth_date or (person.birth_date if person.pk else None)
            if dwelling is not None or household is not None:
                person.moved_out_on = None
            person.residence_status = residence_status
            person.dwelling, person.household, person.relation = dwelling, household, relation
            person.address_text = (dwelling.address if dwelling else address_text or "")[:200]
            person.place_in(grid)
            person.save()
            # tags follow their person's scope
            SpecialGroupTag.objects.filter(person=person).exclude(area_path=person.area_path).update(
                area_path=person.area_path, district_code=person.district_code)
            if moved:
                today = timezone.localdate()
                Residence.objects.filter(person=person, moved_out_on__isnull=True).update(moved_out_on=today)
                if dwelling is not None or household is not None:
                    Residence.objects.create(person=person, dwelling=dwelling, household=household,
                                             relation=relation, moved_in_on=today)
            if household is not None and relation == Relation.HEAD and household.head_id != person.pk:
                # one head per household: the previous head becomes "other relative"
                if household.head_id:
                    Person.objects.filter(pk=household.head_id, household=household, relation=Relation.HEAD) \
                        .update(relation=Relation.OTHER)
                Household.objects.filter(pk=household.pk).update(head=person)
            after = _person_state(person)
            record(actor, "registry.person.save", person, object_repr=person.masked_name,
                   before={"changed": _changed(before, after)} if before else None,
                   after={"fields": sorted(k for k, v in after.items() if v not in (None, ""))})
    except IntegrityError as exc:
        raise ValidationError({"id_number": _("A resident with this document number is already registered.")}) \
            from exc
    return person


def move_out(actor, person: Person, *, on: dt.date | None = None) -> Person:
    """The resident leaves the dwelling; the history keeps where they lived."""
    require(actor, "registry.change", person.grid)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date of moving out cannot be in the future.")})
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.moved_out_on is not None:
            raise ValidationError(_("This resident has already moved out."))
        stay = Residence.objects.filter(person=person, moved_out_on__isnull=True).order_by("-moved_in_on").first()
        if stay is not None and on < stay.moved_in_on:
            raise ValidationError({"on": _("The date of moving out cannot be before moving in.")})
        Residence.objects.filter(person=person, moved_out_on__isnull=True).update(moved_out_on=on)
        Household.objects.filter(head=person).update(head=None)
        person.moved_out_on = on
        person.dwelling = None
        person.household = None
        person.save(update_fields=["moved_out_on", "dwelling", "household", "updated_at"])
        record(actor, "registry.person.move_out", person, object_repr=person.masked_name, after={"on": on.isoformat()})
    return person


def tag_person(actor, person: Person, *, kind: str, starts_on: dt.date | None = None, carer=None) -> SpecialGroupTag:
    if kind not in SpecialGroup.values:
        raise ValidationError({"kind": _("Choose a special group.")})
    require(actor, "registry.change", person.grid)
    require(actor, "registry.sensitive", person.grid)
    with transaction.atomic():
        tag = SpecialGroupTag(person=person, starts_on=starts_on or timezone.localdate(), carer=carer,
                              area_path=person.area_path, district_code=person.district_code)
        tag.set_kind(kind)
        tag.save()
        record(actor, "registry.tag.add", person, object_repr=person.masked_name, after={"tag": tag.pk})
    return tag


def end_tag(actor, tag: SpecialGroupTag, *, on: dt.date | None = None) -> SpecialGroupTag:
    require(actor, "registry.change", tag.person.grid)
    require(actor, "registry.sensitive", tag.person.grid)
    with transaction.atomic():
        tag = SpecialGroupTag.objects.select_for_update().get(pk=tag.pk)
        if tag.ends_on is not None:
            raise ValidationError(_("This tag has already ended."))
        on = on or timezone.localdate()
        if on < tag.starts_on:
            raise ValidationError({"on": _("The end date cannot be earlier than the start date.")})
        tag.ends_on = on
        tag.save(update_fields=["ends_on"])
        record(actor, "registry.tag.end", tag.person, object_repr=tag.person.masked_name, after={"tag": tag.pk})
    return tag


# --- audited reads ---------------------------------------------------------------------------


def audit_view(actor, person: Person, purpose: str = "") -> None:
    record(actor, "registry.view", person, object_repr=person.masked_name, note=purpose)


def audit_search(actor, query_kind: str, result_ids: list[int]) -> None:
    """A search writes who searched, for what kind of key (not the key: it may be an id number),
    and which records came back."""
    record(actor, "registry.search", object_type="registry.person", object_repr=query_kind,
           after={"results": result_ids[:200], "count": len(result_ids)})


def audit_export(actor, what: str, count: int, purpose: str, ids: list[int] | None = None) -> None:
    record(actor, "registry.export", object_type=f"registry.{what}", object_repr=f"{count} rows",
           note=purpose, after={"count": count, "ids": (ids or [])[:1000]})


def unmask(actor, person: Person, *, purpose: str) -> dict:
    """The plaintext id number and phone, for a stated purpose: a separate permission, audited."""
    require(actor, "registry.unmask", person.grid)
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("State the purpose of viewing the full personal data.")})
    record(actor, "registry.unmask", person, object_repr=person.masked_name, note=purpose[:500])
    return {"id_number": person.id_number, "phone": person.phone}
