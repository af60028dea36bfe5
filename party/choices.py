from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    STREET_COMMITTEE = "street_committee", _("Street party working committee")
    COMMUNITY_COMMITTEE = "community_committee", _("Community party committee")
    BRANCH = "branch", _("Estate or grid party branch")
    BUILDING_GROUP = "building_group", _("Building party group")
    MEMBER_HOUSEHOLD = "member_household", _("Party member household")


# the kind a parent must have, and the area level each kind is mapped to
ALLOWED_PARENT_KINDS = {
    OrgKind.STREET_COMMITTEE: (None,),
    OrgKind.COMMUNITY_COMMITTEE: (OrgKind.STREET_COMMITTEE,),
    OrgKind.BRANCH: (OrgKind.COMMUNITY_COMMITTEE,),
    OrgKind.BUILDING_GROUP: (OrgKind.BRANCH,),
    OrgKind.MEMBER_HOUSEHOLD: (OrgKind.BUILDING_GROUP, OrgKind.BRANCH),
}
KIND_LEVELS = {
    OrgKind.STREET_COMMITTEE: ("street",),
    OrgKind.COMMUNITY_COMMITTEE: ("community",),
    OrgKind.BRANCH: ("community", "grid"),
    OrgKind.BUILDING_GROUP: ("community", "grid"),
    OrgKind.MEMBER_HOUSEHOLD: ("community", "grid"),
}


class MemberKind(models.TextChoices):
    SELF_MANAGED = "self_managed", _("Self-managed")
    IN_SERVICE = "in_service", _("In-service")
    RETIRED = "retired", _("Retired")
    MOBILE = "mobile", _("Mobile")


class ServiceState(models.TextChoices):
    LOGGED = "logged", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
