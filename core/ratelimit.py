"""Per-client rate limits for the public endpoints, counted in the database so that every gunicorn
worker process shares the same counts.

A limit is written "N/period": N hits per second, minute, hour or day ("30/m", "1000/h", also
"100/5m" for five minutes); empty, "0" or "off" means no limit. The settings name the limits
(`RATE_LIMIT_PUBLIC`, `RATE_LIMIT_OPEN311`) and are read on every request.

Counting: each (scope, client) pair has one `core.RateLimitBucket` row per fixed window of the
period. A hit is allowed when the current window's count, plus the previous window's count weighted
by the share of it still inside a sliding period ending now, stays within N (the "sliding window
counter": no burst of 2N across a window boundary, two rows per client). The count goes up with an
atomic conditional upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE count < cap RETURNING count`),
the same on SQLite and PostgreSQL, so concurrent workers never let more than N through. A refused
hit is not counted, so `Retry-After` says truly when the next hit will pass. Rows hold a keyed hash
of the client (never the address or key itself) and are deleted when they expire.

The limiter fails open: if the database cannot count (locked, unavailable), the request goes
through and a warning is logged, so the limiter never turns into a 5xx of its own.

The client is `REMOTE_ADDR`, as everywhere in gridgov (docs/permissions.md); behind a reverse
proxy listed in TRUSTED_PROXIES, core.middleware.TrustedProxyMiddleware has put the client's
address there (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

logger = logging.getLogger("gridgov.ratelimit")

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*$")


@dataclass(frozen=True)
class Rate:
    limit: int  # hits allowed
    period: int  # per this many seconds


@dataclass(frozen=True)
class Limited:
    """A refused hit: the client may try again after `retry_after` seconds."""

    retry_after: int


@functools.lru_cache(maxsize=64)
def parse_rate(value) -> Rate | None:
    """"30/m" → Rate(30, 60); None, "", "0", "off" → None (no limit)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    match = RATE_RE.match(text)
    if not match:
        raise ImproperlyConfigured(f"Rate limit {value!r}: expected N/period, e.g. '30/m' or '1000/h'.")
    limit, multiple, unit = int(match[1]), int(match[2] or 1), match[3]
    if limit == 0:
        return None
    return Rate(limit, max(1, multiple) * UNITS[unit])


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR (the client behind a trusted proxy: TrustedProxyMiddleware); never a header the
    client chose."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _digest(scope: str, ident: str) -> str:
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, f"{scope}\0{ident}".encode(), hashlib.sha256).hexdigest()[:40]


def _retry_after(rate: Rate, previous: int, current: int, elapsed: float) -> int:
    """Seconds until one more hit fits, if nobody else hits meanwhile."""
    limit, period = rate.limit, rate.period
    if current + 1 <= limit and previous > 0:
        # later in this window, once enough of the previous window has slid out
        at = period * (1 - (limit - current - 1) / previous)
        if at < period:
            return max(1, math.ceil(at - elapsed))
    # in the next window, where this window becomes the previous one
    later = period * (1 - (limit - 1) / current) if current > 0 else 0.0
    return max(1, math.ceil(period - elapsed + max(0.0, later)))


def _upsert(key: str, cap: int, expires: int) -> int | None:
    """Count one hit in `key` unless the count has reached `cap`; the new count, or None."""
    from core.models import RateLimitBucket

    qn = connection.ops.quote_name
    table = qn(RateLimitBucket._meta.db_table)
    # only quoted names of our own table are formatted in; every value is a parameter
    sql = (
        f"INSERT INTO {table} ({qn('key')}, {qn('count')}, {qn('expires')}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({qn('key')}) DO UPDATE SET {qn('count')} = {table}.{qn('count')} + 1 "
        f"WHERE {table}.{qn('count')} < %s RETURNING {qn('count')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, expires, cap])
        row = cursor.fetchone()
    return row[0] if row else None


def hit(scope: str, ident: str, rate: Rate | str | None, *, now: float | None = None) -> Limited | None:
    """Count one hit of client `ident` on `scope`; None if allowed, else Limited (not counted)."""
    from core.models import RateLimitBucket

    if not isinstance(rate, Rate):
        rate = parse_rate(rate)
    if rate is None:
        return None
    now = time.time() if now is None else now
    window = int(now // rate.period)
    elapsed = now - window * rate.period
    base = f"{_digest(scope, ident)}:{rate.period}:"
    current_key, previous_key = f"{base}{window}", f"{base}{window - 1}"
    # inside a caller's transaction a failed statement must not poison it: use a savepoint
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            counts = dict(RateLimitBucket.objects.filter(key__in=[current_key, previous_key])
                          .values_list("key", "count"))
            previous, current = counts.get(previous_key, 0), counts.get(current_key, 0)
            cap = math.floor(rate.limit - previous * (1 - elapsed / rate.period) + 1e-9)
            counted = _upsert(current_key, cap, (window + 2) * rate.period) if cap > current else None
            if counted == 1:  # a new window: clear the windows that no longer matter
                RateLimitBucket.objects.filter(expires__lt=int(now)).delete()
    except DatabaseError:
        logger.warning("rate limit %s not counted (database error); let through", scope, exc_info=True)
        return None
    if counted is not None:
        return None
    return Limited(_retry_after(rate, previous, max(current, cap), elapsed))


def retry_message(limited: Limited) -> str:
    return gettext("Too many requests. Please wait %(seconds)d seconds and try again.") % {
        "seconds": limited.retry_after}


def too_many_requests(request: HttpRequest, limited: Limited) -> HttpResponse:
    """The default refusal: a small HTML page, 429, Retry-After."""
    title = gettext("Too many requests")
    body = format_html(
        '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title></head>'
        '<body><h1>{}</h1><p>{}</p></body></html>',
        get_language() or settings.LANGUAGE_CODE, title, title, retry_message(limited),
    )
    response = HttpResponse(body, status=429, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(limited.retry_after)
    response["Cache-Control"] = "private, no-store"
    return response


def ratelimit(scope: str, *, rate: str = "RATE_LIMIT_PUBLIC", methods: tuple[str, ...] | None = None,
              key: Callable[[HttpRequest], str] = client_ip,
              respond: Callable[[HttpRequest, Limited], HttpResponse] = too_many_requests):
    """Limit a view per client: `rate` names the setting holding the limit, `methods` the HTTP
    methods counted (all when None), `key` tells clients apart (the address), `respond` builds the
    429 response."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is None or request.method in methods:
                limited = hit(scope, key(request), getattr(settings, rate, None))
                if limited is not None:
                    return respond(request, limited)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
