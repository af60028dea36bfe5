"""Joint meetings (联席会议, "1+5+N"): a street or community convenes departments on a hard case or
topic; decisions each have an owner department, a deadline (working days) and case links, and are
tracked to done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet
from meetings.choices import DecisionState


def _department_ids(user) -> list[int]:
    from accounts.scope import get_scope

    if user is None or not user.is_authenticated or not user.is_active or get_scope(user).is_superuser:
        return []
    return get_scope(user).departments_for("meeting.decide")


class MeetingQuerySet(RestrictedQuerySet):
    """By the convener's area ("meeting.view"); a department handler sees the meetings that
    invited the department or gave it a decision ("meeting.decide")."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "meeting.view"):
        if capability == "view":
            capability = "meeting.view"
        qs = super().restrict(user, capability)
        departments = _department_ids(user) if capability == "meeting.view" else []
        if departments:
            related = Q(pk__in=Decision.objects.filter(owner_department_id__in=departments).values("meeting_id")) | \
                Q(pk__in=MeetingAttendee.objects.filter(department_id__in=departments).values("meeting_id"))
            qs = self.filter(Q(pk__in=qs.values("pk")) | related)
        return qs


class DecisionQuerySet(RestrictedQuerySet):
    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "meeting.view"):
        if capability == "view":
            capability = "meeting.view"
        qs = super().restrict(user, capability)
        departments = _department_ids(user) if capability == "meeting.view" else []
        if departments:
            qs = self.filter(Q(pk__in=qs.values("pk")) | Q(owner_department_id__in=departments))
        return qs

    def overdue(self, now=None):
        return self.filter(state=DecisionState.OPEN, due_at__lt=now or timezone.now())


class Meeting(models.Model):
    convener_area = models.ForeignKey("areas.Area", verbose_name=_("convened by"), on_delete=models.PROTECT,
                                      related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    title = models.CharField(_("topic"), max_length=100)
    agenda = models.TextField(_("agenda"))
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases discussed"), blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    department = models.ForeignKey("areas.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(department__isnull=False) | Q(user__isnull=False),
                                              name="meeting_attendee_someone")]

    def __str__(self):
        return str(self.department or self.user)


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    text = models.TextField(_("decision"))
    owner_department = models.ForeignKey("areas.Department", verbose_name=_("owner department"),
                                         on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("deadline"))
    state = models.CharField(_("state"), max_length=8, choices=DecisionState.choices, default=DecisionState.OPEN)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("linked cases"), blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_note = models.TextField(_("how it was done"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"], name="decision_state_due")]

    def __str__(self):
        return self.text[:50]

    @property
    def overdue(self) -> bool:
        return self.state == DecisionState.OPEN and self.due_at < timezone.now()
