from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    ITEMS = "items", _("Items listed by the sender")
    HOUSEHOLDS = "households", _("Visit every household of the grids")
    SPECIAL_GROUP = "special_group", _("Check every resident with a special-group tag")
    PERSON = "person", _("Verify one person's whereabouts")


class ItemState(models.TextChoices):
    OPEN = "open", _("Not done")
    DONE = "done", _("Done")
    NOT_FOUND = "not_found", _("Not found")


DONE_STATES = [ItemState.DONE, ItemState.NOT_FOUND]
