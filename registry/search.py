"""One search box for people: name, pinyin or initials, a full id number (blind index), the last 4
digits of a phone, a full phone, a name prefix (one or two characters), a fragment of a name or
an address (three characters or more) — always within the user's scope, always
audited (the kind of key and the records returned, never the key itself)."""

from __future__ import annotations

import re

from django.db.models import Q
from django.db.models.functions import Lower

from core import crypto
from registry.models import Person

ID_RE = re.compile(r"^[0-9]{17}[0-9Xx]$")
PHONE_RE = re.compile(r"^1[0-9]{10}$|^0[0-9]{9,11}$")
TAIL_RE = re.compile(r"^[0-9]{4}$")
LATIN_RE = re.compile(r"^[A-Za-z ]+$")
TRIGRAM = 3  # the shortest text a trigram index serves
DOCUMENT_RE = re.compile(r"^(?=.*[0-9])[A-Za-z0-9]{5,20}$")


def classify(query: str) -> str:
    query = query.strip()
    if ID_RE.match(query):
        return "id_number"
    if PHONE_RE.match(query):
        return "phone"
    if TAIL_RE.match(query):
        return "phone_tail"
    if DOCUMENT_RE.match(query):
        return "document"  # passports and permits: the same blind index as identity cards
    if LATIN_RE.match(query):
        return "pinyin"
    return "text"


def _by_pinyin(people, latin: str, limit: int) -> list[Person]:
    """Initials or pinyin starting with `latin`, in pinyin order (拼音排序), at most `limit`.

    Two small queries, not one with OR: each walks one index in pinyin order — the pinyin prefix as
    a range on name_pinyin's own index, which also gives the order, so a short key such as "zh"
    (张, 赵, 周… a seventh of all residents) stops at the first `limit` rows in scope instead of
    sorting a hundred thousand; the initials range is found through its index and its few matches
    sorted. Then the two first pages merge."""
    end = latin[:-1] + chr(ord(latin[-1]) + 1)  # lowercase ASCII: a range is the prefix
    order = ("name_pinyin", "id")
    first = [*people.filter(name_pinyin__gte=latin, name_pinyin__lt=end).order_by(*order)
             .values_list(*order)[:limit],
             # Lower(): the same order, but not name_pinyin's index — walking it in order for a
             # rare pair of initials reads most of the index before the first match
             *people.filter(name_initials__gte=latin, name_initials__lt=end).order_by(Lower("name_pinyin"), "id")
             .values_list(*order)[:limit]]
    ids = [pk for _pinyin, pk in sorted(set(first))[:limit]]
    return list(Person.objects.filter(pk__in=ids).select_related("grid", "dwelling").order_by(*order))


def search_people(user, query: str, *, limit: int = 50, audit: bool = True):
    """(kind of key, matching people in scope, ordered by name — by pinyin for latin keys), at
    most `limit`."""
    from registry.actions import audit_search

    query = (query or "").strip()[:100]
    people = Person.objects.restrict(user).filter(moved_out_on__isnull=True)
    if not query:
        return "empty", people.none()
    kind = classify(query)
    if kind in ("id_number", "document"):
        q = Q(id_number_index=crypto.blind_index(f"id:{query.upper()}"))
    elif kind == "phone":
        q = Q(phone_index=crypto.blind_index(f"phone:{query}"))
    elif kind == "phone_tail":
        # four digits: a phone's last four, or a room number in an address
        q = Q(phone_tail_index=crypto.blind_index(f"tail:{query}")) | Q(address_text__contains=query)
    elif kind == "pinyin":
        results = _by_pinyin(people, query.replace(" ", "").lower(), limit)
        if audit:
            audit_search(user, kind, [p.pk for p in results])
        return kind, results
    elif len(query) < TRIGRAM:
        # one or two characters: a surname, a surname and the first given character, or a
        # two-character name — a name prefix (the name's pattern index); too short for addresses
        q = Q(name__startswith=query)
    else:
        # three or more: anywhere in the name or the address (trigram indexes on PostgreSQL)
        q = Q(name__contains=query) | Q(address_text__contains=query)
    # sorted by Lower(name), which no index gives: the planner finds the matches through the
    # indexes first and sorts the few, instead of walking the whole name index in order and
    # filtering (seconds when the key is rare in a street of 250,000)
    results = list(people.filter(q).select_related("grid", "dwelling").order_by(Lower("name"), "id")[:limit])
    if audit:
        audit_search(user, kind, [p.pk for p in results])
    return kind, results
