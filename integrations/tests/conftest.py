"""A real local HTTP receiver (http.server in a thread) and the cast with the catalog and endpoints."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest


class Receiver:
    """Records every request; answers `status` after `delay` seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body,
                                              "json": json.loads(body or b"null"), "path": self.path})
                    status, delay = receiver.status, receiver.delay
                if delay:
                    time.sleep(delay)
                out = b'{"ok": true}' if status < 300 else b"server error"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the sender gave up (timeout) or was killed

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def event_ids(self) -> list[str]:
        with self.lock:
            return [r["headers"]["X-Gridgov-Event-Id"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def hooks(cast):
    """The cast, the catalog, and a second district (410612) with its own command center."""
    from accounts.actions import create_user, grant_role
    from areas.actions import create_area
    from cases.catalog import load_default_catalog
    from conftest import PASSWORD, square

    load_default_catalog()
    other = create_area(None, name="外区", level="district", code="410612", official_code=True,
                        boundary=square(115.0, 35.5, 115.5, 36.0))
    user = create_user(None, username="command_other", password=PASSWORD, full_name="command_other")
    grant_role(None, user=user, role="district_command", area=other)
    cast.users["command_other"] = user
    cast.other_district = other
    return cast


def make_endpoint(area, url, *, event_types=("case.filed",), kind="webhook", secret="whsec-test", operator=None,
                  inbound_secret="", name="测试订阅"):
    from integrations.actions import create_endpoint

    endpoint, _ = create_endpoint(None, area=area, name=name, url=url, kind=kind, event_types=event_types,
                                  secret=secret, operator=operator, inbound_secret=inbound_secret)
    return endpoint


def new_case(cast):
    from cases import actions

    case, _ = actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                  description="路边垃圾堆放", lon=114.07, lat=35.6)
    return case


def filed_case(cast):
    from cases import actions

    case = new_case(cast)
    actions.accept(cast.command, case)
    return actions.file(cast.command, case)


@pytest.fixture
def photo(settings, tmp_path):
    from cases.tests.conftest import make_photo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    return make_photo
