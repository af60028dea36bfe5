"""Disputes (矛盾纠纷), their parties, mediation stages (人民/行政/司法调解, "三调联动"), sessions,
follow-up visits and timeline.

Parties' names and phones are personal data: a party linked to a registry Person shows that
person's masked name; a free-text party's name and phone are stored only encrypted
(core.crypto) and shown masked. Reading them in clear is a separate, audited action.
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
from disputes.choices import (
    DisputeKind,
    DisputeState,
    Fulfilment,
    MediationKind,
    PartyRole,
    Risk,
    Satisfaction,
    Source,
)


class DisputeQuerySet(RestrictedQuerySet):
    """Disputes are seen by area ("dispute.view") and, for a department handler, when a
    mediation stage was handed to the department ("dispute.mediate")."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "dispute.view"):
        from accounts.scope import get_scope

        if capability == "view":
            capability = "dispute.view"
        qs = super().restrict(user, capability)
        if user is None or not user.is_authenticated or not user.is_active or get_scope(user).is_superuser:
            return qs
        department_ids = get_scope(user).departments_for("dispute.mediate")
        if department_ids and capability == "dispute.view":
            mediated = MediationStage.objects.filter(department_id__in=department_ids).values("dispute_id")
            qs = self.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=mediated))
        return qs


class Dispute(models.Model):
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind"), max_length=16, choices=DisputeKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    risk = models.CharField(_("risk level"), max_length=8, choices=Risk.choices, default=Risk.LOW)
    state = models.CharField(_("state"), max_length=16, choices=DisputeState.choices,
                             default=DisputeState.REGISTERED)
    grid = models.ForeignKey("areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    from_case = models.ForeignKey("cases.Case", verbose_name=_("started from case"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="disputes")
    to_case = models.ForeignKey("cases.Case", verbose_name=_("turned into case"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    outcome_note = models.TextField(_("mediation outcome"), blank=True)
    agreement_text = models.TextField(_("agreement"), blank=True)
    fulfilment = models.CharField(_("fulfilment"), max_length=16, choices=Fulfilment.choices,
                                  default=Fulfilment.PENDING)
    fulfilment_note = models.TextField(_("fulfilment check"), blank=True)
    fulfilment_checked_at = models.DateTimeField(null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["district_code", "area_path"], name="dispute_scope")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("disputes:detail", args=[self.pk])

    @property
    def current_stage(self):
        return self.stages.filter(ended_at__isnull=True).order_by("-started_at", "-id").first()


class DisputeParty(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    person = models.ForeignKey("registry.Person", verbose_name=_("resident"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    name_enc = models.TextField(blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["dispute_id", "id"]

    def __str__(self):
        return self.masked_name

    def set_name(self, value: str) -> None:
        self.name_enc = crypto.encrypt((value or "").strip())

    def set_phone(self, value: str) -> None:
        self.phone_enc = crypto.encrypt((value or "").strip().replace("-", "").replace(" ", ""))

    @property
    def name(self) -> str:
        return self.person.name if self.person_id else crypto.decrypt(self.name_enc)

    @property
    def phone(self) -> str:
        return self.person.phone if self.person_id else crypto.decrypt(self.phone_enc)

    @property
    def masked_name(self) -> str:
        return crypto.mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return crypto.mask_phone(self.phone)


class MediationStage(models.Model):
    """One kind of mediation for a while; a hand-over closes it (with a reason) and opens the next."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("mediation kind"), max_length=16, choices=MediationKind.choices)
    mediators = models.CharField(_("mediators"), max_length=200)
    department = models.ForeignKey("areas.Department", verbose_name=_("mediating department"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("reason for the hand-over"), blank=True)

    class Meta:
        ordering = ["dispute_id", "started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dispute"], condition=Q(ended_at__isnull=True),
                                               name="dispute_one_open_stage")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.mediators})"


class MediationSession(models.Model):
    stage = models.ForeignKey(MediationStage, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    summary = models.TextField(_("record of the session"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self):
        return f"{self.stage_id} {self.held_at:%Y-%m-%d}"


class FollowUp(models.Model):
    """回访: a visit to the parties after the dispute was concluded."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField(_("followed up at"), default=timezone.now)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    satisfaction = models.CharField(_("parties' satisfaction"), max_length=16, choices=Satisfaction.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["visited_at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.satisfaction}"


class DisputeEvent(models.Model):
    """The timeline: one row per change."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.dispute_id} {self.action}"
