from django.db import models
from django.utils.translation import gettext_lazy


class Datatype(models.TextChoices):
    """GeoReport v2 attribute datatypes."""

    STRING = "string", gettext_lazy("Text (one line)")
    NUMBER = "number", gettext_lazy("Number")
    DATETIME = "datetime", gettext_lazy("Date and time")
    TEXT = "text", gettext_lazy("Text (several lines)")
    SINGLE = "singlevaluelist", gettext_lazy("One of a list")
    MULTI = "multivaluelist", gettext_lazy("Several of a list")


LIST_DATATYPES = [Datatype.SINGLE, Datatype.MULTI]
