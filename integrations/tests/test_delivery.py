"""The worker against a real local HTTP server: signed, delivered once, retried with backoff, failed
after the last attempt and shown so on the log page, a lease that expired is re-claimed."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import actions
from integrations.delivery import Outcome, backoff_seconds, claim, deliver_due, record
from integrations.models import Delivery, DeliveryAttempt
from integrations.signing import verify
from integrations.tests.conftest import filed_case, make_endpoint

pytestmark = pytest.mark.django_db


def later(seconds=86400):
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_it_delivers_signed_with_the_event_id_once(hooks, receiver):
    make_endpoint(hooks.district, receiver.url, event_types=["case.filed"], secret="whsec-abc")
    case = filed_case(hooks)
    assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert deliver_due(now=later()) == {"delivered": 0, "retrying": 0, "failed": 0}  # never again
    (request,) = receiver.requests
    headers = request["headers"]
    assert verify("whsec-abc", request["body"], headers["X-Gridgov-Signature"], max_skew=300) == ""
    delivery = Delivery.objects.select_related("event").get()
    assert headers["X-Gridgov-Event-Id"] == str(delivery.event.event_id) == request["json"]["id"]
    assert headers["X-Gridgov-Event-Type"] == "case.filed" == request["json"]["type"]
    assert request["json"]["data"]["case"]["number"] == case.number
    assert delivery.state == "delivered" and delivery.delivered_at and delivery.last_status == 200
    attempt = DeliveryAttempt.objects.get()
    assert attempt.succeeded and attempt.status_code == 200 and '"ok"' in attempt.response_excerpt


def test_a_500_is_retried_with_backoff_then_fails_and_the_log_shows_each_attempt(hooks, receiver, settings, client):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.status = 500
    endpoint = make_endpoint(hooks.district, receiver.url, event_types=["case.filed"])
    filed_case(hooks)
    before = timezone.now()
    assert deliver_due() == {"delivered": 0, "retrying": 1, "failed": 0}
    delivery = Delivery.objects.get()
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 30 <= wait <= 30 * 1.2 + 2, wait  # the first retry: base, plus jitter
    assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}  # not due yet
    assert deliver_due(now=later()) == {"delivered": 0, "retrying": 1, "failed": 0}
    delivery.refresh_from_db()
    assert 60 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 73  # doubled
    assert deliver_due(now=later(2 * 86400)) == {"delivered": 0, "retrying": 0, "failed": 1}
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 3 and delivery.last_status == 500
    assert len(receiver.requests) == 3
    assert deliver_due(now=later(3 * 86400)) == {"delivered": 0, "retrying": 0, "failed": 0}  # given up

    client.force_login(hooks.admin)
    page = client.get(f"/integrations/{endpoint.pk}/?state=failed").content.decode()
    assert "失败" in page and f"/integrations/deliveries/{delivery.pk}/" in page
    page = client.get(f"/integrations/deliveries/{delivery.pk}/").content.decode()
    assert page.count("<td>500</td>") == 3 and "重新投递" in page

    # redelivery, after a confirmation page: one more round, and the receiver now answers
    assert "重新投递" in client.get(f"/integrations/deliveries/{delivery.pk}/redeliver/").content.decode()
    receiver.status = 200
    response = client.post(f"/integrations/deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempt_log.count() == 4
    with pytest.raises(ValidationError):
        actions.redeliver(hooks.admin, delivery)  # a delivered one is never re-sent


def test_a_timeout_is_a_failed_attempt(hooks, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.delay = 0.6
    make_endpoint(hooks.district, receiver.url, event_types=["case.filed"])
    filed_case(hooks)
    assert deliver_due() == {"delivered": 0, "retrying": 1, "failed": 0}
    attempt = DeliveryAttempt.objects.get()
    assert not attempt.succeeded and attempt.status_code is None and "timed out" in attempt.error.lower()


def test_an_unreachable_endpoint_is_a_failed_attempt(hooks):
    make_endpoint(hooks.district, "http://127.0.0.1:9/closed", event_types=["case.filed"])
    filed_case(hooks)
    assert deliver_due() == {"delivered": 0, "retrying": 1, "failed": 0}
    assert DeliveryAttempt.objects.get().error


def test_the_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 100
    assert 10 <= backoff_seconds(1) <= 12
    assert 40 <= backoff_seconds(3) <= 48
    assert 100 <= backoff_seconds(9) <= 120


def test_an_expired_lease_is_reclaimed_and_the_success_recorded_once(hooks, settings):
    settings.WEBHOOK_LEASE_SECONDS = 60
    make_endpoint(hooks.district, "http://127.0.0.1:9/x", event_types=["case.filed"])
    filed_case(hooks)
    first, token1 = claim()
    assert claim() is None  # held by the first worker
    assert claim(now=later(30)) is None  # still within its lease
    second, token2 = claim(now=later(61))  # the first worker died: its lease expired
    assert second.pk == first.pk and token2 != token1 and second.attempts == 2
    ok = Outcome(status=200, ok=True, error="", excerpt="", duration_ms=5)
    record(second, token2, ok, timezone.now())
    delivered_at = Delivery.objects.get().delivered_at
    record(first, token1, ok, timezone.now())  # the first worker was only slow: it reports late
    delivery = Delivery.objects.get()
    assert delivery.state == "delivered" and delivery.delivered_at == delivered_at
    assert delivery.attempt_log.count() == 2
    assert claim(now=later(3600)) is None


def test_a_disabled_endpoint_gets_nothing_until_enabled(hooks, receiver):
    endpoint = make_endpoint(hooks.district, receiver.url, event_types=["case.filed"])
    filed_case(hooks)
    actions.set_endpoint_active(None, endpoint, False)
    assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}
    actions.set_endpoint_active(None, endpoint, True)
    assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    assert json.loads(receiver.requests[0]["body"])["type"] == "case.filed"


def test_the_background_job_delivers_and_requeues_once(hooks, receiver, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from integrations.tasks import deliver_webhooks_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_endpoint(hooks.district, receiver.url, event_types=["case.filed"])
    filed_case(hooks)
    call_command("deliver_webhooks", "--enqueue", stdout=None)
    call_command("deliver_webhooks", "--enqueue", stdout=None)  # every serve does; one chain only
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert deliver_webhooks_task.call(reschedule=True)["delivered"] == 1
    assert Delivery.objects.get().state == "delivered" and len(receiver.requests) == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # and the next run, queued for later
