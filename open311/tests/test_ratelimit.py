"""core/ratelimit.py, and the limits on the public pages (QR report POST, tracking page) and on
Open311 (POST per address and per key, token lookups)."""

import re
import threading
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.test import Client

from cases.models import Case
from core import ratelimit
from core.models import RateLimitBucket
from core.ratelimit import Limited, Rate, hit, parse_rate
from open311.actions import create_client
from open311.tests.conftest import BASE, KEY, parse, report_data, xml_errors

T0 = 1_800_000_000.0  # the start of a 60-second window (1_800_000_000 is divisible by 60)


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- the limiter -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, rate", [
    ("30/m", Rate(30, 60)), ("30/min", Rate(30, 60)), ("5/s", Rate(5, 1)), ("1000/h", Rate(1000, 3600)),
    ("2/day", Rate(2, 86400)), ("100/5m", Rate(100, 300)), (" 7 / M ", Rate(7, 60)),
    ("", None), ("0", None), ("off", None), (None, None), ("0/m", None),
])
def test_rates_are_read_from_settings_text(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["30", "m/30", "30/week", "-1/m", "1.5/m"])
def test_a_wrong_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


@pytest.mark.django_db
def test_a_window_allows_the_limit_and_says_when_to_come_back():
    assert [hit("s", "1.2.3.4", "3/m", now=T0 + t) for t in (0, 1, 2)] == [None, None, None]
    refused = hit("s", "1.2.3.4", "3/m", now=T0 + 3)
    # the 3 hits of this window weigh 2/3 at 20 s into the next one: 2 + 1 new = 3 fits
    assert refused == Limited(retry_after=77)
    assert hit("s", "1.2.3.4", "3/m", now=T0 + 79) is not None  # one second early: still refused
    assert hit("s", "1.2.3.4", "3/m", now=T0 + 80) is None
    assert hit("s", "1.2.3.4", "3/m", now=T0 + 80.5) is not None


@pytest.mark.django_db
def test_the_window_slides_so_a_boundary_gives_no_double_burst():
    assert all(hit("s", "a", "4/m", now=T0 + 59) is None for _ in range(4))
    assert hit("s", "a", "4/m", now=T0 + 61) is not None  # not 4 more just after the boundary
    assert hit("s", "a", "4/m", now=T0 + 75) is None  # a quarter of the previous window has slid out
    assert hit("s", "a", "4/m", now=T0 + 76) is not None


@pytest.mark.django_db
def test_refused_hits_are_not_counted_and_clients_and_scopes_are_apart():
    assert hit("s", "a", "1/m", now=T0) is None
    for t in range(1, 30):
        assert hit("s", "a", "1/m", now=T0 + t) is not None
    assert hit("s", "a", "1/m", now=T0 + 120) is None  # hammering did not extend the wait
    assert hit("s", "b", "1/m", now=T0 + 1) is None
    assert hit("other", "a", "1/m", now=T0 + 1) is None
    assert hit("s", "a", None, now=T0 + 121) is None and hit("s", "a", "", now=T0 + 121) is None


@pytest.mark.django_db
def test_rows_hold_no_address_and_expire():
    hit("s", "203.0.113.9", "5/m", now=T0)
    hit("s", "203.0.113.9", "5/m", now=T0 + 1)
    [row] = RateLimitBucket.objects.all()
    assert row.count == 2 and "203.0.113.9" not in row.key and row.expires == T0 + 120
    hit("s", "203.0.113.10", "5/m", now=T0 + 200)  # a new window clears the expired ones
    assert RateLimitBucket.objects.count() == 1 and RateLimitBucket.objects.get().expires == T0 + 300


@pytest.mark.django_db
def test_the_limiter_lets_through_when_the_database_cannot_count(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(ratelimit, "_upsert", broken)
    assert hit("s", "a", "1/m", now=T0) is None and hit("s", "a", "1/m", now=T0) is None
    assert RateLimitBucket.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_connections_never_pass_the_limit():
    """Several workers at once (threads with their own database connections here): exactly the
    limit gets through."""
    results = []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                results.append(hit("race", "a", "10/h", now=T0 + 5))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 24
    assert sum(1 for r in results if r is None) == 10
    assert RateLimitBucket.objects.get().count == 10


# --- the public pages --------------------------------------------------------------------------


def qr_form(**kwargs) -> dict:
    data = {"category": "E0101", "description": "小区门口有一堆生活垃圾", "lon": "", "lat": "",
            "reporter_name": "", "reporter_phone": "", "idempotency_key": str(uuid.uuid4())}
    data.update(kwargs)
    return data


def assert_429_page(response):
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert 0 < seconds <= 120
    text = response.content.decode()
    assert has_chinese(text) and f"{seconds} 秒" in text and response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_the_qr_report_form_is_limited_per_address(o311, settings):
    settings.RATE_LIMIT_PUBLIC = "2/m"
    page = f"/r/{o311.grid_a11.code}/"
    client = Client()
    assert [client.post(page, qr_form()).status_code for _ in range(2)] == [200, 200]
    assert_429_page(client.post(page, qr_form()))
    assert Case.objects.count() == 2
    assert client.get(page).status_code == 200  # reading the form is not counted
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(page, qr_form()).status_code == 200
    # X-Forwarded-For is the client's own word and changes nothing
    assert_429_page(client.post(page, qr_form(), HTTP_X_FORWARDED_FOR="192.0.2.1"))


@pytest.mark.django_db
def test_the_tracking_page_is_limited_per_address(o311, settings):
    settings.RATE_LIMIT_PUBLIC = "3/m"
    client = Client()
    assert client.post(f"/r/{o311.grid_a11.code}/", qr_form()).status_code == 200
    code = Case.objects.get().tracking_code
    assert [client.get(f"/t/{code}/").status_code for _ in range(3)] == [200, 200, 200]
    assert_429_page(client.get(f"/t/{code}/"))
    assert_429_page(client.get("/t/ZZZZZZZZZZ/"))  # guessing codes is what the limit is for
    assert Client(REMOTE_ADDR="198.51.100.7").get(f"/t/{code}/").status_code == 200


@pytest.mark.django_db
def test_without_a_limit_nothing_is_refused(o311, settings):
    settings.RATE_LIMIT_PUBLIC = ""
    client = Client()
    assert {client.get("/t/ZZZZZZZZZZ/").status_code for _ in range(40)} == {404}
    assert RateLimitBucket.objects.count() == 0


# --- Open311 -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open311_posts_are_limited_per_address_with_the_error_body(geo, settings):
    settings.RATE_LIMIT_OPEN311 = "2/m"
    assert [geo.post("xml", **report_data()).status for _ in range(2)] == [201, 201]
    answer = geo.post("xml", **report_data())
    assert answer.status == 429
    [(code, description)] = xml_errors(answer.body)
    seconds = int(answer.response["Retry-After"])
    assert code == "429" and 0 < seconds <= 120 and f"{seconds} 秒" in description
    answer = geo.post("json", **report_data())
    assert answer.status == 429 and answer.body[0]["code"] == 429 and has_chinese(answer.body[0]["description"])
    assert Case.objects.count() == 2
    # reading is not limited
    assert geo.get("requests", "json").status == 200


@pytest.mark.django_db
def test_open311_posts_are_limited_per_key_across_addresses(geo, settings):
    settings.RATE_LIMIT_OPEN311 = "2/m"
    first, second = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    url = f"{BASE}/requests.json"
    assert first.post(url, {**report_data(), "api_key": KEY}).status_code == 201
    assert second.post(url, {**report_data(), "api_key": KEY}).status_code == 201
    response = second.post(url, {**report_data(), "api_key": KEY})  # this address's first... but the key's third
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    _client, other_key = create_client(None, name="另一个应用", key="another-key-0123456789")
    assert Client(REMOTE_ADDR="198.51.100.3").post(url, {**report_data(), "api_key": other_key}).status_code == 201


@pytest.mark.django_db
def test_guessing_keys_is_limited_per_address(geo, settings):
    settings.RATE_LIMIT_OPEN311 = "2/m"
    statuses = [geo.post("json", key=f"guess-{n:020d}", **report_data()).status for n in range(3)]
    assert statuses == [403, 403, 429]
    assert geo.post("json", **report_data()).status == 429  # the right key from the same address waits too


@pytest.mark.django_db
def test_token_lookups_are_limited_like_the_tracking_page(geo, settings):
    settings.RATE_LIMIT_PUBLIC = "2/m"
    token = geo.post("json", **report_data()).body[0]["token"]
    assert [geo.get(f"tokens/{token}", "json").status for _ in range(2)] == [200, 200]
    response = geo.client.get(f"{BASE}/tokens/{token}.xml")
    answer = parse(response, "xml")
    assert answer.status == 429 and xml_errors(answer.body)[0][0] == "429" and int(response["Retry-After"]) > 0
