from django.db import models
from django.utils.translation import gettext_lazy as _


class WarningKind(models.TextChoices):
    CLUSTER = "cluster", _("Cluster of reports")
    RISE = "rise", _("Rise over baseline")
    REPEAT_REPORTER = "repeat_reporter", _("Repeat reporter")


class WarningState(models.TextChoices):
    OPEN = "open", _("To review")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Warning closed")


ACTIVE_STATES = [WarningState.OPEN, WarningState.ACKNOWLEDGED]

KIND_COLORS = {"cluster": "#d9480f", "rise": "#c2255c", "repeat_reporter": "#5f3dc4"}

# who hears of a new warning: these roles bound to the warning's area, then up to the first level
# at or above the community that has one (a grid's warning: its grid chief and its community officers)
NOTIFIED_ROLES = ("grid_chief", "community_officer", "street_officer", "district_command")
