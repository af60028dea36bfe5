from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("Resident identity card")
    HK_MACAU = "hk_macau", _("Hong Kong/Macau resident permit")
    TAIWAN = "taiwan", _("Taiwan resident permit")
    PASSPORT = "passport", _("Passport (foreigner)")
    FOREIGNER_PR = "foreigner_pr", _("Foreigner permanent residence card")
    OTHER = "other", _("Other document")


class ResidenceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    PERMANENT = "permanent", _("Permanent (常住)")
    FLOATING = "floating", _("Floating (流动)")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")
    TENANT = "tenant", _("Tenant / not related")


class SpecialGroup(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    DISABLED = "disabled", _("Disabled")
    LOW_INCOME = "low_income", _("Low-income (低保)")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    COMMUNITY_CORRECTION = "community_correction", _("Community correction")
    RELEASED_PRISONER = "released_prisoner", _("Released prisoner")
    SEVERE_MENTAL_ILLNESS = "severe_mental_illness", _("Severe mental illness")
    DRUG_REHAB = "drug_rehab", _("Drug rehabilitation")
    VETERAN = "veteran", _("Veteran")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")


class OrganizationKind(models.TextChoices):
    RESIDENT_ORG = "resident_org", _("Resident organization (驻区单位)")
    ENTERPRISE = "enterprise", _("Enterprise")
    SHOP = "shop", _("Shop / storefront (门头)")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    SOCIAL_ORG = "social_org", _("Social organization")


class ComponentState(models.TextChoices):
    OK = "ok", _("In order")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")
    REMOVED = "removed", _("Removed")
