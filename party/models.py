"""Party organizations mapped onto the area tree, party members linked to residents, dual check-in
(双报到) of office party organizations and in-service members, and their service logs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from party.choices import MemberKind, OrgKind, ServiceState
from volunteers.scoped import InArea


class PartyOrganization(InArea):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent organization"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    secretary = models.CharField(_("secretary"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_path", "kind", "name"]
        verbose_name = _("party organization")

    def __str__(self):
        return self.name


class PartyMember(InArea):
    """A party member; `area` is the grid of the resident (where they live)."""

    person = models.OneToOneField("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                                  related_name="party_member")
    organization = models.ForeignKey(PartyOrganization, verbose_name=_("party organization"),
                                     on_delete=models.PROTECT, related_name="members")
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices)
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)
    workplace = models.CharField(_("workplace"), max_length=120, blank=True)
    # dual check-in (双报到): the community an in-service member registered with
    checked_in_community = models.ForeignKey("areas.Area", verbose_name=_("checked in with community"), null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_path", "id"]
        verbose_name = _("party member")

    def __str__(self):
        return self.person.masked_name


class OfficeOrganization(InArea):
    """An in-service party organization (e.g. a department's party branch) registered with the
    community it serves (area = that community)."""

    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey("areas.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("office party organization")
        constraints = [models.UniqueConstraint(fields=["name", "area"], name="office_org_once_per_community")]

    def __str__(self):
        return self.name


class ServiceLog(InArea):
    """Service given to a community (area) by a checked-in member or office organization; the
    community confirms it, which pays the member's points."""

    member = models.ForeignKey(PartyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="services")
    office = models.ForeignKey(OfficeOrganization, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="services")
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    description = models.CharField(_("description"), max_length=300)
    state = models.CharField(_("state"), max_length=16, choices=ServiceState.choices, default=ServiceState.LOGGED)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("service log")
        constraints = [
            models.CheckConstraint(condition=Q(member__isnull=False) | Q(office__isnull=False),
                                   name="service_log_has_a_giver"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="service_log_hours_in_day"),
        ]

    def __str__(self):
        return f"{self.served_on} {self.description[:30]}"
