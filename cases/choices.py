from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    FILED = "filed", _("Filed")
    DISPATCHED = "dispatched", _("Dispatched")
    HANDLING = "handling", _("Handling")
    VERIFYING = "verifying", _("Verifying")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    SUSPENDED = "suspended", _("Suspended")
    VOIDED = "voided", _("Voided")
    MERGED = "merged", _("Merged")


OPEN_STATES = [CaseState.REPORTED, CaseState.ACCEPTED, CaseState.FILED, CaseState.DISPATCHED,
               CaseState.HANDLING, CaseState.VERIFYING, CaseState.SUSPENDED]
FINAL_STATES = [CaseState.CLOSED, CaseState.DECLINED, CaseState.VOIDED, CaseState.MERGED]
# States in which a step deadline runs (a suspended case waits for its review date instead).
TIMED_STATES = [CaseState.REPORTED, CaseState.ACCEPTED, CaseState.FILED, CaseState.DISPATCHED,
                CaseState.HANDLING, CaseState.VERIFYING]


class TaskState(models.TextChoices):
    DISPATCHED = "dispatched", _("Waiting for the department")
    HANDLING = "handling", _("Handling")
    HANDLED = "handled", _("Reported back")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_TASK_STATES = [TaskState.DISPATCHED, TaskState.HANDLING]


class Channel(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    RESIDENT_QR = "resident_qr", _("Resident QR code")
    HOTLINE = "hotline_12345", _("12345 hotline")
    WALK_IN = "walk_in", _("Walk-in")
    ONLINE = "online", _("Online")
    OPEN311 = "open311", _("Open311")


OPERATOR_CHANNELS = [Channel.HOTLINE, Channel.WALK_IN, Channel.ONLINE]


class OwnerLevel(models.TextChoices):
    GRID = "grid", _("Grid")
    COMMUNITY = "community", _("Community")
    STREET = "street", _("Street")
    DISTRICT = "district", _("District")


LEVEL_RANK = {"grid": 0, "cell": 0, "community": 1, "street": 2, "district": 3}


class CategoryKind(models.TextChoices):
    EVENT = "event", _("Event (事件)")
    COMPONENT = "component", _("Component (部件)")
    SOCIAL = "social", _("Social governance")
    HOTLINE = "hotline", _("12345 appeal")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


class Light(models.TextChoices):
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    NONE = "none", _("No deadline")


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Report")
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
    HANDLED = "handled", _("Handling result")
    VERIFY = "verify", _("Verification")
