"""Volunteers, teams, activities with sign-up and check-in, and the points ledger with the charity
store (爱心超市). The ledger (PointsAccount + PointsEntry) is shared with party members' points.

The ledger's guarantees live in the database: `balance >= 0` and `stock >= 0` are CHECK
constraints and every entry's `idempotency_key` is unique, so overspending, selling stock that is
gone and double redemption are refused even if the Python checks in volunteers/points.py are
bypassed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.choices import AccountKind, ActivityState, PointAction, SignUpState
from volunteers.scoped import CommunityQuerySet, InArea


class PointRule(models.Model):
    """Points paid for an action (per hour for the *_hour actions); edited by holders of points.rules."""

    action = models.CharField(_("action"), max_length=32, choices=PointAction.choices, unique=True)
    points = models.PositiveIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action"]
        verbose_name = _("point rule")

    def __str__(self):
        return f"{self.get_action_display()}: {self.points}"


class Volunteer(InArea):
    """A registered volunteer: a resident of the registry (area = the resident's grid), with the
    consent they gave (time and text version)."""

    person = models.OneToOneField("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                                  related_name="volunteer")
    consent_at = models.DateTimeField(_("consent given at"))
    consent_version = models.CharField(_("consent text version"), max_length=20)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["area_path", "id"]
        verbose_name = _("volunteer")

    def __str__(self):
        return self.person.masked_name


class Team(InArea):
    """A volunteer team of a community."""

    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(Volunteer, blank=True, related_name="teams", verbose_name=_("members"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("volunteer team")

    def __str__(self):
        return self.name


class Activity(InArea):
    """An activity published by a community: volunteers sign up, check in and out on the day."""

    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="activities")
    rule = models.ForeignKey(PointRule, verbose_name=_("point rule"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=ActivityState.choices,
                             default=ActivityState.PUBLISHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("activity")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"),
        ]

    def __str__(self):
        return self.title


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    state = models.CharField(_("state"), max_length=16, choices=SignUpState.choices, default=SignUpState.SIGNED_UP)
    signed_up_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["activity_id", "signed_up_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once"),
        ]

    def __str__(self):
        return f"{self.activity_id}/{self.volunteer_id}"


class PointsAccount(InArea):
    """One account per volunteer or party member. `balance` is the sum of its entries, kept under
    a row lock in the same transaction as each entry; the database refuses a negative balance."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    volunteer = models.OneToOneField(Volunteer, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="account")
    party_member = models.OneToOneField("party.PartyMember", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="account")
    balance = models.IntegerField(_("balance"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["area_path", "id"]
        verbose_name = _("points account")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind="volunteer", volunteer__isnull=False, party_member__isnull=True)
                           | Q(kind="party_member", volunteer__isnull=True, party_member__isnull=False)),
                name="points_account_one_owner"),
        ]

    def __str__(self):
        owner = self.volunteer if self.volunteer_id else self.party_member
        return f"{self.get_kind_display()} {owner}"


class PointsEntry(models.Model):
    """Append-only: one row per movement of points. Never updated, never deleted."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=32, choices=PointAction.choices + [("redemption", _("Redemption"))])
    note = models.CharField(_("note"), max_length=200, blank=True)
    source_type = models.CharField(max_length=64, blank=True)
    source_id = models.CharField(max_length=32, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_entry_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.amount:+d}"


class StoreItem(InArea):
    """An item of a community's charity store (爱心超市), priced in points."""

    name = models.CharField(_("name"), max_length=100)
    price = models.PositiveIntegerField(_("price in points"))
    stock = models.IntegerField(_("stock"), default=0)
    active = models.BooleanField(_("on sale"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["area_path", "name"]
        verbose_name = _("store item")
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="store_item_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="store_item_price_positive"),
        ]

    def __str__(self):
        return self.name


class Redemption(InArea):
    """Points exchanged for an item: one PointsEntry (negative) and one unit of stock."""

    item = models.ForeignKey(StoreItem, verbose_name=_("store item"), on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey(PointsAccount, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="redemption")
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")

    def __str__(self):
        return f"{self.item} ← {self.account_id}"


__all__ = ["CommunityQuerySet", "PointRule", "Volunteer", "Team", "Activity", "SignUp", "PointsAccount",
           "PointsEntry", "StoreItem", "Redemption"]
