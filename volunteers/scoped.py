"""The scoping base shared by the engagement apps (patrols, party, volunteers, cobuilding).

Every row is attached to one area (a grid or a community) and carries that area's materialized
`area_path` and `district_code`, so `restrict(user, capability)` works like everywhere else.
Rows attached to a community are also seen by the grid staff of its grids (`scope_ancestors`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet


class CommunityQuerySet(RestrictedQuerySet):
    scope_paths = ("area_path",)
    scope_ancestors = True
    default_capability = "community.view"

    def restrict(self, user, capability: str | None = None):
        if capability in (None, "view"):
            capability = self.default_capability
        return super().restrict(user, capability)


class InArea(models.Model):
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        abstract = True

    def place_in(self, area) -> None:
        self.area = area
        self.area_path = area.path
        self.district_code = area.district_code
