"""Keeps the current request reachable for the audit log (client address only from REMOTE_ADDR),
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
