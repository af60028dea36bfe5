"""Dispute kinds, sources, risk levels, states, mediation kinds and outcomes (矛盾纠纷排查调处)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeKind(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour dispute")
    FAMILY = "family", _("Family dispute")
    PROPERTY = "property", _("Property management dispute")
    LABOUR = "labour", _("Labour dispute")
    LAND = "land", _("Land dispute")
    OTHER = "other", _("Other dispute")


# the case catalog's minor category a dispute of each kind turns into (cases/catalog.py, S01 矛盾纠纷)
CASE_CATEGORY = {
    DisputeKind.NEIGHBOUR: "S0101",
    DisputeKind.FAMILY: "S0102",
    DisputeKind.PROPERTY: "S0103",
    DisputeKind.LABOUR: "S0104",
    DisputeKind.LAND: "S0105",
    DisputeKind.OTHER: "S0101",
}


class Source(models.TextChoices):
    PATROL = "patrol", _("Found on patrol")
    VISIT = "visit", _("Found on a home visit")
    CASE = "case", _("Case")
    WALK_IN = "walk_in", _("Walk-in")


class Risk(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk (major dispute)")


RISK_COLORS = {Risk.LOW: "green", Risk.MEDIUM: "yellow", Risk.HIGH: "red"}


class DisputeState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MEDIATING = "mediating", _("Mediating")
    SETTLED = "settled", _("Settled")
    NOT_SETTLED = "not_settled", _("Not settled")
    REFERRED = "referred", _("Referred to court or petition")


CONCLUDED_STATES = [DisputeState.SETTLED, DisputeState.NOT_SETTLED, DisputeState.REFERRED]


class MediationKind(models.TextChoices):
    PEOPLE = "people", _("People's mediation")
    ADMINISTRATIVE = "administrative", _("Administrative mediation")
    JUDICIAL = "judicial", _("Judicial mediation")


class Fulfilment(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    FULFILLED = "fulfilled", _("Fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


SATISFIED = [Satisfaction.SATISFIED, Satisfaction.BASICALLY]


# the timeline's names for the actions of disputes/workflow.py
ACTION_LABELS = {
    "register": _("Register"),
    "start_mediation": _("Start mediation"),
    "record_session": _("Record a session"),
    "hand_over": _("Hand over to another kind of mediation"),
    "conclude": _("Conclude the mediation"),
    "check_fulfilment": _("Check the agreement's fulfilment"),
    "follow_up": _("Record a follow-up visit"),
    "turn_into_case": _("Turn into a case"),
    "update": _("Correct the record"),
}
