"""The signature scheme, both ways (after Stripe's): a header

    X-Gridgov-Signature: t=1763783333,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

where v1 is the hex HMAC-SHA256, keyed with the shared secret, of "<t>.<raw body bytes>". The
receiver recomputes it over the exact bytes received, compares in constant time and refuses a
timestamp too far from its clock (replays). Outbound webhooks and 12345 updates are signed with the
endpoint's secret; inbound 12345 orders must be signed the same way with the bridge's inbound secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Gridgov-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def parse(header: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    return timestamp, signatures


def verify(secret: str, body: bytes, header: str, *, max_skew: int, now: float | None = None) -> str:
    """"" when the signature is good; else an error code: "missing_signature", "bad_signature",
    "stale_timestamp"."""
    timestamp, signatures = parse(header)
    if timestamp is None or not signatures:
        return "missing_signature"
    if not secret:
        return "bad_signature"
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        return "bad_signature"
    now = time.time() if now is None else now
    if abs(now - timestamp) > max_skew:
        return "stale_timestamp"
    return ""
