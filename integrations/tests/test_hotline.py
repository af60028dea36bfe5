"""The 12345 bridge: signed orders in (idempotent by order number), progress back out through the outbox."""

import json
import threading
import time

import pytest
from django.db import connection

from cases import actions as case_actions
from cases.models import Case
from integrations import actions
from integrations.models import Delivery, HotlineOrder, OutboxEvent
from integrations.signing import sign
from integrations.tests.conftest import make_endpoint

URL = "/api/hotline/410611/orders/"
SECRET = "hotline-inbound-secret"

ORDER = {"order_number": "GD20261122-0001", "type": "投诉", "description": "小区门口夜间施工噪音扰民",
         "address": "甲街道建设路 12 号", "lon": 114.07, "lat": 35.6, "caller_name": "李华",
         "caller_phone": "13900001111", "due_at": "2026-11-25T18:00:00+08:00"}


@pytest.fixture
def bridge(hooks):
    return make_endpoint(hooks.district, "http://127.0.0.1:9/12345", kind="hotline", event_types=[],
                         operator=hooks.command, inbound_secret=SECRET, secret="outbound-secret", name="12345")


def post(client, body, secret=SECRET, timestamp=None, url=URL):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(url, data=raw, content_type="application/json",
                       HTTP_X_GRIDGOV_SIGNATURE=sign(secret, raw, timestamp))


@pytest.mark.django_db
def test_a_signed_order_becomes_a_hotline_case_once(bridge, client):
    response = post(client, ORDER)
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body == {"order_number": ORDER["order_number"], "case_number": case.number,
                    "tracking_code": case.tracking_code, "state": "reported", "created": True}
    assert case.channel == "hotline_12345" and case.category.code == "H0301"
    assert case.external_id == ORDER["order_number"] and case.reporter_id == bridge.operator_id
    assert case.reporter_phone and "13900001111" not in case.reporter_phone  # encrypted
    order = HotlineOrder.objects.get()
    assert order.case_id == case.pk and order.hotline_due_at.isoformat() == "2026-11-25T10:00:00+00:00"

    again = post(client, dict(reversed(list(ORDER.items()))))  # the same order, keys in another order
    assert again.status_code == 200 and again.json()["case_number"] == case.number
    assert again.json()["created"] is False
    changed = post(client, {**ORDER, "description": "改过的内容"})
    assert changed.status_code == 409 and changed.json()["code"] == "conflict"
    assert "已接收过" in changed.json()["detail"]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_bad_signatures_are_refused_in_chinese_and_nothing_is_stored(bridge, client):
    raw = json.dumps(ORDER).encode()
    wrong = client.post(URL, data=raw, content_type="application/json",
                        HTTP_X_GRIDGOV_SIGNATURE=sign("not-the-secret", raw))
    assert wrong.status_code == 403 and wrong.json() == {"code": "bad_signature", "detail": "签名不匹配。"}
    tampered = client.post(URL, data=raw.replace(b"0001", b"0002"), content_type="application/json",
                           HTTP_X_GRIDGOV_SIGNATURE=sign(SECRET, raw))
    assert tampered.json()["code"] == "bad_signature"
    stale = post(client, ORDER, timestamp=int(time.time()) - 301)
    assert stale.status_code == 403 and stale.json()["code"] == "stale_timestamp"
    unsigned = client.post(URL, data=raw, content_type="application/json")
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "missing_signature"
    assert post(client, ORDER, url="/api/hotline/999999/orders/").status_code == 404
    assert not Case.objects.exists() and not HotlineOrder.objects.exists()


@pytest.mark.django_db
def test_a_bad_order_is_a_400_naming_the_fields(bridge, client):
    response = post(client, {"order_number": "bad number!", "description": "", "lon": 500})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"order_number", "description", "lon"} <= set(errors)
    assert post(client, b"{not json").status_code == 400
    no_place = post(client, {**ORDER, "lon": None, "lat": None})
    assert no_place.status_code == 400 and "lon" in no_place.json()["errors"]
    outside = post(client, {**ORDER, "lon": 115.2, "lat": 35.7})  # another district
    assert outside.status_code == 400
    by_grid = post(client, {**ORDER, "lon": None, "lat": None, "grid_code": "410611002001001"})
    assert by_grid.status_code == 201 and Case.objects.get().grid.code == "410611002001001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_case(bridge):
    from integrations.api.serializers import HotlineOrderSerializer

    serializer = HotlineOrderSerializer(data=ORDER)
    assert serializer.is_valid()
    order = dict(serializer.validated_data)
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        try:
            barrier.wait()
            results[i] = actions.receive_hotline_order(bridge, order)
        except Exception as exc:  # noqa: BLE001 - the outcome is the point
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _order, created in results) == [False, True]
    assert results[0][0].case_id == results[1][0].case_id
    assert Case.objects.count() == 1 and HotlineOrder.objects.count() == 1


@pytest.mark.django_db
def test_progress_flows_back_to_the_hotline_without_the_caller(bridge, client, hooks):
    post(client, ORDER)
    case = Case.objects.get()
    assert not OutboxEvent.objects.exists()  # the report itself is the hotline's own news
    case_actions.accept(hooks.command, case, note="已受理，转街道办理")
    case_actions.supervise(hooks.leader, case, note="内部督办")  # internal: not sent
    case_actions.resolve(hooks.command, case, note="已协调施工方停止夜间施工")
    case_actions.callback(hooks.command, case, note="回访：群众满意", satisfied=True)
    events = list(OutboxEvent.objects.order_by("id"))
    assert [e.event_type for e in events] == ["hotline.update"] * 3
    accepted, closed, called = (e.payload for e in events)
    assert accepted["order_number"] == ORDER["order_number"] and accepted["case_number"] == case.number
    assert accepted["state"] == "accepted" and accepted["state_label"] == "已受理"
    assert accepted["note"] == "已受理，转街道办理" and accepted["action"] == "accept"
    assert closed["state"] == "closed" and closed["result"] == "已协调施工方停止夜间施工" and closed["closed_at"]
    assert called["action"] == "callback" and called["satisfied"] is True and called["note"] == "回访：群众满意"
    assert set(Delivery.objects.values_list("endpoint_id", flat=True)) == {bridge.pk}
    text = json.dumps([e.payload for e in events], ensure_ascii=False)
    assert "13900001111" not in text and "李华" not in text
