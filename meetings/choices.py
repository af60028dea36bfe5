from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


CONVENER_LEVELS = ("street", "community")
