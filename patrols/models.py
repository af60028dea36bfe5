"""Patrols (巡查) of a grid with their GPS tracks, the cases reported on the way, and home visits
(走访). Patrol rows carry the grid's path: scoped by "patrol.view"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.querysets import RestrictedQuerySet
from patrols.choices import Finding, PatrolState


class PatrolQuerySet(RestrictedQuerySet):
    scope_paths = ("area_path",)

    def restrict(self, user, capability: str | None = None):
        if capability in (None, "view"):
            capability = "patrol.view"
        return super().restrict(user, capability)


class Patrol(models.Model):
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT,
                               related_name="patrols")
    grid = models.ForeignKey("areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=16, choices=PatrolState.choices, default=PatrolState.ACTIVE)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), default=0)
    coverage = models.FloatField(_("share of the grid covered"), default=0)
    point_count = models.PositiveIntegerField(_("GPS points"), default=0)
    rejected_points = models.PositiveIntegerField(default=0)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("patrol")
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(state="active"), name="one_active_patrol_per_worker"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="patrol_ends_after_start"),
        ]
        indexes = [models.Index(fields=["grid", "started_at"], name="patrol_grid_day")]

    def __str__(self):
        return f"{self.grid_id} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolPoint(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patrol_id", "recorded_at", "id"]
        indexes = [models.Index(fields=["patrol", "recorded_at"], name="patrol_point_time")]

    def __str__(self):
        return f"{self.lon:.6f},{self.lat:.6f}"


class PatrolCase(models.Model):
    """A case reported on the way, linked to its patrol."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="case_links")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="patrol_link")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.patrol_id} → {self.case_id}"


class HomeVisitQuerySet(PatrolQuerySet):
    pass


class HomeVisit(models.Model):
    """走访: a visit to a household. The note is personal data: stored encrypted, shown only on the
    visit's own page (audited) to holders of registry.sensitive."""

    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="visits")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT,
                               related_name="home_visits")
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, default=Finding.NONE)
    note_enc = models.TextField(blank=True, editable=False)

    objects = HomeVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("home visit")

    def __str__(self):
        return f"{self.household} {self.visited_at:%Y-%m-%d}"

    def set_note(self, value: str) -> None:
        self.note_enc = crypto.encrypt((value or "").strip())

    @property
    def note(self) -> str:
        return crypto.decrypt(self.note_enc)
