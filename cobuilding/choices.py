from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    NEED = "need", _("Need")
    RESOURCE = "resource", _("Resource")


class Category(models.TextChoices):
    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and youth")
    ENVIRONMENT = "environment", _("Environment")
    EMPLOYMENT = "employment", _("Employment")
    CULTURE = "culture", _("Culture and sports")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class EntryState(models.TextChoices):
    OPEN = "open", _("Awaiting a match")
    MATCHED = "matched", _("Matched")
    CLOSED = "closed", _("Closed")


class MatchState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


MATCH_TRANSITIONS = {
    MatchState.PROPOSED: (MatchState.AGREED, MatchState.CANCELLED),
    MatchState.AGREED: (MatchState.DONE, MatchState.CANCELLED),
    MatchState.DONE: (),
    MatchState.CANCELLED: (),
}


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
