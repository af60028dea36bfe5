from django.db import models
from django.utils.translation import gettext_lazy as _


class PatrolState(models.TextChoices):
    ACTIVE = "active", _("On patrol")
    ENDED = "ended", _("Ended")


class Half(models.TextChoices):
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class Finding(models.TextChoices):
    NONE = "none", _("Nothing to note")
    NEEDS_HELP = "needs_help", _("Needs help")
    DISPUTE = "dispute", _("Dispute or conflict")
    SAFETY = "safety", _("Safety hazard")
    CHANGE = "change", _("Household data changed")
