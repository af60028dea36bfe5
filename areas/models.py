from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from areas.choices import DepartmentKind, Duty, Level
from core.querysets import RestrictedQuerySet


class AreaQuerySet(RestrictedQuerySet):
    scope_paths = ("path",)

    def subtree(self, area):
        return self.filter(path__startswith=area.path)


class Area(models.Model):
    """One node of the area tree: district → street → community → grid(s) → cell grid.

    `path` is the materialized path of primary keys ("/1/7/42/"): an area's subtree is
    `path__startswith`. `district_code` is the distribution column should the tables ever be
    sharded by district (docs/deployment.md).
    """

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("code"), max_length=24, unique=True)
    official_code = models.BooleanField(_("official statistical code"), default=False)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    district_code = models.CharField(_("district code"), max_length=6, db_index=True, default="")
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, db_index=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)
    center_lat = models.FloatField(null=True, blank=True)
    illustrative = models.BooleanField(
        _("illustrative boundary"), default=False, help_text=_("Boundary generated for the demo (示意), not surveyed.")
    )
    # District only: the names of the grid levels below a community, e.g. ["网格"] or
    # ["总网格", "一级网格", "二级网格"]; its length is how deep grids may nest.
    grid_level_names = models.JSONField(_("grid level names"), default=list, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "code"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("areas:detail", args=[self.pk])

    @property
    def level_label(self) -> str:
        if self.level == Level.STREET and self.name.endswith(("镇", "乡")):
            return gettext("Township")
        if self.level == Level.COMMUNITY and self.name.endswith(("村委会", "村")):
            return gettext("Village")
        if self.level == Level.GRID:
            names = self.district_grid_level_names()
            rank = self.grid_rank
            if names and 1 <= rank <= len(names):
                return names[rank - 1]
        return self.get_level_display()

    @property
    def grid_rank(self) -> int:
        """1 for a grid directly under a community, 2 for a grid inside it, ..."""
        if self.level != Level.GRID:
            return 0
        return self.depth - 2

    def district_grid_level_names(self) -> list[str]:
        if self.level == Level.DISTRICT:
            return self.grid_level_names or []
        cache = getattr(self, "_district_grid_level_names", None)
        if cache is None:
            district = Area.objects.filter(code=self.district_code, level=Level.DISTRICT).only("grid_level_names").first()
            cache = (district.grid_level_names if district else None) or []
            self._district_grid_level_names = cache
        return cache

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def ancestors(self):
        ids = self.ancestor_ids()
        by_id = Area.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class DepartmentQuerySet(RestrictedQuerySet):
    scope_paths = ("area__path",)
    scope_ancestors = True  # a district department serves every street below it
    scope_department = "id"


class Department(models.Model):
    """A functional office that handles cases (城管, 市政, 环卫 ...), at district or street level."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices, default=DepartmentKind.OTHER)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="departments")
    district_code = models.CharField(_("district code"), max_length=6, db_index=True, default="")
    phone = models.CharField(_("duty phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["area__path", "code"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("areas:department", args=[self.pk])


class StaffAssignmentQuerySet(RestrictedQuerySet):
    scope_paths = ("area__path",)

    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class StaffAssignment(models.Model):
    """A person's duty on an area (grid chief, grid worker, liaison, sponsoring leader), dated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="staff_assignments"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="staff_assignments")
    duty = models.CharField(_("duty"), max_length=32, choices=Duty.choices)
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    district_code = models.CharField(_("district code"), max_length=6, db_index=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        ordering = ["area__path", "duty", "starts_on"]
        indexes = [models.Index(fields=["area", "duty"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="staffassignment_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_duty_display()} · {self.area}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)
