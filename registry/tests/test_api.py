"""The registry API: scoped like the pages, masked by default, every read of people audited.

Every endpoint is walked as every persona of the cast. The expected visible set is written out by
hand (the grids each persona sees); lists must return exactly it and details must answer 200 for it
and 404 for the rest. A canary resident is planted in grid B1-1: nothing about it may appear in any
response to anyone outside B1-1, and no response at all carries a plaintext id number or phone —
only unmask does, for users who hold registry.unmask.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog
from registry import actions
from registry.models import Dwelling, Household, Organization, Person
from registry.tests.conftest import IDS

pytestmark = pytest.mark.django_db

A11, A12, B11 = "410611001001001", "410611001001002", "410611002001001"
ALL = {A11, A12, B11}

# the grids whose people each persona sees (registry.view)
PEOPLE = {
    "command": ALL, "leader": ALL, "admin": ALL,
    "officer_a": {A11, A12}, "officer_a1": {A11, A12}, "officer_b": {B11},
    "chief_a11": {A11}, "worker_a11": {A11}, "worker_b11": {B11},
    "handler_cg": set(), "handler_bcg": set(), "stranger": set(),
}
# the grids whose dwellings and organizations each persona sees (registry.places): departments too
PLACES = {**PEOPLE, "handler_cg": ALL, "handler_bcg": {B11}}
# who sees masked id numbers, phones and tags (registry.sensitive), and who may unmask
SENSITIVE = {"command", "officer_a", "officer_a1", "officer_b", "chief_a11", "worker_a11", "worker_b11"}
UNMASK = {"command", "officer_a", "officer_a1", "officer_b"}
PERSONAS = sorted(PEOPLE)
# everyone who may see the canary in grid B1-1
SEES_B11 = {p for p, grids in PEOPLE.items() if B11 in grids}

PHONES = {"resident": "13812345678", "canary": "13900009999", "resident_a12": "13698765432"}
ORG_PHONES = {"org_a": "13711112222", "org_b": "13655556666"}
ALL_PLAIN = [*IDS, *PHONES.values(), *ORG_PHONES.values()]

LISTS = ["/api/residents/", "/api/households/", "/api/dwellings/", "/api/organizations/"]


@pytest.fixture
def world(registry):
    """The registry fixture plus a resident in grid A1-2, a household around the canary and an
    organization in each street."""
    c = registry
    c.dwelling_a12 = actions.save_dwelling(None, address="甲一小区9号楼1单元909", grid=c.grid_a12, lon=114.2, lat=35.6)
    c.resident_a12 = actions.save_person(None, name="李大海", id_number=IDS[3], phone=PHONES["resident_a12"],
                                         dwelling=c.dwelling_a12)
    c.household_b = actions.save_household(None, dwelling=c.dwelling_b, number="B-0001")
    c.canary = actions.save_person(None, person=c.canary, name="金丝雀", id_number=IDS[1], phone=PHONES["canary"],
                                   household=c.household_b, relation="head")
    c.org_a = actions.save_organization(None, kind="shop", name="甲一便利店", grid=c.grid_a11,
                                        contact_name="赵老板", contact_phone=ORG_PHONES["org_a"])
    c.org_b = actions.save_organization(None, kind="enterprise", name="乙一机械厂", grid=c.grid_b11,
                                        contact_name="钱厂长", contact_phone=ORG_PHONES["org_b"])
    assert Person.objects.get(pk=c.canary.pk).canary
    return c


def objects(world):
    """(endpoint, object, grid code) for every object behind every endpoint."""
    return [
        *[("residents", p, p.grid.code) for p in (world.resident, world.resident_a12, world.canary)],
        *[("households", h, h.grid.code) for h in Household.objects.select_related("grid")],
        *[("dwellings", d, d.grid.code) for d in Dwelling.objects.select_related("grid")],
        *[("organizations", o, o.grid.code) for o in Organization.objects.select_related("grid")],
    ]


def visible(endpoint: str, persona: str) -> set[str]:
    return (PEOPLE if endpoint in ("residents", "households") else PLACES)[persona]


def all_pages(client, url, bodies):
    items, count = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        bodies.append(response.content)
        body = response.json()
        count = body["count"] if count is None else count
        items.extend(body["results"])
        url = body["next"]
    assert count == len(items)
    return items


def contains(content: bytes, secret: str) -> bool:
    return secret.encode() in content or json.dumps(secret)[1:-1].encode() in content


def canary_secrets(canary: Person) -> list[str]:
    return [canary.name, canary.masked_name, canary.id_number, canary.masked_id_number, canary.phone,
            canary.masked_phone, canary.id_number[4:14]]


def walk(world, api, persona) -> list[bytes]:
    """Every endpoint as `persona`, checking scope and status codes; returns every response body."""
    client = api(persona)
    bodies: list[bytes] = []
    for url in LISTS:
        endpoint = url.split("/")[2]
        rows = all_pages(client, f"{url}?page_size=1", bodies)
        expected = {obj.pk for e, obj, grid in objects(world) if e == endpoint and grid in visible(endpoint, persona)}
        assert {row["id"] for row in rows} == expected, (persona, endpoint)
        assert len(rows) == len(expected)
    for endpoint, obj, grid in objects(world):
        response = client.get(f"/api/{endpoint}/{obj.pk}/")
        bodies.append(response.content)
        expected = 200 if grid in visible(endpoint, persona) else 404
        assert response.status_code == expected, (persona, endpoint, grid, response.status_code)
    # the canary's own keys, searched from every side
    for query in (world.canary.name, IDS[1], PHONES["canary"], PHONES["canary"][-4:], "jsq", "乙一小区"):
        rows = all_pages(client, f"/api/residents/?q={query}", bodies)
        assert ({r["id"] for r in rows} == {world.canary.pk}) == (persona in SEES_B11), (persona, query)
    for grid in (A11, B11, "410611002000"):
        rows = all_pages(client, f"/api/residents/?grid={grid}", bodies)
        assert {r["id"] for r in rows} <= {p.pk for e, p, g in objects(world) if e == "residents"
                                           and g in PEOPLE[persona]}
    return bodies


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_scopes_every_endpoint_and_the_canary_never_leaks(world, api, persona):
    bodies = walk(world, api, persona)
    for content in bodies:
        for secret in ALL_PLAIN:
            assert not contains(content, secret), (persona, secret)
        for name in ("张晓明", "李大海", "金丝雀", "赵老板", "钱厂长"):
            assert not contains(content, name), (persona, name)
        if persona not in SEES_B11:
            for secret in canary_secrets(world.canary):
                assert not contains(content, secret), (persona, secret)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_unmasks_only_with_the_capability_in_scope(world, api, persona):
    client = api(persona)
    for person in (world.resident, world.resident_a12, world.canary):
        before = AuditLog.objects.filter(action="registry.unmask").count()
        response = client.post(f"/api/residents/{person.pk}/unmask/", {"purpose": "低保复核"}, format="json")
        if person.grid.code not in PEOPLE[persona]:
            expected = 404
        else:
            expected = 200 if persona in UNMASK else 403
        assert response.status_code == expected, (persona, person.name, response.content[:200])
        written = AuditLog.objects.filter(action="registry.unmask").count() - before
        assert written == (1 if expected == 200 else 0)
        if expected == 200:
            assert response.json() == {"id": person.pk, "name": person.name, "id_type": "id_card",
                                       "id_number": person.id_number, "phone": person.phone}
            assert "no-store" in response["Cache-Control"]
        else:
            for secret in (person.id_number, person.phone, person.name):
                assert not contains(response.content, secret)


@pytest.mark.parametrize("persona", PERSONAS)
def test_masked_fields_are_absent_without_registry_sensitive(world, api, persona):
    if world.grid_a11.code not in PEOPLE[persona]:
        return
    body = api(persona).get(f"/api/residents/{world.resident.pk}/").json()
    assert body["masked_name"] == "张*明" and "name" not in body and "birth_date" not in body
    listed = api(persona).get("/api/residents/").json()["results"]
    row = next(r for r in listed if r["id"] == world.resident.pk)
    if persona in SENSITIVE:
        for data in (body, row):
            assert data["masked_id_number"] == "1101**********0054"
            assert data["masked_phone"] == "138****5678"
            assert [t["kind"] for t in data["tags"]] == ["elderly_alone"]
    else:
        for data in (body, row):
            assert not {"masked_id_number", "masked_phone", "tags"} & set(data), persona
    household = api(persona).get(f"/api/households/{world.household_a.pk}/").json()
    assert household["head"] == world.resident.pk
    member = household["members"][0]
    assert member["masked_name"] == "张*明"
    assert ("masked_phone" in member) == (persona in SENSITIVE)


@pytest.mark.parametrize("persona", sorted(PLACES))
def test_organization_contacts_are_masked(world, api, persona):
    if A11 not in PLACES[persona]:
        return
    body = api(persona).get(f"/api/organizations/{world.org_a.pk}/").json()
    assert body["masked_contact_name"] == "赵*板" and body["name"] == "甲一便利店"
    if persona in SENSITIVE:
        assert body["masked_contact_phone"] == "137****2222"
    else:
        assert "masked_contact_phone" not in body


def test_it_refuses_anonymous_requests(world, api):
    client = api(None)
    for url in [*LISTS, f"/api/residents/{world.resident.pk}/", f"/api/households/{world.household_a.pk}/",
                f"/api/dwellings/{world.dwelling_a.pk}/", f"/api/organizations/{world.org_a.pk}/"]:
        assert client.get(url).status_code in (401, 403), url
    response = client.post(f"/api/residents/{world.resident.pk}/unmask/", {"purpose": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert not AuditLog.objects.filter(action__in=["registry.unmask", "registry.view", "registry.list"]).exists()


def test_unmask_needs_a_purpose(world, api):
    client = api("officer_a1")
    for payload in ({}, {"purpose": ""}, {"purpose": " "}):
        response = client.post(f"/api/residents/{world.resident.pk}/unmask/", payload, format="json")
        assert response.status_code == 400 and "purpose" in response.json()
        assert IDS[0] not in response.content.decode()
    assert not AuditLog.objects.filter(action="registry.unmask").exists()
    assert client.get(f"/api/residents/{world.resident.pk}/unmask/").status_code == 405


def test_unmask_is_audited_with_its_purpose(world, api):
    api("officer_a1").post(f"/api/residents/{world.resident.pk}/unmask/", {"purpose": "低保复核"}, format="json")
    entry = AuditLog.objects.get(action="registry.unmask")
    assert entry.actor == world.officer_a1 and entry.note == "低保复核"
    assert entry.object_type == "registry.person" and entry.object_id == str(world.resident.pk)
    assert entry.object_repr == "张*明"


def test_a_detail_view_is_audited(world, api):
    api("worker_a11").get(f"/api/residents/{world.resident.pk}/?purpose=入户走访")
    entry = AuditLog.objects.get(action="registry.view")
    assert entry.actor == world.worker_a11 and entry.object_id == str(world.resident.pk)
    assert entry.note == "入户走访" and entry.object_repr == "张*明"
    # out of scope: 404 and nothing is recorded as viewed
    assert api("worker_a11").get(f"/api/residents/{world.canary.pk}/").status_code == 404
    assert AuditLog.objects.filter(action="registry.view").count() == 1


def test_a_search_is_audited_without_its_key_and_a_list_with_its_ids(world, api):
    client = api("officer_a")
    rows = client.get(f"/api/residents/?q={IDS[0]}").json()["results"]
    assert [r["id"] for r in rows] == [world.resident.pk]
    search = AuditLog.objects.get(action="registry.search")
    assert search.actor == world.officer_a and search.object_repr == "id_number"
    assert search.after["results"] == [world.resident.pk]
    assert not AuditLog.objects.filter(action="registry.list").exists()  # a search is audited once

    client.get(f"/api/residents/?grid={A11}&residence_status=permanent")
    listed = AuditLog.objects.get(action="registry.list")
    assert listed.object_type == "registry.person" and listed.after["results"] == [world.resident.pk]
    assert listed.after["count"] == 1 and listed.after["filters"] == {"grid": A11, "residence_status": "permanent"}

    client.get("/api/households/")
    households = AuditLog.objects.filter(action="registry.list", object_type="registry.household").get()
    assert households.after["results"] == [world.household_a.pk]
    assert households.after["members"] == [world.resident.pk]
    client.get(f"/api/households/{world.household_a.pk}/")
    viewed = AuditLog.objects.get(action="registry.household.view")
    assert viewed.after == {"members": [world.resident.pk]}


def test_no_audit_row_holds_personal_data(world, api):
    for persona in ("command", "officer_a1", "worker_b11", "leader"):
        client = api(persona)
        for query in (IDS[0], IDS[1], PHONES["resident"], PHONES["canary"], "5678", "张晓明", "金丝雀"):
            client.get(f"/api/residents/?q={query}")
        client.get("/api/residents/?special_group=elderly_alone")
        client.get("/api/residents/")
        client.get("/api/households/")
        for person in (world.resident, world.canary):
            client.get(f"/api/residents/{person.pk}/")
            client.post(f"/api/residents/{person.pk}/unmask/", {"purpose": "核实身份"}, format="json")
    actions_seen = set(AuditLog.objects.values_list("action", flat=True))
    assert {"registry.search", "registry.list", "registry.view", "registry.unmask"} <= actions_seen
    secrets = [*ALL_PLAIN, "张晓明", "李大海", "金丝雀", "赵老板", "钱厂长", "elderly_alone", "独居"]
    for entry in AuditLog.objects.all():
        text = json.dumps([entry.before, entry.after, entry.note, entry.object_repr], ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, (entry.action, secret)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_special_group_filter_needs_registry_sensitive(world, api, persona):
    response = api(persona).get("/api/residents/?special_group=elderly_alone")
    sensitive_anywhere = persona in SENSITIVE
    if not sensitive_anywhere:
        assert response.status_code == 403
        return
    ids = {r["id"] for r in response.json()["results"]}
    assert ids == ({world.resident.pk} if A11 in PEOPLE[persona] else set())
    assert api(persona).get("/api/residents/?special_group=disabled").json()["count"] == 0


def test_an_ended_tag_no_longer_matches(world, api):
    import datetime as dt

    tag = world.resident.tags.get()
    type(tag).objects.filter(pk=tag.pk).update(starts_on=dt.date(1999, 1, 1))
    tag.refresh_from_db()
    actions.end_tag(None, tag, on=dt.date(2000, 1, 1))
    assert api("worker_a11").get("/api/residents/?special_group=elderly_alone").json()["count"] == 0
    assert api("worker_a11").get(f"/api/residents/{world.resident.pk}/").json()["tags"] == []


def test_filters(world, api):
    client = api("command")

    def ids(url):
        return {r["id"] for r in client.get(url).json()["results"]}

    assert ids(f"/api/residents/?grid={A11}") == {world.resident.pk}
    assert ids("/api/residents/?grid=410611001000") == {world.resident.pk, world.resident_a12.pk}
    assert ids("/api/residents/?grid=nonesuch") == set()
    assert ids("/api/residents/?residence_status=floating") == set()
    assert api("officer_a").get(f"/api/residents/?grid={B11}").json()["count"] == 0
    assert ids(f"/api/dwellings/?grid={B11}") == {world.dwelling_b.pk}
    assert ids("/api/organizations/?kind=shop") == {world.org_a.pk}
    actions.move_out(None, Person.objects.get(pk=world.resident_a12.pk))
    assert world.resident_a12.pk not in ids("/api/residents/")
    assert ids("/api/residents/?moved_out=true") == {world.resident_a12.pk}
    assert client.get(f"/api/residents/{world.resident_a12.pk}/").status_code == 200


def _list_queries(api, persona, url) -> int:
    client = api(persona)
    client.get(url)  # warm the token and content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", LISTS)
def test_list_queries_do_not_grow_with_the_rows(world, api, url):
    few = _list_queries(api, "command", url)
    for n in range(5):
        dwelling = actions.save_dwelling(None, address=f"甲一小区{n}号楼", grid=world.grid_a11)
        household = actions.save_household(None, dwelling=dwelling, number=f"N-{n}")
        person = actions.save_person(None, name=f"王{n}号", phone=f"1350000000{n}", household=household)
        actions.tag_person(None, person, kind="disabled")
        actions.save_organization(None, kind="shop", name=f"商铺{n}", grid=world.grid_a11)
    assert _list_queries(api, "command", url) == few


def test_it_registers_a_resident_in_scope(world, api):
    payload = {"name": "周新来", "id_number": IDS[2], "phone": "13511112222", "dwelling": world.dwelling_a.pk,
               "relation": "child", "residence_status": "floating"}
    response = api("worker_a11").post("/api/residents/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["masked_name"] == "周*来" and body["masked_phone"] == "135****2222" and body["grid"] == A11
    assert not contains(response.content, IDS[2]) and not contains(response.content, "13511112222")
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == IDS[2] and person.dwelling_id == world.dwelling_a.pk
    assert AuditLog.objects.filter(action="registry.person.save", object_id=str(person.pk)).exists()


@pytest.mark.parametrize("persona, target, expected", [
    ("worker_a11", "dwelling_b", 404),     # another grid's dwelling
    ("worker_a11", "household_b", 404),    # another grid's household
    ("officer_b", "dwelling_a", 404),      # another street
    ("handler_cg", "dwelling_a", 403),     # a department sees the dwelling but may not register people
    ("handler_cg", "household_a", 404),    # and does not see households
    ("leader", "dwelling_a", 403),         # sees, may not change
    ("stranger", "dwelling_a", 404),
])
def test_it_refuses_to_register_residents_out_of_scope(world, api, persona, target, expected):
    key = "household" if target.startswith("household") else "dwelling"
    payload = {"name": "越界者", "id_number": IDS[2], "phone": "13511112222", key: getattr(world, target).pk}
    before = Person.objects.count()
    response = api(persona).post("/api/residents/", payload, format="json")
    assert response.status_code == expected, (persona, target, response.content[:200])
    assert Person.objects.count() == before


def test_it_refuses_invalid_registrations(world, api):
    client = api("worker_a11")
    response = client.post("/api/residents/", {"name": "错号", "id_number": "110101199003070055",
                                               "dwelling": world.dwelling_a.pk}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    response = client.post("/api/residents/", {"name": "重复", "id_number": IDS[0],
                                               "dwelling": world.dwelling_a.pk}, format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert client.post("/api/residents/", {"name": "无家"}, format="json").status_code == 400
    response = api("officer_a1").post("/api/residents/", {"name": "错户", "dwelling": world.dwelling_a12.pk,
                                                          "household": world.household_a.pk}, format="json")
    assert response.status_code == 400 and "household" in response.json()


def test_the_schema_lists_the_registry_endpoints(world, api):
    paths = api("command").get("/api/schema/?format=json").json()["paths"]
    for path in ["/api/residents/", "/api/residents/{id}/", "/api/residents/{id}/unmask/", "/api/households/",
                 "/api/households/{id}/", "/api/dwellings/", "/api/organizations/{id}/"]:
        assert path in paths, path
