"""The API token → user cache (core.api.authentication): a cached request asks nothing about the
token, and a replaced token, a deactivated user or a deleted user is refused on the very next
request, in every process (the counter stamp is in the database)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.actions import issue_api_token
from core.api import authentication


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _forget_process_cache():
    """What another process (a second gunicorn worker) starts from: an empty cache."""
    authentication._TOKENS._entries, authentication._TOKENS._stamp = {}, None


@pytest.mark.django_db
def test_a_cached_token_runs_no_token_query(cast):
    key = Token.objects.create(user=cast.officer_a).key
    client = _client(key)
    assert client.get("/api/areas/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/areas/").status_code == 200
    assert not [q for q in queries.captured_queries if "authtoken_token" in q["sql"]]
    _forget_process_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/areas/").status_code == 200
    assert [q for q in queries.captured_queries if "authtoken_token" in q["sql"]]


@pytest.mark.django_db
def test_a_replaced_token_is_refused_at_once(cast):
    old = Token.objects.create(user=cast.officer_a).key
    assert _client(old).get("/api/areas/").status_code == 200  # cached now
    new = issue_api_token(cast.admin, cast.officer_a)
    assert _client(old).get("/api/areas/").status_code == 401
    assert _client(new).get("/api/areas/").status_code == 200


@pytest.mark.django_db
def test_a_deactivated_or_deleted_user_is_refused_at_once(cast):
    key = Token.objects.create(user=cast.officer_a).key
    assert _client(key).get("/api/areas/").status_code == 200
    cast.officer_a.is_active = False
    cast.officer_a.save()
    assert _client(key).get("/api/areas/").status_code == 401
    cast.officer_a.is_active = True
    cast.officer_a.save()
    assert _client(key).get("/api/areas/").status_code == 200
    other = Token.objects.create(user=cast.officer_b).key
    assert _client(other).get("/api/areas/").status_code == 200
    Token.objects.filter(key=other).delete()
    assert _client(other).get("/api/areas/").status_code == 401


@pytest.mark.django_db
def test_nothing_a_request_sets_on_the_user_leaks_into_the_next(cast):
    """Each request gets its own User instance: the scope cached on one is not on the next."""
    key = Token.objects.create(user=cast.officer_a).key
    seen = []
    found = authentication._TOKENS.get(key, lambda: authentication._load(key))
    auth = authentication.CachedTokenAuthentication()
    for _ in range(2):
        user, _key = auth.authenticate_credentials(key)
        seen.append(user)
        user._gridgov_scope = "set during a request"
    assert seen[0] is not seen[1] and found is not None
    assert seen[0].pk == seen[1].pk == cast.officer_a.pk
