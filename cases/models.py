"""The case loop's data: catalog and standards, cases, department sub-tasks, the timeline, photos."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    OPEN_STATES,
    CaseState,
    CategoryKind,
    Channel,
    Light,
    OwnerLevel,
    PhotoKind,
    TaskState,
    TimeUnit,
)
from core.querysets import RestrictedQuerySet

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


class Category(models.Model):
    """The coded catalog, major → minor (大类/小类). Cases are filed against a minor category."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    parent = models.ForeignKey("self", verbose_name=_("major category"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    sensitive = models.BooleanField(_("sensitive"), default=False,
                                    help_text=_("Disputes, security: location hidden in public feeds."))
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_minor(self) -> bool:
        return self.parent_id is not None


class Standard(models.Model):
    """标准清单: per minor category, who handles it, by when, who may close it, to what standard."""

    category = models.OneToOneField(Category, verbose_name=_("category"), on_delete=models.CASCADE,
                                    related_name="standard")
    department_kinds = models.JSONField(_("responsible departments (kinds)"), default=list)
    accept_hours = models.PositiveSmallIntegerField(_("time to accept (working hours)"), default=2)
    dispatch_hours = models.PositiveSmallIntegerField(_("time to file and dispatch (working hours)"), default=4)
    handle_limit = models.PositiveSmallIntegerField(_("handling time limit"), default=3)
    handle_unit = models.CharField(_("unit"), max_length=8, choices=TimeUnit.choices, default=TimeUnit.DAYS)
    verify_hours = models.PositiveSmallIntegerField(_("time to verify (working hours)"), default=8)
    close_level = models.CharField(_("level allowed to close"), max_length=16, choices=OwnerLevel.choices,
                                   default=OwnerLevel.STREET)
    quality_standard = models.TextField(_("quality standard"), blank=True)
    filing_conditions = models.TextField(_("filing conditions"), blank=True)

    class Meta:
        verbose_name = _("handling standard")
        verbose_name_plural = _("handling standards")

    def __str__(self):
        return f"{self.category}: {self.handle_limit} {self.get_handle_unit_display()}"


class CaseQuerySet(RestrictedQuerySet):
    """Cases are seen by area ("case.view": every role but department handlers) and, for a
    department, through the tasks it was given ("case.task")."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "case.view"):
        from accounts.scope import get_scope

        if capability == "view":
            capability = "case.view"
        qs = super().restrict(user, capability)
        if user is None or not user.is_authenticated or not user.is_active:
            return qs
        department_ids = get_scope(user).departments_for("case.task")
        if department_ids and not get_scope(user).is_superuser:
            with_task = self.filter(tasks__department_id__in=department_ids).values("pk")
            qs = self.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=with_task))
        return qs

    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Case(models.Model):
    # Indexes are few on purpose: every one is written by every report and by every change that
    # moves a case (the deadline sweep's escalation rewrites thousands at once). Unique and lookup
    # columns are indexed in Meta (no PostgreSQL pattern-ops twin, which Django adds for
    # unique/db_index CharFields and only a LIKE 'prefix%' needs).
    tracking_code = models.CharField(_("tracking code"), max_length=12, default=new_tracking_code)
    number = models.CharField(_("case number"), max_length=20)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases",
                                 db_index=False)  # case_category_created leads with it
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    grid = models.ForeignKey("areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="cases")
    area_path = models.CharField(max_length=255, editable=False)
    district_code = models.CharField(max_length=6)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external order number"), max_length=64, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_cases")
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.TextField(_("reporter phone (encrypted)"), blank=True)

    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices,
                             default=CaseState.REPORTED)  # case_state_due and case_state_warn lead with it
    state_before_suspension = models.CharField(max_length=16, blank=True)
    # No index: nothing looks cases up by their owning area (scope goes by area_path), and without
    # one the deadline sweep's escalation (which moves owner_area up a level) is a heap-only update
    # that writes no index entries (see cases/jobs.py). The price: deleting an area (a leaf without
    # staff, rare) scans the cases for this PROTECT check.
    owner_area = models.ForeignKey("areas.Area", verbose_name=_("owning level"), on_delete=models.PROTECT,
                                   related_name="owned_cases", db_index=False)
    owner_level = models.CharField(_("owning level"), max_length=16, choices=OwnerLevel.choices)
    resolved_level = models.CharField(_("resolved at level"), max_length=16, choices=OwnerLevel.choices, blank=True)
    self_resolved = models.BooleanField(_("resolved on the spot"), default=False)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_reports",
                                    db_index=False)  # case_merged_into: only the few merged

    step_started_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    handle_due_at = models.DateTimeField(_("handling due"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(_("review date"), null=True, blank=True)

    accepted_at = models.DateTimeField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField(null=True)
    escalation_count = models.PositiveSmallIntegerField(default=0)
    rework_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    dispatch_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rating_reopened = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            # the deadline sweep's claims (cases/jobs.py). Not partial on warned_at/overdue_at: the
            # claim only sets those, so with free room on the page (fillfactor, migration 0002) its
            # UPDATE is a heap-only tuple update that touches none of the table's indexes
            models.Index(fields=["state", "warn_at"], name="case_state_warn"),
            models.Index(fields=["category", "created_at"], name="case_category_created"),
            # scoping: area_path LIKE '/1/2/%' (pattern ops on PostgreSQL; a plain index elsewhere)
            models.Index(fields=["area_path"], name="case_area_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["district_code"], name="case_district"),
            models.Index(fields=["external_id"], name="case_external_id"),
            models.Index(fields=["merged_into"], name="case_merged_into", condition=Q(merged_into__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tracking_code"], name="case_tracking_code_unique"),
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="case_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.number} {self.category.name if self.category_id else ''}"

    def get_absolute_url(self):
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def light(self, now=None) -> str:
        if self.state not in OPEN_STATES or self.due_at is None or self.state == CaseState.SUSPENDED:
            return Light.NONE
        now = now or timezone.now()
        if now >= self.due_at:
            return Light.RED
        if self.warn_at is not None and now >= self.warn_at:
            return Light.YELLOW
        return Light.GREEN


class CaseTask(models.Model):
    """One department's part of a case (联合派遣: one task per summoned department)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey("areas.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="tasks")
    state = models.CharField(_("state"), max_length=16, choices=TaskState.choices, default=TaskState.DISPATCHED,
                             db_index=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    extension_requested_hours = models.PositiveIntegerField(null=True, blank=True)
    extension_reason = models.CharField(max_length=300, blank=True)
    rework_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("department task")
        verbose_name_plural = _("department tasks")

    def __str__(self):
        return f"{self.case.number} → {self.department}"


class CaseEvent(models.Model):
    """The timeline: one row per successful action, never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    # task, actor and department are empty on most rows (every system row of the deadline sweep):
    # their indexes hold only the rows that have one (Meta)
    task = models.ForeignKey(CaseTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
                             db_index=False)
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    department = models.ForeignKey("areas.Department", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True, help_text="shown (without names) on the reporter's tracking page")
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=[name], name=f"caseevent_{name}", condition=Q(**{f"{name}__isnull": False}))
            for name in ("task", "actor", "department")
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self):
        return f"{self.case_id} {self.action}"


def photo_path(instance, filename):
    now = timezone.now()
    return f"cases/{now:%Y/%m}/{secrets.token_hex(16)}.jpg"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    kind = models.CharField(_("kind"), max_length=16, choices=PhotoKind.choices)
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.case_id} {self.kind}"


class IdempotencyRecord(models.Model):
    """A submission's idempotency key → the case it made: a retried submission returns that case."""

    key = models.CharField(max_length=100)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # a constraint, not unique=True: keys are only ever matched whole, and PostgreSQL would add a
        # LIKE-prefix twin to a unique field's index, written by every report for nothing
        constraints = [models.UniqueConstraint(fields=["key"], name="idempotency_key_unique")]

    def __str__(self):
        return self.key
