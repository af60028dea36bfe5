"""Named version stamps (core.Counter): bumped in the changing transaction, read to know whether a
process-wide cache (the point → area index, the catalog, the working calendar) is still current.

Inside a request the stamps are read once, all together in one query, and kept for the rest of
that request (a bump in the request forgets them); outside a request every read asks the database.
"""

import secrets

from django.db.models import F

from core.middleware import request_memo
from core.models import Counter


def bump(name: str) -> None:
    """Increment a counter inside the caller's transaction."""
    token = secrets.token_hex(8)
    updated = Counter.objects.filter(name=name).update(value=F("value") + 1, token=token)
    if not updated:
        Counter.objects.get_or_create(name=name, defaults={"value": 1, "token": token})
    memo = request_memo()
    if memo is not None:
        memo.pop("counters", None)


def _stamp(row) -> str:
    return f"{row[0]}:{row[1]}" if row else "0:"


def read(name: str) -> str:
    """A version stamp: differs after every bump, even one whose value a rollback made repeat."""
    memo = request_memo()
    if memo is None:
        return _stamp(Counter.objects.filter(name=name).values_list("value", "token").first())
    stamps = memo.get("counters")
    if stamps is None:
        stamps = memo["counters"] = {n: _stamp((v, t)) for n, v, t in
                                     Counter.objects.values_list("name", "value", "token")}
    return stamps.get(name, "0:")


class StampedCache:
    """A per-process map whose entries hold while a counter's stamp (and, if `daily`, the date)
    stay the same: the next read after a bump loads again. At most `size` entries are kept."""

    def __init__(self, counter: str, *, daily: bool = False, size: int = 4096):
        self.counter, self.daily, self.size = counter, daily, size
        self._entries: dict = {}
        self._stamp = None

    def get(self, key, load):
        stamp = read(self.counter)
        if self.daily:
            from django.utils import timezone

            stamp = (stamp, timezone.localdate())
        if stamp != self._stamp:
            self._entries, self._stamp = {}, stamp
        entries = self._entries
        try:
            return entries[key]
        except KeyError:
            pass
        value = load()
        if len(entries) >= self.size:
            entries.clear()
        entries[key] = value
        return value
