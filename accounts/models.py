from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import ROLE_LEVEL, Role
from core.querysets import RestrictedQuerySet


class User(AbstractUser):
    """A person who signs in: command center staff, officers, grid staff, department handlers."""

    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class RoleAssignmentQuerySet(RestrictedQuerySet):
    scope_paths = ("area__path", "department__area__path")
    scope_department = "department_id"

    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )


class RoleAssignment(models.Model):
    """A role held by a user, bound to an area (or, for department handlers, a department)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments"
    )
    department = models.ForeignKey(
        "areas.Department", verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(area__isnull=False, department__isnull=True) | Q(area__isnull=True, department__isnull=False)),
                name="roleassignment_area_xor_department",
            ),
        ]

    def __str__(self):
        target = self.department or self.area
        return f"{self.user} · {self.get_role_display()} · {target}"

    def clean(self):
        expected_level = ROLE_LEVEL.get(self.role)
        if self.role == Role.DEPARTMENT_HANDLER:
            if self.department_id is None or self.area_id is not None:
                raise ValidationError(_("A department handler must be bound to a department."))
        else:
            if self.area_id is None or self.department_id is not None:
                raise ValidationError(_("This role must be bound to an area."))
            if self.area.level != expected_level:
                raise ValidationError(
                    _("The role %(role)s must be bound to an area of level %(level)s.")
                    % {"role": self.get_role_display(), "level": expected_level}
                )
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(_("The end date cannot be earlier than the start date."))

    @property
    def target_code(self) -> str:
        return self.department.code if self.department_id else self.area.code
