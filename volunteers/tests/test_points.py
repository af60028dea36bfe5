"""The points ledger and the charity store: rules, overspending, stock, idempotency, the
database's own checks, and volunteer service hours → points."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.models import AuditLog
from volunteers import actions, points
from volunteers.models import PointsAccount, PointsEntry, Redemption, StoreItem


def fund(account, amount, key):
    with transaction.atomic():
        return points.post(account, amount, reason="adjustment", key=key)


def balance_matches_entries(account):
    account.refresh_from_db()
    total = PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
    return account.balance == total


def test_it_redeems_and_moves_points_and_stock_once(world):
    account = world.volunteer_a.account
    fund(account, 100, "t1")
    redemption, created = actions.redeem(world.cast.officer_a1, account=account, item=world.item_a, key="k1")
    assert created and redemption.points == 30
    again, created_again = actions.redeem(world.cast.officer_a1, account=account, item=world.item_a, key="k1")
    assert not created_again and again.pk == redemption.pk
    account.refresh_from_db()
    assert account.balance == 70
    assert StoreItem.objects.get(pk=world.item_a.pk).stock == 4
    assert Redemption.objects.count() == 1
    assert PointsEntry.objects.filter(account=account, reason="redemption").count() == 1
    assert balance_matches_entries(account)
    assert AuditLog.objects.filter(action="store.redeem").count() == 1


def test_it_refuses_overspending_and_empty_stock(world):
    account = world.volunteer_a.account
    fund(account, 20, "t1")
    with pytest.raises(ValidationError, match="积分不足"):
        actions.redeem(None, account=account, item=world.item_a, key="k1")
    fund(account, 1000, "t2")
    StoreItem.objects.filter(pk=world.item_a.pk).update(stock=0)
    with pytest.raises(ValidationError, match="库存"):
        actions.redeem(None, account=account, item=world.item_a, key="k2")
    assert Redemption.objects.count() == 0
    assert balance_matches_entries(account)


def test_the_database_refuses_a_negative_balance_or_stock_even_past_the_python_checks(world):
    account = world.volunteer_a.account
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") - 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreItem.objects.filter(pk=world.item_a.pk).update(stock=-1)
    fund(account, 10, "t1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(account=account, amount=5, balance_after=15, reason="adjustment",
                                   idempotency_key="t1")


def test_only_residents_of_the_community_redeem_in_its_store_and_only_staff_in_scope(world):
    fund(world.volunteer_b.account, 100, "t1")
    with pytest.raises(ValidationError):
        actions.redeem(None, account=world.volunteer_b.account, item=world.item_a, key="k1")
    with pytest.raises(PermissionDenied):
        actions.redeem(world.cast.officer_b, account=world.volunteer_a.account, item=world.item_a, key="k2")


def test_check_out_pays_hours_and_check_in_by_the_rules(world):
    activity = world.activity_a
    signup = actions.sign_up(world.cast.officer_a1, activity, world.volunteer_a)
    start = activity.starts_at
    actions.check_in(world.cast.officer_a1, signup, at=start)
    actions.check_out(world.cast.officer_a1, signup, at=start + dt.timedelta(hours=1, minutes=30))
    signup.refresh_from_db()
    assert str(signup.hours) == "1.50"
    account = world.volunteer_a.account
    account.refresh_from_db()
    assert account.balance == 15 + 5  # 1.5 h × 10 + check-in 5
    with pytest.raises(ValidationError):
        actions.check_out(world.cast.officer_a1, signup, at=start + dt.timedelta(hours=2))
    assert balance_matches_entries(account)


def test_sign_up_refuses_a_full_activity_and_a_second_sign_up(world):
    from registry.actions import save_person

    actions.sign_up(None, world.activity_a, world.volunteer_a)
    with pytest.raises(ValidationError, match="已经报名"):
        actions.sign_up(None, world.activity_a, world.volunteer_a)
    others = [actions.register_volunteer(None, person=save_person(None, name=f"志愿{i}", grid=world.cast.grid_a11),
                                         consent=True) for i in range(2)]
    actions.sign_up(None, world.activity_a, others[0])
    with pytest.raises(ValidationError, match="名额已满"):
        actions.sign_up(None, world.activity_a, others[1])


def test_registration_needs_consent_and_records_its_version(world):
    from registry.actions import save_person

    person = save_person(None, name="赵六", grid=world.cast.grid_a11)
    with pytest.raises(ValidationError):
        actions.register_volunteer(world.cast.officer_a1, person=person, consent=False)
    volunteer = actions.register_volunteer(world.cast.officer_a1, person=person, consent=True)
    assert volunteer.consent_version and volunteer.consent_at <= timezone.now()
    with pytest.raises(PermissionDenied):
        actions.register_volunteer(world.cast.officer_b, person=save_person(None, name="钱七", grid=world.cast.grid_a11),
                                   consent=True)


def test_point_rules_are_edited_only_with_points_rules(world):
    with pytest.raises(PermissionDenied):
        actions.save_point_rule(world.cast.officer_a1, action="volunteer_hour", points_=99)
    rule = actions.save_point_rule(world.cast.admin, action="volunteer_hour", points_=12)
    assert rule.points == 12
