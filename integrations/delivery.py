"""The delivery worker: claim a due delivery, send it outside any transaction, record the outcome.

- **Claim** (one short transaction): the oldest due delivery — pending with `next_attempt_at` past,
  or in flight with an expired lease (its worker died) — of an active endpoint is locked with
  `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (on SQLite every transaction is BEGIN IMMEDIATE,
  so claims are serialized), marked in flight with a lease (`claimed_until`) and a fresh
  `claim_token`, and its attempt counted. Two workers never hold the same delivery at once.
- **Send**: an HTTP POST with a short timeout, no redirects followed, after the claim committed.
- **Record** (one short transaction): the delivery row is locked again and one `DeliveryAttempt`
  written. A 2xx marks it delivered — once: a delivered row is never claimed or changed again. A
  failure schedules the next attempt (exponential backoff with jitter) or, after
  WEBHOOK_MAX_ATTEMPTS, marks it failed. A worker whose lease expired (another worker has re-claimed
  the delivery) only records its attempt, or the success if it had one.

On the wire this is at-least-once: a worker killed between the receiver's 2xx and the recording
commit leaves the delivery in flight; after the lease it is sent again with the same event id
(header X-Gridgov-Event-Id), which receivers use to drop the repeat. In our books it is exactly
once: one delivered row per (event, endpoint), its success recorded once.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.choices import DeliveryState
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from integrations.outbox import iso
from integrations.signing import SIGNATURE_HEADER, sign

USER_AGENT = "gridgov-webhooks/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer (a failure), never followed


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Outcome:
    status: int | None
    ok: bool
    error: str
    excerpt: str
    duration_ms: int


def body_of(delivery: Delivery) -> bytes:
    """The JSON sent for a delivery: the event envelope, the same bytes for every attempt."""
    event = delivery.event
    envelope = {"id": str(event.event_id), "type": event.event_type, "created_at": iso(event.created_at),
                "data": event.payload}
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff_seconds(attempts: int) -> float:
    """Wait after the n-th failed attempt: base × 2^(n-1), capped, plus up to 20 % jitter."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return min(base, settings.WEBHOOK_RETRY_MAX_SECONDS) * (1 + random.random() * 0.2)


def claim(now=None, exclude=()) -> tuple[Delivery, str] | None:
    """Claim the oldest due delivery (not one of `exclude`, those this pass has tried already);
    returns it (with event and endpoint) and the claim token."""
    now = now or timezone.now()
    active = WebhookEndpoint.objects.filter(is_active=True).values("id")
    with transaction.atomic():
        due = (Delivery.objects.filter(endpoint_id__in=active, next_attempt_at__lte=now)
               .filter(Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.IN_FLIGHT, claimed_until__lt=now))
               .exclude(pk__in=list(exclude)).order_by("next_attempt_at", "id"))
        pk = due.select_for_update(skip_locked=True).values_list("id", flat=True).first()
        if pk is None:
            return None
        token = uuid.uuid4().hex
        Delivery.objects.filter(pk=pk).update(
            state=DeliveryState.IN_FLIGHT, claim_token=token, attempts=F("attempts") + 1,
            claimed_until=now + dt.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS))
    return Delivery.objects.select_related("event", "endpoint").get(pk=pk), token


def send(delivery: Delivery) -> Outcome:
    body = body_of(delivery)
    endpoint = delivery.endpoint
    if not endpoint.url.startswith(("http://", "https://")):
        return Outcome(status=None, ok=False, error="not an http(s) URL", excerpt="", duration_ms=0)
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(endpoint.signing_secret, body),
        "X-Gridgov-Event-Id": str(delivery.event.event_id),
        "X-Gridgov-Event-Type": delivery.event.event_type,
        "X-Gridgov-Delivery-Attempt": str(delivery.attempts),
    })
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) checked above
            status = response.status
            excerpt = response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            excerpt = exc.read(500).decode("utf-8", "replace")
        except OSError:
            excerpt = ""
        error = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"{type(exc).__name__}: {reason}"[:300]
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    return Outcome(status=status, ok=ok, error="" if ok else (error or f"HTTP {status}"), excerpt=excerpt[:500],
                   duration_ms=duration_ms)


def record(delivery: Delivery, token: str, outcome: Outcome, started_at, now=None) -> Delivery:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        DeliveryAttempt.objects.create(
            delivery=locked, number=locked.attempt_log.count() + 1, started_at=started_at,
            duration_ms=outcome.duration_ms, status_code=outcome.status, succeeded=outcome.ok,
            error=outcome.error[:300], response_excerpt=outcome.excerpt)
        if locked.state in (DeliveryState.DELIVERED, DeliveryState.FAILED):
            return locked  # recorded already (a worker whose lease expired finishing late)
        locked.last_status = outcome.status
        locked.last_error = outcome.error[:300]
        if outcome.ok:
            locked.state = DeliveryState.DELIVERED
            locked.delivered_at = now
            locked.claimed_until = None
        elif locked.claim_token != token:
            pass  # another worker holds it now and decides what comes next
        elif locked.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            locked.state = DeliveryState.FAILED
            locked.claimed_until = None
        else:
            locked.state = DeliveryState.PENDING
            locked.claimed_until = None
            locked.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(locked.attempts))
        locked.save(update_fields=["state", "delivered_at", "claimed_until", "next_attempt_at", "last_status",
                                   "last_error"])
    return locked


def deliver_due(limit: int = 100, now=None) -> dict:
    """Work through up to `limit` due deliveries, one at a time, each at most once per pass;
    returns what happened."""
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    tried: list[int] = []
    for _ in range(limit):
        claimed = claim(now, tried)
        if claimed is None:
            break
        delivery, token = claimed
        tried.append(delivery.pk)
        started_at = timezone.now()
        outcome = send(delivery)
        result = record(delivery, token, outcome, started_at)
        key = {"delivered": "delivered", "failed": "failed"}.get(result.state, "retrying")
        counts[key] += 1
    return counts
