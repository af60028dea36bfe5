"""API clients: keys kept only as hashes, the management command, the demo client, the admin."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import User
from core.models import AuditLog
from open311.actions import DEMO_CLIENT_NAME, authenticate, ensure_demo_client, hash_key, replace_key
from open311.models import Open311Client
from open311.tests.conftest import report_data

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("open311_client", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_creates_a_client_and_prints_its_key_once(cast):
    out, err = run("--name", "随手拍小程序")
    key = out.strip()
    assert len(key) >= 40 and "随手拍小程序" in err and key not in err
    client = Open311Client.objects.get(name="随手拍小程序")
    assert client.key_hash == hash_key(key) and client.key_prefix == key[:8] and client.is_active
    assert key not in json.dumps(list(Open311Client.objects.values()), default=str)
    assert authenticate(key) == client and authenticate(key + "x") is None and authenticate("") is None
    audit = AuditLog.objects.get(action="open311.client_create")
    assert audit.actor_repr == "system" and audit.after["name"] == "随手拍小程序" and key not in str(audit.after)


def test_the_command_takes_a_key_and_a_district(cast):
    out, _err = run("--name", "区应用", "--key", "my-chosen-key-2026", "--district", "410611")
    assert out.strip() == "my-chosen-key-2026"
    assert authenticate("my-chosen-key-2026").district_code == "410611"


@pytest.mark.parametrize("args", [
    ["--name", "区应用", "--key", "short"],
    ["--name", "区应用", "--key", "has a space in it"],
    ["--name", "区应用", "--district", "999999"],
    ["--name", " "],
])
def test_the_command_refuses_bad_input(cast, args):
    with pytest.raises(CommandError):
        run(*args)
    assert Open311Client.objects.count() == 0


def test_names_and_keys_are_unique(cast):
    run("--name", "甲", "--key", "key-number-one-2026")
    with pytest.raises(CommandError):
        run("--name", "甲")
    with pytest.raises(CommandError):
        run("--name", "乙", "--key", "key-number-one-2026")


def test_a_replaced_key_stops_working_at_once(cast):
    out, _err = run("--name", "甲", "--key", "key-number-one-2026")
    client = Open311Client.objects.get()
    new = replace_key(None, client)
    assert authenticate("key-number-one-2026") is None and authenticate(new) == client
    assert AuditLog.objects.filter(action="open311.client_key", object_id=str(client.pk)).count() == 1


def test_the_demo_client_follows_the_key_it_is_given(cast):
    client, status = ensure_demo_client("demo-open311-key")
    assert status == "created" and client.name == DEMO_CLIENT_NAME and authenticate("demo-open311-key") == client
    again, status = ensure_demo_client("demo-open311-key")
    assert status == "unchanged" and again.pk == client.pk
    assert AuditLog.objects.filter(object_type="open311.open311client").count() == 1
    changed, status = ensure_demo_client("another-demo-key")
    assert status == "replaced" and changed.pk == client.pk and Open311Client.objects.count() == 1
    assert authenticate("demo-open311-key") is None and authenticate("another-demo-key") == client
    Open311Client.objects.update(is_active=False)
    _client, status = ensure_demo_client("another-demo-key")
    assert status == "replaced" and authenticate("another-demo-key") == client


def test_the_demo_key_works_against_the_api(loop, settings):
    settings.RATE_LIMIT_OPEN311 = ""
    ensure_demo_client("demo-open311-key")
    response = Client().post("/open311/v2/requests.json", {**report_data(), "api_key": "demo-open311-key"})
    assert response.status_code == 201


def test_the_admin_makes_a_key_and_shows_it_once(cast):
    admin = User.objects.create_superuser("root", password="Root-pass-2026")
    browser = Client()
    browser.force_login(admin)
    response = browser.post("/admin/open311/open311client/add/",
                            {"name": "网格通", "is_active": "on", "district_code": "410611"}, follow=True)
    assert response.status_code == 200
    client = Open311Client.objects.get(name="网格通")
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.rsplit("：", 1)[-1].rsplit(": ", 1)[-1] for m in shown if "网格通" in m)
    assert authenticate(key) == client and client.district_code == "410611"
    response = browser.post(f"/admin/open311/open311client/{client.pk}/change/",
                            {"name": "网格通", "district_code": ""}, follow=True)
    client.refresh_from_db()
    assert not client.is_active and authenticate(key) is None
    assert AuditLog.objects.filter(action="open311.client_update", actor=admin).count() == 1
    response = browser.post("/admin/open311/open311client/add/", {"name": "坏的", "district_code": "999999"})
    assert response.status_code == 200 and not Open311Client.objects.filter(name="坏的").exists()
