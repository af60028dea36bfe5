"""Outbox rows are written in the transaction of the change, only for subscribed endpoints."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from cases import actions
from cases.jobs import sweep_deadlines
from integrations.models import Delivery, OutboxEvent
from integrations.tests.conftest import filed_case, make_endpoint, new_case

pytestmark = pytest.mark.django_db


def test_it_writes_one_delivery_per_subscribed_active_endpoint_of_the_district(hooks):
    filed_to = make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.filed", "case.closed"])
    make_endpoint(hooks.district, "http://127.0.0.1:9/b", event_types=["case.dispatched"], name="b")
    off = make_endpoint(hooks.district, "http://127.0.0.1:9/c", event_types=["case.filed"], name="c")
    off.is_active = False
    off.save()
    make_endpoint(hooks.other_district, "http://127.0.0.1:9/d", event_types=["case.filed"], name="d")

    case = filed_case(hooks)

    event = OutboxEvent.objects.get()
    assert event.event_type == "case.filed" and event.case_id == case.pk and event.district_code == "410611"
    assert list(Delivery.objects.values_list("endpoint_id", "state")) == [(filed_to.pk, "pending")]
    data = event.payload["case"]
    assert data["number"] == case.number and data["state"] == "filed" and data["grid"] == "410611001001001"
    assert data["category"] == "E0101" and data["lon"] == 114.07


def test_nothing_is_written_without_subscribers(hooks):
    make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.rated"])
    filed_case(hooks)
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()


def test_a_rolled_back_change_leaves_no_outbox_row(hooks):
    make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.filed"])
    case = new_case(hooks)
    actions.accept(hooks.command, case)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        actions.file(hooks.command, case)
        assert OutboxEvent.objects.count() == 1  # written inside the transaction …
        raise Boom
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()  # … and rolled back with it
    case.refresh_from_db()
    assert case.state == "accepted"


def test_the_payload_never_carries_the_reporter(hooks, settings):
    make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.filed"])
    case, _ = actions.report_case(hooks.command, channel="hotline_12345", category_code="E0101",
                                  description="来电反映垃圾", lon=114.07, lat=35.6, reporter_name="王小明",
                                  reporter_phone="13800138000")
    actions.accept(hooks.command, case)
    actions.file(hooks.command, case)
    text = str(OutboxEvent.objects.get().payload)
    assert "13800138000" not in text and "王小明" not in text


def test_closing_on_the_spot_is_a_closed_event(hooks, photo):
    make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.closed"])
    case, _ = actions.report_case(hooks.worker_a11, channel="grid_worker", category_code="E0101",
                                  description="井盖松动已处理", lon=114.07, lat=35.6, self_resolved=True,
                                  photos=[photo()], after_photos=[photo()])
    event = OutboxEvent.objects.get()
    assert event.event_type == "case.closed" and event.payload["case"]["state"] == "closed"


def test_the_sweep_writes_overdue_events_set_based_and_nothing_without_subscribers(hooks):
    cases = [new_case(hooks) for _ in range(3)]
    later = timezone.now() + dt.timedelta(days=60)
    assert sweep_deadlines(later)["overdue"] == 3
    assert not OutboxEvent.objects.exists()  # nobody subscribed: nothing written

    endpoint = make_endpoint(hooks.district, "http://127.0.0.1:9/a", event_types=["case.overdue"])
    make_endpoint(hooks.other_district, "http://127.0.0.1:9/b", event_types=["case.overdue"], name="b")
    for case in cases:  # a new step: overdue again
        actions.accept(hooks.command, case)
    assert sweep_deadlines(later + dt.timedelta(days=60))["overdue"] == 3
    events = list(OutboxEvent.objects.order_by("case_id"))
    assert [e.case_id for e in events] == [c.pk for c in cases]
    assert {e.event_type for e in events} == {"case.overdue"}
    assert len({e.event_id for e in events}) == 3
    payload = events[0].payload["case"]
    assert payload["number"] == cases[0].number and payload["state"] == "accepted"
    assert payload["overdue_at"].endswith("Z") and payload["grid"] == "410611001001001"
    assert set(Delivery.objects.values_list("endpoint_id", flat=True)) == {endpoint.pk}
    assert Delivery.objects.filter(state="pending").count() == 3
