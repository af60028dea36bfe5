import pytest
from django.core.management import call_command

from integrations.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_the_demo_bridge_and_subscriber_load_twice_with_their_fixed_secrets(cast):
    call_command("load_demo_integrations", "--district", "410611", stdout=None)
    call_command("load_demo_integrations", "--district", "410611", stdout=None)
    bridge = WebhookEndpoint.objects.get(kind="hotline")
    hook = WebhookEndpoint.objects.get(kind="webhook")
    assert WebhookEndpoint.objects.count() == 2
    assert bridge.hotline_secret == "demo-hotline-secret" and bridge.operator.username == "command"
    assert hook.signing_secret == "demo-webhook-secret" and len(hook.event_types) == 5
