"""Tasks sent down to grids (任务下派): a district, street or community sends a task to a set of
grids; each grid gets its part (GridTaskPart) with its items (GridTaskItem) and a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet
from gridtasks.choices import ItemState, TaskKind


class GridTaskQuerySet(RestrictedQuerySet):
    """A task is seen where it was sent from ("gridtask.send" over the sender area)."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "gridtask.send"):
        if capability == "view":
            capability = "gridtask.send"
        return super().restrict(user, capability)


class PartQuerySet(RestrictedQuerySet):
    """A grid's part (and its items) is seen by the grid's staff ("gridtask.work") and by senders
    above the grid ("gridtask.send")."""

    scope_paths = ("area_path",)

    def restrict(self, user, capability: str = "gridtask.work"):
        if capability == "view":
            work = super().restrict(user, "gridtask.work")
            send = super().restrict(user, "gridtask.send")
            return self.filter(models.Q(pk__in=work.values("pk")) | models.Q(pk__in=send.values("pk")))
        return super().restrict(user, capability)


class GridTask(models.Model):
    title = models.CharField(_("title"), max_length=100)
    instructions = models.TextField(_("instructions"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.ITEMS)
    sender_area = models.ForeignKey("areas.Area", verbose_name=_("sent by"), on_delete=models.PROTECT,
                                    related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    due_at = models.DateTimeField(_("deadline"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = GridTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("grid task")
        verbose_name_plural = _("grid tasks")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("gridtasks:detail", args=[self.pk])

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class GridTaskPart(models.Model):
    task = models.ForeignKey(GridTask, on_delete=models.CASCADE, related_name="parts")
    grid = models.ForeignKey("areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    district_code = models.CharField(max_length=6, db_index=True, editable=False)
    due_at = models.DateTimeField(_("deadline"))
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = PartQuerySet.as_manager()

    class Meta:
        ordering = ["task_id", "area_path"]
        constraints = [models.UniqueConstraint(fields=["task", "grid"], name="gridtask_one_part_per_grid")]

    def __str__(self):
        return f"{self.task_id}/{self.grid_id}"

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 100

    @property
    def overdue(self) -> bool:
        return self.completed_at is None and self.due_at < timezone.now()


class ItemQuerySet(PartQuerySet):
    scope_paths = ("part__area_path",)


class GridTaskItem(models.Model):
    part = models.ForeignKey(GridTaskPart, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(_("item"), max_length=200, blank=True)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=ItemState.choices, default=ItemState.OPEN)
    note = models.TextField(_("note"), blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["part_id", "id"]
        indexes = [models.Index(fields=["part", "state"], name="gridtaskitem_part_state")]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        """What the item is: a household's address, a person's masked name and address, or free text."""
        if self.person_id:
            address = self.person.address_text or (self.person.dwelling.address if self.person.dwelling_id else "")
            return f"{self.person.masked_name} {address}".strip()
        return self.label
