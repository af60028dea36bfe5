"""The demo's integrations: a 12345 bridge and one webhook subscriber for the demo district, both
pointing at scripts/webhook_receiver.py on 127.0.0.1:8765 (start it to see deliveries succeed; until
then the delivery log shows the retries). Fixed demo secrets, so docs/webhooks.md's curl examples
work against `make demo`. Safe to run again."""

from __future__ import annotations

import os

from django.db import transaction

from accounts.models import User
from areas.models import Area
from core.crypto import encrypt
from integrations.actions import create_endpoint
from integrations.choices import EndpointKind, EventType
from integrations.models import WebhookEndpoint

DEMO_RECEIVER = os.environ.get("DEMO_WEBHOOK_RECEIVER", "http://127.0.0.1:8765")
DEMO_HOTLINE_INBOUND_SECRET = "demo-hotline-secret"
DEMO_HOTLINE_OUTBOUND_SECRET = "demo-hotline-outbound-secret"
DEMO_WEBHOOK_SECRET = "demo-webhook-secret"


def load_demo_integrations(district_code: str) -> list[WebhookEndpoint]:
    district = Area.objects.get(code=district_code, level="district")
    operator = User.objects.filter(username="command").first()
    wanted = [
        dict(kind=EndpointKind.HOTLINE, name="12345 政务服务便民热线", url=f"{DEMO_RECEIVER}/12345",
             event_types=[], operator=operator, secret=DEMO_HOTLINE_OUTBOUND_SECRET,
             inbound_secret=DEMO_HOTLINE_INBOUND_SECRET),
        dict(kind=EndpointKind.WEBHOOK, name="市城市运行管理平台（演示）", url=f"{DEMO_RECEIVER}/hooks",
             event_types=list(EventType.values), operator=None, secret=DEMO_WEBHOOK_SECRET, inbound_secret=""),
    ]
    endpoints = []
    with transaction.atomic():
        for spec in wanted:
            existing = WebhookEndpoint.objects.filter(district_code=district.code, kind=spec["kind"],
                                                      name=spec["name"]).first()
            if existing is None:
                existing, _ = create_endpoint(None, area=district, **spec)
            else:  # the demo's fixed secrets and address again
                existing.url = spec["url"]
                existing.secret = encrypt(spec["secret"])
                existing.inbound_secret = encrypt(spec["inbound_secret"]) if spec["inbound_secret"] else ""
                existing.save(update_fields=["url", "secret", "inbound_secret", "updated_at"])
            endpoints.append(existing)
    return endpoints
