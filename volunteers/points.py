"""The points ledger shared by volunteers and party members.

`post(account, amount, ...)` is the only way points move: inside the caller's transaction it locks
the account row, checks the new balance, appends one PointsEntry (idempotency key unique) and
updates the balance with an F() expression. The database backs every rule: CHECK balance >= 0 on
the account and on the entry, the unique key. `balance == sum(entries.amount)` holds at every
commit because the two are written in the same transaction under the same lock.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from volunteers.models import PointRule, PointsAccount, PointsEntry


def points_for(action: str, hours: Decimal | float | None = None, rule: PointRule | None = None) -> int:
    """Points paid by the active rule for `action` (× hours for the per-hour actions), 0 if none."""
    rule = rule if rule is not None else PointRule.objects.filter(action=action, active=True).first()
    if rule is None or not rule.active:
        return 0
    if action.endswith("_hour"):
        return int((Decimal(str(hours or 0)) * rule.points).to_integral_value())
    return rule.points


def account_for_volunteer(volunteer) -> PointsAccount:
    account = PointsAccount.objects.filter(volunteer=volunteer).first()
    if account is None:
        account = PointsAccount(kind="volunteer", volunteer=volunteer)
        account.place_in(volunteer.area)
        account.save()
    return account


def account_for_member(member) -> PointsAccount:
    account = PointsAccount.objects.filter(party_member=member).first()
    if account is None:
        account = PointsAccount(kind="party_member", party_member=member)
        account.place_in(member.area)
        account.save()
    return account


def post(account: PointsAccount, amount: int, *, reason: str, key: str, actor=None, note: str = "",
         source=None) -> tuple[PointsEntry, bool]:
    """Append one entry; returns (entry, created). A repeated key returns the first entry unchanged.
    Must run inside transaction.atomic()."""
    if amount == 0:
        raise ValidationError(_("An entry of zero points is not allowed."))
    existing = PointsEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    locked = PointsAccount.objects.select_for_update().only("id", "balance").get(pk=account.pk)
    if locked.balance + amount < 0:
        raise ValidationError(_("Not enough points: the balance is %(balance)d, %(need)d are needed.")
                              % {"balance": locked.balance, "need": -amount})
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                account_id=account.pk, amount=amount, balance_after=locked.balance + amount, reason=reason,
                note=note[:200], idempotency_key=key, actor=actor if actor is not None and actor.is_authenticated
                else None, source_type=source._meta.label_lower if source is not None else "",
                source_id=str(source.pk) if source is not None else "")
            PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    except IntegrityError:
        existing = PointsEntry.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise ValidationError(_("Not enough points.")) from None
        return existing, False
    account.balance = locked.balance + amount
    return entry, True
