"""The engagement demo loads into the test cast, keeps the ledger consistent and runs once."""

import datetime as dt

from django.db.models import Sum
from django.utils import timezone


def test_the_demo_fills_every_list_and_keeps_the_ledger_consistent(cast, monkeypatch):
    from areas.actions import assign_staff
    from registry import actions as registry
    from volunteers.demo import load_demo_engagement
    from volunteers.models import PointsAccount, PointsEntry

    monkeypatch.setattr("volunteers.demo.DAYS", 3)  # a short demo: the test grids are 13 × 28 km
    monkeypatch.setattr("volunteers.demo.TRACKED_GRIDS", 1)
    assign_staff(None, user=cast.worker_a11, area=cast.grid_a11, duty="full_time_worker",
                 starts_on=timezone.localdate() - dt.timedelta(days=30))
    for i, grid in enumerate([cast.grid_a11, cast.grid_a12, cast.grid_b11] * 10):
        registry.save_person(None, name=f"居民{i}", grid=grid, birth_date=dt.date(1960 + i, 1, 1))
    result = load_demo_engagement("410611")
    counts = result.counts
    for key in ("patrols", "patrol_points", "party_organizations", "party_members", "volunteers", "activities",
                "signups", "store_items", "points_entries", "list_entries", "matches", "projects"):
        assert counts[key] > 0, key
    for account in PointsAccount.objects.all():
        total = PointsEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0
        assert account.balance == total >= 0
    assert load_demo_engagement("410611").existing
