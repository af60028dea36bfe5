from django.db import models
from django.utils.translation import gettext_lazy as _


class PointAction(models.TextChoices):
    """What a point rule pays for (PointRule.action)."""

    VOLUNTEER_HOUR = "volunteer_hour", _("Volunteer service, per hour")
    ACTIVITY_CHECK_IN = "activity_check_in", _("Checking in at an activity")
    PARTY_SERVICE_HOUR = "party_service_hour", _("Party member service, per hour")
    PARTY_MEETING = "party_meeting", _("Attending a party organization meeting")
    ADJUSTMENT = "adjustment", _("Manual adjustment")


class AccountKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTY_MEMBER = "party_member", _("Party member")


class ActivityState(models.TextChoices):
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class SignUpState(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    CHECKED_IN = "checked_in", _("Checked in")
    DONE = "done", _("Service recorded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CONSENT_VERSION = "2026-01"
CONSENT_TEXT = _("I agree that the community keeps my name, phone and service records to organize volunteer "
                 "service, and that I may withdraw at any time.")
