"""Co-building lists (共驻共建): needs, resources and projects of a community or of a resident
organization (registry Organization), matches of needs to resources, projects with an outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cobuilding.choices import Category, EntryKind, EntryState, MatchState, ProjectState
from volunteers.scoped import InArea


class ListEntry(InArea):
    """One line of a needs list (需求清单) or a resources list (资源清单); area = the community."""

    kind = models.CharField(_("list"), max_length=16, choices=EntryKind.choices)
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=EntryState.choices, default=EntryState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("list entry")

    def __str__(self):
        return self.title


class Match(InArea):
    need = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="matches_as_need")
    resource = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="matches_as_resource")
    state = models.CharField(_("state"), max_length=16, choices=MatchState.choices, default=MatchState.PROPOSED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match")
        constraints = [
            models.UniqueConstraint(fields=["need", "resource"], condition=~Q(state="cancelled"),
                                    name="match_once_while_live"),
        ]

    def __str__(self):
        return f"{self.need} ↔ {self.resource}"


class Project(InArea):
    """项目清单: a co-building project with its owner, dates and outcome."""

    title = models.CharField(_("title"), max_length=120)
    organization = models.ForeignKey("registry.Organization", verbose_name=_("organization"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(_("owner"), max_length=60)
    need = models.ForeignKey(ListEntry, verbose_name=_("need"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="projects")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ProjectState.choices, default=ProjectState.PLANNED)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("co-building project")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="project_ends_after_start"),
        ]

    def __str__(self):
        return self.title
