"""Scope: endpoints and deliveries are seen and managed by holders of `integration.change` in the
endpoint's district (system admin, district command center); everyone else gets an empty list or a
404, a user of another district included. Pages: create, edit, disable/enable, audited."""

import pytest

from core.models import AuditLog
from integrations.models import Delivery, WebhookEndpoint
from integrations.tests.conftest import filed_case, make_endpoint

pytestmark = pytest.mark.django_db

MANAGERS = {"admin", "command"}
PERSONAS = ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
            "worker_b11", "handler_cg", "handler_bcg", "stranger", "command_other"]


@pytest.fixture
def wired(hooks):
    ours = make_endpoint(hooks.district, "http://127.0.0.1:9/ours", event_types=["case.filed"], name="本区订阅")
    theirs = make_endpoint(hooks.other_district, "http://127.0.0.1:9/theirs", event_types=["case.filed"],
                           name="外区订阅")
    filed_case(hooks)
    hooks.ours, hooks.theirs = ours, theirs
    hooks.delivery = Delivery.objects.get(endpoint=ours)
    return hooks


def test_every_api_endpoint_is_scoped(wired, api):
    for persona in PERSONAS:
        check_api(wired, api(persona), persona)


def check_api(wired, client, persona):
    expected_ours = persona in MANAGERS
    names = {e["name"] for e in client.get("/api/webhooks/").json()["results"]}
    deliveries = {d["id"] for d in client.get("/api/webhook-deliveries/").json()["results"]}
    detail = client.get(f"/api/webhooks/{wired.ours.pk}/")
    delivery = client.get(f"/api/webhook-deliveries/{wired.delivery.pk}/")
    patch = client.patch(f"/api/webhooks/{wired.ours.pk}/", {"name": "本区订阅"}, format="json")
    redeliver = client.post(f"/api/webhook-deliveries/{wired.delivery.pk}/redeliver/")
    if expected_ours:
        assert names == {"本区订阅"}
        assert deliveries == {wired.delivery.pk}
        assert detail.status_code == 200 and delivery.status_code == 200 and patch.status_code == 200
        assert redeliver.status_code == 400  # pending, not failed: nothing to redeliver
    else:
        assert names <= {"外区订阅"} and (names == {"外区订阅"}) == (persona == "command_other")
        assert deliveries == set()
        assert {detail.status_code, delivery.status_code, patch.status_code, redeliver.status_code} == {404}
        put = client.put(f"/api/webhooks/{wired.ours.pk}/", {"name": "越界", "url": "http://127.0.0.1:9/",
                                                               "event_types": ["case.filed"]}, format="json")
        assert put.status_code == 404, (persona, put.status_code)
    assert client.get(f"/api/webhooks/{wired.theirs.pk}/").status_code == (200 if persona == "command_other"
                                                                          else 404)


def test_the_api_creates_an_endpoint_with_a_generated_secret_shown_once(wired, api):
    client = api("command")
    response = client.post("/api/webhooks/", {"name": "新订阅", "url": "https://example.org/hook",
                                              "event_types": ["case.closed", "case.rated"]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["district"] == "410611" and len(body["generated_secrets"]["secret"]) > 30
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.signing_secret == body["generated_secrets"]["secret"]
    assert body["generated_secrets"]["secret"] not in endpoint.secret  # encrypted at rest
    assert "secret" not in client.get(f"/api/webhooks/{endpoint.pk}/").json()
    bad = client.post("/api/webhooks/", {"name": "x", "url": "ftp://example.org", "event_types": []}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()
    other = client.post("/api/webhooks/", {"name": "越权", "url": "https://example.org/x", "district": "410612",
                                           "event_types": ["case.filed"]}, format="json")
    assert other.status_code == 400 and "district" in other.json()
    assert api("officer_a").post("/api/webhooks/", {"name": "x", "url": "https://example.org/x",
                                                    "event_types": ["case.filed"]}, format="json").status_code == 400


def test_every_page_is_scoped(wired, client):
    for persona in PERSONAS:
        client.force_login(wired.users[persona])
        check_pages(wired, client, persona)


def check_pages(wired, client, persona):
    manager = persona in MANAGERS
    urls = [f"/integrations/{wired.ours.pk}/", f"/integrations/{wired.ours.pk}/edit/",
            f"/integrations/{wired.ours.pk}/toggle/", f"/integrations/deliveries/{wired.delivery.pk}/",
            f"/integrations/deliveries/{wired.delivery.pk}/redeliver/",
            f"/integrations/events/{wired.delivery.event_id}/"]
    for url in urls:
        assert client.get(url).status_code == (200 if manager else 404), url
    listing = client.get("/integrations/")
    if manager:
        assert "本区订阅" in listing.content.decode() and "外区订阅" not in listing.content.decode()
    elif persona == "command_other":
        assert "外区订阅" in listing.content.decode() and "本区订阅" not in listing.content.decode()
    else:
        assert listing.status_code == 403


def test_the_pages_create_edit_disable_and_enable_an_endpoint_audited(wired, client):
    client.force_login(wired.admin)
    new = client.get("/integrations/new/")
    assert new.status_code == 200 and "新建接收端" in new.content.decode()
    bad = client.post("/integrations/new/", {"name": "坏地址", "kind": "webhook", "district": wired.district.pk,
                                             "url": "notaurl", "event_types": ["case.filed"]})
    assert bad.status_code == 200 and "坏地址" in bad.content.decode()  # re-rendered with the input
    response = client.post("/integrations/new/", {"name": "市平台", "kind": "webhook",
                                                  "district": wired.district.pk, "url": "https://example.org/in",
                                                  "event_types": ["case.closed"]})
    endpoint = WebhookEndpoint.objects.get(name="市平台")
    assert response.status_code == 302 and response.url == f"/integrations/{endpoint.pk}/"
    page = client.get(response.url).content.decode()
    assert endpoint.signing_secret in page  # shown once …
    assert endpoint.signing_secret not in client.get(response.url).content.decode()  # … and never again

    response = client.post(f"/integrations/{endpoint.pk}/edit/", {"name": "市平台（新）", "url": "https://example.org/v2",
                                                                  "event_types": ["case.closed", "case.rated"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["case.closed", "case.rated"] and endpoint.url == "https://example.org/v2"
    assert "停用" in client.get(f"/integrations/{endpoint.pk}/toggle/").content.decode()
    client.post(f"/integrations/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    client.post(f"/integrations/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    actions = list(AuditLog.objects.filter(object_type="integrations.webhookendpoint", object_id=str(endpoint.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["webhook.create", "webhook.update", "webhook.disable", "webhook.enable"]
    assert not AuditLog.objects.filter(after__icontains=endpoint.signing_secret).exists()


def test_the_hotline_bridge_needs_a_district_command_operator(wired, client):
    client.force_login(wired.admin)
    response = client.post("/integrations/new/", {"name": "12345", "kind": "hotline", "district": wired.district.pk,
                                                  "url": "https://hotline.example.org/updates",
                                                  "operator": "worker_a11"})
    assert response.status_code == 200 and "区指挥中心" in response.content.decode()
    response = client.post("/integrations/new/", {"name": "12345", "kind": "hotline", "district": wired.district.pk,
                                                  "url": "https://hotline.example.org/updates",
                                                  "operator": "command"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    bridge = WebhookEndpoint.objects.get(kind="hotline")
    assert bridge.hotline_secret and bridge.hotline_secret in page and "/api/hotline/410611/orders/" in page
