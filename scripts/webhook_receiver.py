#!/usr/bin/env python3
"""A tiny webhook receiver for the demo (standard library only): verifies X-Gridgov-Signature,
drops repeats by X-Gridgov-Event-Id, prints each event, answers 200 (401 on a bad signature).

    python3 scripts/webhook_receiver.py --port 8765 --secret demo-webhook-secret \
        --secret demo-hotline-outbound-secret

The demo's endpoints (manage.py load_demo_integrations) POST to 127.0.0.1:8765. docs/webhooks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.server
import json
import time

MAX_SKEW = 300


def verify(secret: str, body: bytes, header: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", action="append", default=[], help="a signing secret (repeatable)")
    args = parser.parse_args()
    secrets = args.secret or ["demo-webhook-secret", "demo-hotline-outbound-secret"]
    seen: set[str] = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            signature = self.headers.get("X-Gridgov-Signature", "")
            if not any(verify(s, body, signature) for s in secrets):
                self.send_response(401)
                self.end_headers()
                print("refused: bad signature", flush=True)
                return
            event_id = self.headers.get("X-Gridgov-Event-Id", "")
            repeat = event_id in seen
            seen.add(event_id)
            event = json.loads(body)
            print(f"{'(repeat) ' if repeat else ''}{self.path} {event['type']} {event_id}: "
                  f"{json.dumps(event['data'], ensure_ascii=False)}", flush=True)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args):
            pass

    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
