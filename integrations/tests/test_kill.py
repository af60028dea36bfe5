"""The delivery worker SIGKILLed mid-batch (a real subprocess, `manage.py deliver_webhooks --once`,
on the test database), then run again: every event reaches the receiver, each delivery is recorded
delivered exactly once, and a re-send, if any, is only of the delivery in flight at the kill,
carrying the same event id."""

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from integrations import outbox
from integrations.delivery import deliver_due
from integrations.models import Delivery, DeliveryAttempt
from integrations.tests.conftest import make_endpoint, new_case

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 8


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_a_worker_killed_mid_batch_loses_nothing_and_records_each_delivery_once(hooks, receiver):
    endpoint = make_endpoint(hooks.district, receiver.url, event_types=["case.filed"])
    case = new_case(hooks)
    events = [outbox.write("case.filed", case, {"case": {"number": case.number, "n": i}}, [endpoint.pk])
              for i in range(EVENTS)]
    receiver.delay = 0.4  # slow: the kill lands while a request is in flight
    env = {**os.environ, "DATABASE_URL": database_url(), "WEBHOOK_LEASE_SECONDS": "1",
           "WEBHOOK_TIMEOUT_SECONDS": "5"}
    worker = subprocess.Popen([sys.executable, "manage.py", "deliver_webhooks", "--once"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
        while len(receiver.requests) < 3 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.02)
        time.sleep(0.2)  # mid-request
        assert worker.poll() is None and len(receiver.requests) >= 3, (worker.poll(), len(receiver.requests))
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    received_before = len(receiver.requests)
    assert 3 <= received_before < EVENTS  # the batch was cut short
    delivered_at_kill = set(Delivery.objects.filter(state="delivered").values_list("pk", flat=True))
    in_flight = list(Delivery.objects.filter(state="in_flight").values_list("event__event_id", flat=True))
    assert len(in_flight) <= 1

    time.sleep(1.1)  # the killed worker's lease runs out
    receiver.delay = 0
    result = deliver_due()
    assert result["failed"] == 0 and result["retrying"] == 0

    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == EVENTS and all(d.state == "delivered" and d.delivered_at for d in deliveries)
    for d in deliveries:  # the success of each delivery is recorded once
        assert DeliveryAttempt.objects.filter(delivery=d, succeeded=True).count() == 1, d.pk
    assert result["delivered"] == EVENTS - len(delivered_at_kill)
    seen = collections.Counter(receiver.event_ids())
    assert set(seen) == {str(e.event_id) for e in events}  # every event reached the receiver
    repeated = {event_id for event_id, n in seen.items() if n > 1}
    assert repeated <= {str(e) for e in in_flight} and all(n <= 2 for n in seen.values()), seen
