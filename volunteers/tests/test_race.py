"""Concurrent redemptions (threads, real transactions): the last unit goes to exactly one; the same
idempotency key twice at once makes one entry; the balance always equals the sum of entries."""

import pytest
from django.db import transaction
from django.db.models import Sum

from core.testing import race
from volunteers import actions, points
from volunteers.models import PointsAccount, PointsEntry, Redemption, StoreItem

pytestmark = pytest.mark.django_db(transaction=True)


def _fund(account, amount, key):
    with transaction.atomic():
        points.post(account, amount, reason="adjustment", key=key)


def _consistent(*accounts):
    for account in accounts:
        account = PointsAccount.objects.get(pk=account.pk)
        assert account.balance == (PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0)
        assert account.balance >= 0


def test_two_residents_redeeming_the_last_item_at_once_one_wins(world):
    from registry.actions import save_person

    second = actions.register_volunteer(None, person=save_person(None, name="孙八", grid=world.cast.grid_a11),
                                        consent=True)
    a, b = world.volunteer_a.account, second.account
    _fund(a, 100, "fa")
    _fund(b, 100, "fb")
    StoreItem.objects.filter(pk=world.item_a.pk).update(stock=1)
    item = StoreItem.objects.get(pk=world.item_a.pk)
    results = race(lambda: actions.redeem(None, account=a, item=item, key="ra"),
                   lambda: actions.redeem(None, account=b, item=item, key="rb"))
    wins = [r for r in results if isinstance(r, tuple)]
    assert len(wins) == 1, results
    assert StoreItem.objects.get(pk=item.pk).stock == 0
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(reason="redemption").count() == 1
    _consistent(a, b)


def test_the_same_redemption_twice_at_once_makes_one_entry(world):
    a = world.volunteer_a.account
    _fund(a, 100, "fa")
    item = world.item_a
    results = race(lambda: actions.redeem(None, account=a, item=item, key="same"),
                   lambda: actions.redeem(None, account=a, item=item, key="same"))
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False, True]
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(reason="redemption").count() == 1
    assert StoreItem.objects.get(pk=item.pk).stock == 4
    _consistent(a)


def test_spending_the_balance_twice_at_once_one_wins(world):
    a = world.volunteer_a.account
    _fund(a, 40, "fa")  # enough for one item of 30, not two
    item = world.item_a
    results = race(lambda: actions.redeem(None, account=a, item=item, key="r1"),
                   lambda: actions.redeem(None, account=a, item=item, key="r2"))
    assert len([r for r in results if isinstance(r, tuple)]) == 1, results
    assert PointsAccount.objects.get(pk=a.pk).balance == 10
    _consistent(a)
