"""TRUSTED_PROXIES: the client address from X-Forwarded-For, only when a trusted proxy sent it."""

import pytest
from django.test import Client, override_settings

from conftest import PASSWORD
from core.middleware import TrustedProxyMiddleware
from core.models import AuditLog


def middleware(*trusted):
    with override_settings(TRUSTED_PROXIES=list(trusted)):
        return TrustedProxyMiddleware(lambda request: None)


@pytest.mark.parametrize("trusted, peer, forwarded, client", [
    ((), "127.0.0.1", "203.0.113.9", "127.0.0.1"),                              # nothing trusted: the peer
    (("127.0.0.1",), "198.51.100.1", "203.0.113.9", "198.51.100.1"),            # an untrusted peer's header is ignored
    (("127.0.0.1",), "127.0.0.1", "203.0.113.9", "203.0.113.9"),                # one proxy
    (("127.0.0.1",), "127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),       # the client's own prefix is ignored
    (("127.0.0.1", "10.0.0.0/8"), "127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9"),  # two proxies
    (("127.0.0.1", "10.0.0.0/8"), "127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9"),  # all trusted: the leftmost
    (("127.0.0.1",), "127.0.0.1", "", "127.0.0.1"),                             # no header
    (("127.0.0.1",), "127.0.0.1", "not-an-address", "127.0.0.1"),               # garbage never becomes the client
    (("127.0.0.1", "10.0.0.0/8"), "127.0.0.1", "203.0.113.9, junk, 10.1.2.3", "10.1.2.3"),
    (("::1",), "::1", "2001:db8::7", "2001:db8::7"),
])
def test_the_client_is_the_rightmost_untrusted_hop(trusted, peer, forwarded, client):
    assert middleware(*trusted).client(peer, forwarded) == client


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_audit_log_and_rate_limits_see_the_client(cast, settings):
    settings.RATE_LIMIT_PUBLIC = "1/m"
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        proxy = Client(REMOTE_ADDR="127.0.0.1")
        response = proxy.post("/accounts/login/", {"username": "officer_a", "password": PASSWORD},
                              HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert response.status_code == 302
        assert AuditLog.objects.get(action="auth.login", actor=cast.officer_a).ip == "203.0.113.9"
        # two clients behind the one proxy have a count each
        assert proxy.get("/t/ZZZZZZZZZZ/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 404
        assert proxy.get("/t/ZZZZZZZZZZ/", HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 404
        assert proxy.get("/t/ZZZZZZZZZZ/", HTTP_X_FORWARDED_FOR="203.0.113.1").status_code == 429
    # without the setting the header is the client's own word: one count for the peer
    direct = Client(REMOTE_ADDR="198.51.100.5")
    assert direct.get("/t/ZZZZZZZZZZ/", HTTP_X_FORWARDED_FOR="203.0.113.3").status_code == 404
    assert direct.get("/t/ZZZZZZZZZZ/", HTTP_X_FORWARDED_FOR="203.0.113.4").status_code == 429
    direct.post("/accounts/login/", {"username": "officer_b", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AuditLog.objects.get(action="auth.login", actor=cast.officer_b).ip == "198.51.100.5"
