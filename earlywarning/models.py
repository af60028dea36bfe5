"""Early warning (研判预警): the warnings the detection job raises, and the reporter keys it keeps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet
from earlywarning.choices import ACTIVE_STATES, WarningKind, WarningState


class WarningQuerySet(RestrictedQuerySet):
    """Warnings are seen by whoever sees the cases of their area (case.view); a department handler,
    who covers no area, sees none."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "case.view"):
        if capability == "view":
            capability = "case.view"
        return super().restrict(user, capability)

    def active(self):
        return self.filter(state__in=ACTIVE_STATES)


class EarlyWarning(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=WarningKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=WarningState.choices, default=WarningState.OPEN)
    category = models.ForeignKey("cases.Category", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, editable=False)
    district_code = models.CharField(max_length=6)
    center_lon = models.FloatField(_("centre longitude"), null=True, blank=True)
    center_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window to"))
    count = models.PositiveIntegerField(_("reports"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    score = models.FloatField(_("score"), default=0)
    first_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    last_case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_index=False)
    case_ids = models.JSONField(default=list)
    reporter_key = models.CharField(max_length=64, blank=True, help_text="keyed blind index, never the plaintext")
    dedup_key = models.CharField(max_length=200)
    note = models.TextField(_("note"), blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", db_index=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_index=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last seen"), default=timezone.now)

    objects = WarningQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        indexes = [
            models.Index(fields=["area_path"], name="warning_area_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["state", "kind"], name="warning_state_kind"),
            models.Index(fields=["dedup_key"], name="warning_dedup_key"),
        ]
        constraints = [
            # a running cluster, rise or reporter updates its one active warning
            models.UniqueConstraint(fields=["dedup_key"], condition=~Q(state="closed"),
                                    name="warning_one_active_per_key"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.category.name if self.category_id else ''} {self.area.name}"

    def get_absolute_url(self):
        return reverse("earlywarning:detail", args=[self.pk])


class ReporterKey(models.Model):
    """Who reported a case, as a keyed blind index (core.crypto.blind_index of the phone, the
    Open311 client's account or device, or the resident's user id): written once per case by the
    detection job, so repeat reporters are found without decrypting anything twice and without
    comparing plaintext. `key` is empty when the report carries no identity (a grid worker's patrol)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()  # the case's, so the window is read here alone

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"], name="reporterkey_key_created",
                                condition=~Q(key="")),
                   models.Index(fields=["created_at"], name="reporterkey_created")]  # the window, the purge

    def __str__(self):
        return f"{self.case_id}: {self.key[:8]}"


class DetectionState(models.Model):
    """One row: locked by each detection run (runs never interleave), with the last run's time."""

    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict)

    def __str__(self):
        return f"detection {self.last_run_at}"
