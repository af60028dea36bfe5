"""Keeps the current request reachable for the audit log (client address from REMOTE_ADDR),
and a per-request memo for what is read once per request (core.counters)."""

import threading

_local = threading.local()


def current_request():
    return getattr(_local, "request", None)


def request_memo() -> dict | None:
    """A dict that lives as long as the current request; None outside a request."""
    return getattr(_local, "memo", None)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _local.request = request
        _local.memo = {}
        try:
            return self.get_response(request)
        finally:
            _local.request = None
            _local.memo = None


class TrustedProxyMiddleware:
    """Behind a reverse proxy, the client's address from X-Forwarded-For — only when the peer is
    one of settings.TRUSTED_PROXIES (addresses or networks; empty by default, so nothing changes).

    The header is read right to left: each proxy appends the address it saw, so the rightmost
    address that is not itself a trusted proxy is the client; anything to its left was written by
    the client and is ignored. A malformed entry stops the walk at the last trusted hop's client
    — the peer's own word is never replaced by a string that is not an address. The result goes into
    REMOTE_ADDR before anything reads it (login lockout, rate limits, the audit log); the proxy's
    own address is kept in META["GRIDGOV_PROXY_ADDR"]."""

    def __init__(self, get_response):
        import ipaddress

        from django.conf import settings

        self.get_response = get_response
        self._ip = ipaddress.ip_address
        self.networks = [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]

    def trusted(self, address) -> bool:
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded: str) -> str:
        try:
            hop = self._ip(peer)
        except ValueError:
            return peer
        if not self.trusted(hop):
            return peer
        client = peer
        for entry in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            try:
                address = self._ip(entry)
            except ValueError:
                break
            client = str(address)
            if not self.trusted(address):
                break
        return client

    def __call__(self, request):
        if self.networks:
            peer = request.META.get("REMOTE_ADDR", "")
            client = self.client(peer, request.META.get("HTTP_X_FORWARDED_FOR", ""))
            if client != peer:
                request.META["GRIDGOV_PROXY_ADDR"] = peer
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
