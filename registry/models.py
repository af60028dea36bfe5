"""The registry of people, places, things and organizations (人地事物组织).

Personal data is protected by design: id numbers, phones and special-group tags are stored only
encrypted (core.crypto, Fernet, keys from the environment) with keyed blind indexes (HMAC) for
exact search; the plaintext never reaches the database. Every row carries the grid it belongs to,
its materialized `area_path` (the one scoping mechanism) and `district_code` (the distribution
column).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.querysets import RestrictedQuerySet
from registry.choices import (
    ComponentState,
    Gender,
    IdType,
    OrganizationKind,
    Relation,
    ResidenceStatus,
    SpecialGroup,
)


class PlacedQuerySet(RestrictedQuerySet):
    """Registry rows are seen by area ("registry.view"; departments see only places: PlaceQuerySet)."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "registry.view"):
        if capability == "view":
            capability = "registry.view"
        return super().restrict(user, capability)


class PlaceQuerySet(PlacedQuerySet):
    """Places (dwellings, estates, buildings, organizations, components) are also seen by
    departments ("registry.places"); people are not."""

    def restrict(self, user, capability: str = "registry.places"):
        if capability in ("view", "registry.view"):
            capability = "registry.places"
        return super().restrict(user, capability)


class Placed(models.Model):
    grid = models.ForeignKey("areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlacedQuerySet.as_manager()

    class Meta:
        abstract = True

    def place_in(self, grid) -> None:
        self.grid = grid
        self.area_path = grid.path
        self.district_code = grid.district_code


class Estate(Placed):
    """小区: a residential estate."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("residential estate")
        verbose_name_plural = _("residential estates")

    def __str__(self):
        return self.name


class Building(Placed):
    """楼栋."""

    estate = models.ForeignKey(Estate, verbose_name=_("estate"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="buildings")
    name = models.CharField(_("building"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "estate_id", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self):
        return f"{self.estate.name if self.estate_id else ''}{self.name}"


class Dwelling(Placed):
    """房屋: one dwelling (or shop unit) with an address and a point; belongs to a grid."""

    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="dwellings")
    unit = models.CharField(_("stairwell unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200)
    external_key = models.CharField(max_length=64, blank=True, db_index=True,
                                    help_text="the key of the row it was imported from (idempotent imports)")

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "address"]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")

    def __str__(self):
        return self.address

    def get_absolute_url(self):
        return reverse("registry:dwelling", args=[self.pk])


class Household(Placed):
    """户: people living as one household, in one dwelling."""

    number = models.CharField(_("household number"), max_length=40, blank=True)
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="households")
    head = models.ForeignKey("Person", verbose_name=_("head of household"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["area_path", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.number or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("registry:household", args=[self.pk])


class Person(Placed):
    """A resident. id number and phone exist only encrypted (+ blind indexes for exact search)."""

    name = models.CharField(_("name"), max_length=50, db_index=True)
    name_pinyin = models.CharField(max_length=200, db_index=True, editable=False)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_type = models.CharField(_("document type"), max_length=16, choices=IdType.choices, default=IdType.ID_CARD)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    id_number_last4 = models.CharField(max_length=64, blank=True, editable=False)  # keyed hash of the tail
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_tail_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    residence_status = models.CharField(_("residence status"), max_length=16, choices=ResidenceStatus.choices,
                                        default=ResidenceStatus.PERMANENT)
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="residents")
    household = models.ForeignKey(Household, verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="members")
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices,
                                default=Relation.HEAD)
    # searched only for fragments: trigram index on PostgreSQL (migration 0003), no b-tree
    address_text = models.CharField(_("address"), max_length=200, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    canary = models.BooleanField(default=False, editable=False,
                                 help_text="a planted test record that must never leak out of its scope")

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number_index"], condition=~Q(id_number_index=""),
                                    name="person_unique_document"),
        ]
        indexes = [
            models.Index(fields=["district_code", "area_path"], name="person_scope"),
            # the search by document: the unique constraint's index leads with id_type
            models.Index(fields=["id_number_index"], name="person_document_index"),
            # on PostgreSQL also trigram indexes on name and address_text (migration 0003)
        ]

    def __str__(self):
        return crypto.mask_name(self.name)

    def get_absolute_url(self):
        return reverse("registry:person", args=[self.pk])

    # personal data: set and read only through these
    def set_id_number(self, value: str) -> None:
        value = (value or "").strip().upper()
        self.id_number_enc = crypto.encrypt(value)
        self.id_number_index = crypto.blind_index(f"id:{value}") if value else ""
        self.id_number_last4 = crypto.blind_index(f"id4:{value[-4:]}") if value else ""

    def set_phone(self, value: str) -> None:
        value = (value or "").strip().replace("-", "").replace(" ", "")
        self.phone_enc = crypto.encrypt(value)
        self.phone_index = crypto.blind_index(f"phone:{value}") if value else ""
        self.phone_tail_index = crypto.blind_index(f"tail:{value[-4:]}") if len(value) >= 4 else ""

    def set_name(self, value: str) -> None:
        from pypinyin import Style, lazy_pinyin

        self.name = (value or "").strip()
        self.name_pinyin = "".join(lazy_pinyin(self.name)).lower()
        self.name_initials = "".join(lazy_pinyin(self.name, style=Style.FIRST_LETTER)).lower()

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc)

    @property
    def masked_name(self) -> str:
        return crypto.mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = timezone.localdate()
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month,
                                                                                 self.birth_date.day))


class Residence(models.Model):
    """Moving in and out keeps history: one row per stay in a dwelling/household."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    dwelling = models.ForeignKey(Dwelling, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    relation = models.CharField(max_length=16, choices=Relation.choices, default=Relation.HEAD)
    moved_in_on = models.DateField(default=timezone.localdate)
    moved_out_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person_id", "moved_in_on"]

    def __str__(self):
        return f"{self.person_id}: {self.moved_in_on} – {self.moved_out_on or ''}"


class TagQuerySet(PlacedQuerySet):
    """Special-group tags are seen only with registry.sensitive."""

    def restrict(self, user, capability: str = "registry.sensitive"):
        if capability in ("view", "registry.view"):
            capability = "registry.sensitive"
        return super().restrict(user, capability)


class SpecialGroupTag(models.Model):
    """A dated special-group tag (特殊人群) with its carer. The kind itself is sensitive: stored
    encrypted, with a keyed index for counting and filtering."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    kind_enc = models.TextField(editable=False)
    kind_index = models.CharField(max_length=64, db_index=True, editable=False)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)
    carer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="cared_tags")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "starts_on"]

    def __str__(self):
        return f"{self.person_id} tag"

    @staticmethod
    def index_of(kind: str) -> str:
        return crypto.blind_index(f"tag:{kind}")

    def set_kind(self, kind: str) -> None:
        if kind not in SpecialGroup.values:
            raise ValueError(kind)
        self.kind_enc = crypto.encrypt(kind)
        self.kind_index = self.index_of(kind)

    @property
    def kind(self) -> str:
        return crypto.decrypt(self.kind_enc)

    @property
    def kind_label(self) -> str:
        kind = self.kind
        return SpecialGroup(kind).label if kind in SpecialGroup.values else ""


class Organization(Placed):
    """驻区单位, enterprises, shops and storefronts (门头), construction sites, social organizations."""

    kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    business_type = models.CharField(_("business type"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    dwelling = models.ForeignKey(Dwelling, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone_enc = models.TextField(blank=True, editable=False)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="organization_unique_credit_code"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:organization", args=[self.pk])


class Component(Placed):
    """部件: a public facility with a fixed place."""

    type_code = models.CharField(_("type code"), max_length=16)
    name = models.CharField(_("name"), max_length=60)
    code = models.CharField(_("component code"), max_length=32, unique=True)
    owner_department = models.ForeignKey("areas.Department", verbose_name=_("owning department"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    maintainer_department = models.ForeignKey("areas.Department", verbose_name=_("maintaining department"),
                                              null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=ComponentState.choices, default=ComponentState.OK)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["area_path", "code"]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self):
        return f"{self.code} {self.name}"


class HouseholdAssignment(Placed):
    """包保: a cadre assigned to a household, dated."""

    cadre = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT,
                              related_name="household_assignments")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE,
                                  related_name="assignments")
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["area_path", "household_id"]
        verbose_name = _("household assignment (包保)")

    def __str__(self):
        return f"{self.cadre} → {self.household}"


class ImportJob(models.Model):
    """One .xlsx import of residents, dwellings or organizations (registry/imports.py), run in the
    background (registry/tasks.py) while its page polls the progress. Every refused row is kept
    as (row, column, reason): the first ERROR_CAP here, all of them in `error_file`. The uploaded
    file is deleted when the job ends; the reasons never quote the personal data of a row."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("Residents")
        DWELLINGS = "dwellings", _("Dwellings")
        ORGANIZATIONS = "organizations", _("Organizations")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to import")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Import finished")
        FAILED = "failed", _("Import failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.CharField(max_length=255, blank=True, editable=False)  # under MEDIA_ROOT, while it runs
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    total = models.PositiveIntegerField(default=0)  # data rows in the file
    progress = models.PositiveIntegerField(default=0)  # data rows read so far
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # already registered, unchanged
    failed = models.PositiveIntegerField(default=0)  # rows refused
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "reason"}], the first ERROR_CAP
    error_file = models.CharField(max_length=255, blank=True, editable=False)  # every error, under MEDIA_ROOT
    message = models.TextField(blank=True)  # why the whole file was refused, or the job failed
    notes = models.JSONField(default=dict, blank=True)  # e.g. dwellings and households created along
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.progress * 100 // self.total) if self.total else 0
