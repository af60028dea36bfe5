"""Every change to volunteers, teams, activities, point rules and the charity store.

Each action checks the actor's capability on the area (PermissionDenied → 403), runs in one
transaction, locks the row it changes, writes the audit row, and notifies after commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from core.audit import record
from core.notify import notify
from volunteers import points
from volunteers.choices import CONSENT_VERSION, ActivityState, PointAction, SignUpState
from volunteers.models import (
    Activity,
    PointRule,
    PointsAccount,
    Redemption,
    SignUp,
    StoreItem,
    Team,
    Volunteer,
)

CHANGE = "community.change"


def require(actor, capability: str, area) -> None:
    if actor is None:  # the system: demo loader, tests
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def community_of(area):
    """The community an area lies in (itself if it is one), or a ValidationError."""
    from areas.models import Area

    if area is None:
        raise ValidationError({"area": _("Choose a community.")})
    if area.level == "community":
        return area
    parts = [p for p in area.path.strip("/").split("/") if p]
    community = Area.objects.filter(pk__in=[int(p) for p in parts], level="community").first()
    if community is None:
        raise ValidationError({"area": _("Choose a community.")})
    return community


# --- volunteers ------------------------------------------------------------------------------


def register_volunteer(actor, *, person, consent: bool, skills: str = "") -> Volunteer:
    """A resident becomes a volunteer once they consented (time and text version recorded)."""
    if not consent:
        raise ValidationError({"consent": _("The volunteer's consent is required.")})
    require(actor, CHANGE, person.grid)
    with transaction.atomic():
        if Volunteer.objects.filter(person=person).exists():
            raise ValidationError({"person": _("This resident is already a registered volunteer.")})
        volunteer = Volunteer(person=person, consent_at=timezone.now(), consent_version=CONSENT_VERSION,
                              skills=(skills or "").strip()[:200])
        volunteer.place_in(person.grid)
        volunteer.save()
        points.account_for_volunteer(volunteer)
        record(actor, "volunteers.register", volunteer, object_repr=person.masked_name,
               after={"consent_version": CONSENT_VERSION})
    return volunteer


def update_volunteer(actor, volunteer: Volunteer, *, skills: str = "", active: bool = True) -> Volunteer:
    """Change a volunteer's skills or active flag; the resident's personal data stays in the registry
    and the consent recorded at registration is kept."""
    require(actor, CHANGE, volunteer.area)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        before = {"skills": volunteer.skills, "active": volunteer.active}
        volunteer.skills, volunteer.active = (skills or "").strip()[:200], bool(active)
        volunteer.save(update_fields=["skills", "active"])
        record(actor, "volunteers.update", volunteer, object_repr=volunteer.person.masked_name, before=before,
               after={"skills": volunteer.skills, "active": volunteer.active})
    return volunteer


def save_team(actor, *, area, name: str, members=None, team: Team | None = None) -> Team:
    """Create or rename a team; `members` (volunteers living in the team's community) replaces the
    membership when given, None leaves it as it is."""
    community = community_of(area)
    require(actor, CHANGE, community)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    for volunteer in members or ():
        if not volunteer.area_path.startswith(community.path):
            raise ValidationError({"members": _("Team members must live in the team's community.")})
    with transaction.atomic():
        before = None
        if team is not None:
            team = Team.objects.select_for_update().get(pk=team.pk)
            before = {"name": team.name, "area": team.area_id,
                      "members": sorted(team.members.values_list("pk", flat=True))}
            if members is None and team.members.exclude(area_path__startswith=community.path).exists():
                raise ValidationError({"members": _("Team members must live in the team's community.")})
        else:
            team = Team()
        team.name = name[:100]
        team.place_in(community)
        team.save()
        if members is not None:
            team.members.set(members)
        record(actor, "volunteers.team.save", team, before=before,
               after={"name": team.name, "area": community.pk,
                      "members": sorted(team.members.values_list("pk", flat=True))})
    return team


def change_team_members(actor, team: Team, *, add=(), remove=()) -> Team:
    """Add volunteers of the team's community to a team, or take them off it."""
    require(actor, CHANGE, team.area)
    if not add and not remove:
        raise ValidationError({"add": _("Name the volunteers to add or to remove.")})
    for volunteer in add:
        if not volunteer.area_path.startswith(team.area_path):
            raise ValidationError({"add": _("Team members must live in the team's community.")})
        if not volunteer.active:
            raise ValidationError({"add": _("This volunteer is not active.")})
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = sorted(team.members.values_list("pk", flat=True))
        team.members.add(*add)
        team.members.remove(*remove)
        after = sorted(team.members.values_list("pk", flat=True))
        record(actor, "volunteers.team.members", team, before={"members": before}, after={"members": after})
    return team


def publish_activity(actor, *, area, title: str, place: str, starts_at: dt.datetime, ends_at: dt.datetime,
                     capacity: int, team: Team | None = None, rule: PointRule | None = None) -> Activity:
    community = community_of(area)
    require(actor, CHANGE, community)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if not (place or "").strip():
        errors["place"] = _("The place is required.")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("The activity must end after it starts.")
    elif ends_at - starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = _("An activity lasts at most 24 hours.")
    if not capacity or capacity < 1:
        errors["capacity"] = _("The capacity must be at least 1.")
    if team is not None and team.area_id != community.pk:
        errors["team"] = _("The team belongs to another community.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity(title=title.strip()[:120], place=place.strip()[:200], starts_at=starts_at,
                            ends_at=ends_at, capacity=capacity, team=team, rule=rule,
                            created_by=actor if actor is not None else None)
        activity.place_in(community)
        activity.save()
        record(actor, "volunteers.activity.publish", activity, after={"title": activity.title,
                                                                        "capacity": capacity})
    return activity


def _activity_state(activity: Activity) -> dict:
    return {"title": activity.title, "place": activity.place, "starts_at": activity.starts_at.isoformat(),
            "ends_at": activity.ends_at.isoformat(), "capacity": activity.capacity, "team": activity.team_id,
            "rule": activity.rule_id}


def update_activity(actor, activity: Activity, *, title: str, place: str, starts_at: dt.datetime,
                    ends_at: dt.datetime, capacity: int, team: Team | None = None,
                    rule: PointRule | None = None) -> Activity:
    """Change a published activity; the capacity cannot fall below the volunteers signed up, and
    the times cannot move once someone has checked in."""
    require(actor, CHANGE, activity.area)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("The title is required.")
    if not (place or "").strip():
        errors["place"] = _("The place is required.")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("The activity must end after it starts.")
    elif ends_at - starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = _("An activity lasts at most 24 hours.")
    if not capacity or capacity < 1:
        errors["capacity"] = _("The capacity must be at least 1.")
    if team is not None and team.area_id != activity.area_id:
        errors["team"] = _("The team belongs to another community.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = _lock_activity(activity)
        if activity.state != ActivityState.PUBLISHED:
            raise ValidationError(_("This activity was cancelled."))
        taken = activity.signups.exclude(state=SignUpState.WITHDRAWN).count()
        if capacity < taken:
            raise ValidationError({"capacity": _("%(n)d volunteers have signed up: the capacity cannot be lower.")
                                   % {"n": taken}})
        started = activity.signups.filter(state__in=[SignUpState.CHECKED_IN, SignUpState.DONE]).exists()
        if started and (starts_at != activity.starts_at or ends_at != activity.ends_at):
            raise ValidationError({"starts_at": _("Volunteers have already checked in: the times cannot change.")})
        before = _activity_state(activity)
        activity.title, activity.place = title.strip()[:120], place.strip()[:200]
        activity.starts_at, activity.ends_at, activity.capacity = starts_at, ends_at, capacity
        activity.team, activity.rule = team, rule
        activity.save()
        record(actor, "volunteers.activity.update", activity, before=before, after=_activity_state(activity))
        creator = activity.created_by_id
    notify([creator] if creator and (actor is None or creator != actor.pk) else [], "activity.changed",
           _("The activity %(title)s was changed.") % {"title": activity.title}, obj=activity)
    return activity


def _lock_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


def sign_up(actor, activity: Activity, volunteer: Volunteer) -> SignUp:
    """Sign a volunteer up; refused when full, cancelled, over or already signed up."""
    require(actor, CHANGE, activity.area)
    with transaction.atomic():
        activity = _lock_activity(activity)
        if activity.state != ActivityState.PUBLISHED:
            raise ValidationError(_("This activity was cancelled."))
        if activity.ends_at <= timezone.now():
            raise ValidationError(_("This activity is over."))
        if not volunteer.active:
            raise ValidationError(_("This volunteer is not active."))
        taken = activity.signups.exclude(state=SignUpState.WITHDRAWN).count()
        existing = activity.signups.filter(volunteer=volunteer).first()
        if existing is not None and existing.state != SignUpState.WITHDRAWN:
            raise ValidationError(_("This volunteer has already signed up."))
        if taken >= activity.capacity:
            raise ValidationError(_("The activity is full."))
        if existing is not None:
            existing.state, existing.signed_up_at = SignUpState.SIGNED_UP, timezone.now()
            existing.save(update_fields=["state", "signed_up_at"])
            signup = existing
        else:
            signup = SignUp.objects.create(activity=activity, volunteer=volunteer)
        record(actor, "volunteers.signup", activity, after={"volunteer": volunteer.pk})
    return signup


def check_in(actor, signup: SignUp, *, at: dt.datetime | None = None) -> SignUp:
    require(actor, CHANGE, signup.activity.area)
    at = at or timezone.now()
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().select_related("activity").get(pk=signup.pk)
        if signup.state != SignUpState.SIGNED_UP:
            raise ValidationError(_("Only a volunteer who signed up and has not checked in can check in."))
        activity = signup.activity
        if not activity.starts_at - dt.timedelta(hours=2) <= at <= activity.ends_at:
            raise ValidationError(_("Check-in opens two hours before the activity and closes when it ends."))
        signup.state, signup.checked_in_at = SignUpState.CHECKED_IN, at
        signup.save(update_fields=["state", "checked_in_at"])
        record(actor, "volunteers.check_in", activity, after={"volunteer": signup.volunteer_id})
    return signup


def check_out(actor, signup: SignUp, *, at: dt.datetime | None = None) -> SignUp:
    """Service hours = checked-in time within the activity's hours; points by the activity's rule
    (or the active volunteer_hour rule) plus the activity_check_in rule."""
    require(actor, CHANGE, signup.activity.area)
    at = at or timezone.now()
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().select_related("activity", "volunteer").get(pk=signup.pk)
        if signup.state != SignUpState.CHECKED_IN:
            raise ValidationError(_("Only a checked-in volunteer can check out."))
        if at <= signup.checked_in_at:
            raise ValidationError(_("Check-out must come after check-in."))
        activity = signup.activity
        start = max(signup.checked_in_at, activity.starts_at)
        end = min(at, activity.ends_at)
        seconds = max(0.0, (end - start).total_seconds())
        hours = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        signup.state, signup.checked_out_at, signup.hours = SignUpState.DONE, at, hours
        signup.save(update_fields=["state", "checked_out_at", "hours"])
        account = points.account_for_volunteer(signup.volunteer)
        rule = activity.rule if activity.rule_id and activity.rule.action.endswith("_hour") else None
        earned = points.points_for(PointAction.VOLUNTEER_HOUR, hours, rule=rule)
        earned += points.points_for(PointAction.ACTIVITY_CHECK_IN)
        if earned > 0:
            points.post(account, earned, reason=PointAction.VOLUNTEER_HOUR, key=f"signup:{signup.pk}", actor=actor,
                        note=activity.title, source=signup)
        record(actor, "volunteers.check_out", activity, after={"volunteer": signup.volunteer_id,
                                                                 "hours": str(hours), "points": earned})
    return signup


def cancel_activity(actor, activity: Activity, *, note: str = "") -> Activity:
    require(actor, CHANGE, activity.area)
    with transaction.atomic():
        activity = _lock_activity(activity)
        if activity.state == ActivityState.CANCELLED:
            raise ValidationError(_("This activity was already cancelled."))
        if activity.signups.filter(state__in=[SignUpState.CHECKED_IN, SignUpState.DONE]).exists():
            raise ValidationError(_("Volunteers have already checked in: the activity cannot be cancelled."))
        activity.state = ActivityState.CANCELLED
        activity.save(update_fields=["state"])
        record(actor, "volunteers.activity.cancel", activity, note=note)
        creator = activity.created_by_id
    notify([creator] if creator and (actor is None or creator != actor.pk) else [], "activity.cancelled",
           _("The activity %(title)s was cancelled.") % {"title": activity.title})
    return activity


# --- point rules -----------------------------------------------------------------------------


def save_point_rule(actor, *, action: str, points_: int, active: bool = True) -> PointRule:
    if actor is not None and not get_scope(actor).can("points.rules"):
        raise PermissionDenied(_("You are not allowed to do this here."))
    if action not in PointAction.values:
        raise ValidationError({"action": _("Unknown action.")})
    if points_ is None or points_ < 0 or points_ > 10000:
        raise ValidationError({"points": _("Points must be between 0 and 10000.")})
    with transaction.atomic():
        rule = PointRule.objects.select_for_update().filter(action=action).first()
        before = {"points": rule.points, "active": rule.active} if rule else None
        if rule is None:
            rule = PointRule(action=action)
        rule.points, rule.active = points_, active
        rule.save()
        record(actor, "points.rule.save", rule, before=before, after={"points": points_, "active": active})
    return rule


def adjust_points(actor, account: PointsAccount, *, amount: int, note: str, key: str = "") -> object:
    """A manual correction by the community (positive or negative; never below zero)."""
    require(actor, CHANGE, account.area)
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reason for the adjustment.")})
    with transaction.atomic():
        entry, _created = points.post(account, int(amount), reason=PointAction.ADJUSTMENT,
                                      key=key or f"adjust:{account.pk}:{timezone.now().timestamp()}", actor=actor,
                                      note=note.strip())
        record(actor, "points.adjust", account, after={"amount": amount}, note=note)
    return entry


# --- the charity store -----------------------------------------------------------------------


def _item_state(item: StoreItem) -> dict:
    return {"name": item.name, "price": item.price, "stock": item.stock, "active": item.active}


def save_item(actor, *, area, name: str, price: int, stock: int, item: StoreItem | None = None,
              active: bool = True) -> StoreItem:
    community = community_of(area)
    require(actor, CHANGE, community)
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("The name is required.")
    if price is None or price < 1:
        errors["price"] = _("The price must be at least 1 point.")
    if stock is None or stock < 0:
        errors["stock"] = _("The stock cannot be negative.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = None
        if item is not None:
            item = StoreItem.objects.select_for_update().get(pk=item.pk)
            before = _item_state(item)
        else:
            item = StoreItem()
        item.name, item.price, item.stock, item.active = name.strip()[:100], price, stock, bool(active)
        item.place_in(community)
        item.save()
        record(actor, "store.item.save", item, before=before, after=_item_state(item))
    return item


def withdraw_item(actor, item: StoreItem) -> StoreItem:
    """Take an item off sale (it stays in the store's history with its redemptions)."""
    require(actor, CHANGE, item.area)
    with transaction.atomic():
        item = StoreItem.objects.select_for_update().get(pk=item.pk)
        if not item.active:
            raise ValidationError(_("This item is not on sale."))
        before = _item_state(item)
        item.active = False
        item.save(update_fields=["active", "updated_at"])
        record(actor, "store.item.withdraw", item, before=before, after=_item_state(item))
    return item


def redeem(actor, *, account: PointsAccount, item: StoreItem, key: str) -> tuple[Redemption, bool]:
    """Exchange points for one unit of an item. Returns (redemption, created); the same key again
    returns the first redemption and moves nothing. The last unit goes to exactly one of two
    concurrent redemptions; a balance too small is refused (and by the database's CHECK)."""
    require(actor, CHANGE, item.area)
    key = (key or "").strip()[:80]
    if not key:
        raise ValidationError(_("A redemption needs an idempotency key."))
    if not account.area_path.startswith(item.area_path):
        raise ValidationError({"account": _("Only residents of this community can redeem in its store.")})
    try:
        with transaction.atomic():
            # lock order everywhere: the item, then the account (inside points.post)
            locked = StoreItem.objects.select_for_update().get(pk=item.pk)
            existing = Redemption.objects.filter(idempotency_key=key).select_related("entry").first()
            if existing is not None:
                return existing, False
            if not locked.active:
                raise ValidationError(_("This item is not on sale."))
            if locked.stock < 1:
                raise ValidationError(_("This item is out of stock."))
            entry, created = points.post(account, -locked.price, reason="redemption", key=f"redeem:{key}",
                                         actor=actor, note=locked.name, source=locked)
            if not created:
                raise ValidationError(_("This redemption was already recorded."))
            StoreItem.objects.filter(pk=locked.pk).update(stock=F("stock") - 1)
            redemption = Redemption(item=locked, account=account, points=locked.price, entry=entry,
                                    idempotency_key=key, created_by=actor if actor is not None else None)
            redemption.place_in(locked.area)
            redemption.save()
            record(actor, "store.redeem", redemption, after={"item": locked.pk, "account": account.pk,
                                                            "points": locked.price})
    except IntegrityError as exc:
        existing = Redemption.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing, False
        raise ValidationError(_("The redemption was refused: not enough points or stock.")) from exc
    return redemption, True
