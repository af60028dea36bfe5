"""The registry pages: every URL walked as every persona (200 in scope, 404 out of scope, 403 for a
step the role may not take), masking by default, the canary never leaving grid B1-1, audited
views/searches/unmasks, the forms' Chinese errors with the input kept, the grid sizing numbers and
bounded query counts of the list pages."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from core.models import AuditLog
from registry import actions
from registry.models import Building, Dwelling, Household, Person, SpecialGroupTag
from registry.tests.conftest import IDS
from registry.views import grid_sizing_rows

pytestmark = pytest.mark.django_db

PERSONAS = ["command", "leader", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11",
            "worker_b11", "handler_cg", "handler_bcg", "stranger"]
PEOPLE = {  # registry.view covering the grid
    "a": {"command", "leader", "admin", "officer_a", "officer_a1", "chief_a11", "worker_a11"},
    "b": {"command", "leader", "admin", "officer_b", "worker_b11"},
}
PLACES = {"a": PEOPLE["a"] | {"handler_cg"}, "b": PEOPLE["b"] | {"handler_cg", "handler_bcg"}}
ANY_VIEW = PEOPLE["a"] | PEOPLE["b"]
ANY_PLACES = PLACES["a"] | PLACES["b"]
CHANGE = {"command", "admin", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11", "worker_b11"}
SENSITIVE = {"command", "officer_a", "officer_b", "officer_a1", "chief_a11", "worker_a11", "worker_b11"}
UNMASK = {"command", "officer_a", "officer_b", "officer_a1"}
PLAINTEXT = [IDS[0], IDS[1], "13812345678", "13900009999"]
# the canary as it could show up in a page: name, masked name, masked id, masked phone, phone tail
CANARY = ["金丝雀", "金*雀", "4106**********0028", "139****9999", "9999"]
CREDIT_CODE = "91410611MA0000001M"
TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')


def html(response) -> str:
    """The page without its CSRF tokens (random letters and digits could contain "9999")."""
    return TOKENS.sub(r"\1", response.content.decode())


@pytest.fixture
def world(registry):
    """The registry fixture plus a building (holding dwelling A), an organization in A1-1, a second
    member of household A and a household for the canary's dwelling."""
    building = Building(name="1号楼")
    building.place_in(registry.grid_a11)
    building.lon, building.lat = 114.071, 35.601
    building.save()
    actions.save_dwelling(None, dwelling=registry.dwelling_a, address=registry.dwelling_a.address,
                          grid=registry.grid_a11, lon=114.07, lat=35.6, building=building, unit="1", room="101")
    registry.spouse = actions.save_person(None, name="李秀英", id_number=IDS[2], phone="13700001111",
                                          household=registry.household_a, relation="spouse")
    registry.household_b = actions.save_household(None, dwelling=registry.dwelling_b, number="B-0001")
    registry.organization = actions.save_organization(None, kind="shop", name="甲一便利店", grid=registry.grid_a11,
                                                      credit_code=CREDIT_CODE, address="甲一路1号",
                                                      contact_name="王大力", contact_phone="13600002222")
    registry.building = building
    registry.tag = SpecialGroupTag.objects.get(person=registry.resident)
    return registry


def pages(w) -> dict[str, tuple[str, set[str]]]:
    """Every GET page: (url, who gets a 200); everybody else gets a 404 (or a 403, see below)."""
    a11 = w.grid_a11.pk
    return {
        "people": (reverse("registry:people"), ANY_VIEW),
        "people-search": (reverse("registry:people") + "?q=金", ANY_VIEW),
        "people-grid": (reverse("registry:people") + f"?grid={a11}&status=permanent", PEOPLE["a"]),
        "person": (reverse("registry:person", args=[w.resident.pk]), PEOPLE["a"]),
        "person-new": (reverse("registry:person-new"), CHANGE),
        "person-edit": (reverse("registry:person-edit", args=[w.resident.pk]), PEOPLE["a"] & CHANGE),
        "move-out": (reverse("registry:person-move-out", args=[w.resident.pk]), PEOPLE["a"] & CHANGE),
        "tag-add": (reverse("registry:tag-add", args=[w.resident.pk]), PEOPLE["a"] & CHANGE & SENSITIVE),
        "tag-end": (reverse("registry:tag-end", args=[w.tag.pk]), PEOPLE["a"] & CHANGE & SENSITIVE),
        "household": (reverse("registry:household", args=[w.household_a.pk]), PEOPLE["a"]),
        "dwellings": (reverse("registry:dwellings"), ANY_PLACES),
        "dwellings-search": (reverse("registry:dwellings") + "?q=小区", ANY_PLACES),
        "dwelling": (reverse("registry:dwelling", args=[w.dwelling_a.pk]), PLACES["a"]),
        "dwelling-new": (reverse("registry:dwelling-new"), CHANGE),
        "building": (reverse("registry:building", args=[w.building.pk]), PEOPLE["a"]),
        "map": (reverse("registry:map"), ANY_PLACES),
        "map-grid": (reverse("registry:map") + f"?grid={a11}", PLACES["a"]),
        "organizations": (reverse("registry:organizations"), ANY_PLACES),
        "organizations-kind": (reverse("registry:organizations") + "?kind=shop&q=便利", ANY_PLACES),
        "organization": (reverse("registry:organization", args=[w.organization.pk]), PLACES["a"]),
        "organization-new": (reverse("registry:organization-new"), CHANGE),
        "grid-sizing": (reverse("registry:grid-sizing"), ANY_VIEW),
        "grid-sizing-sorted": (reverse("registry:grid-sizing") + "?sort=-households", ANY_VIEW),
    }


# The person is visible but the step is not the user's (403, not 404).
FORBIDDEN = {
    "person-edit": {"leader"},
    "move-out": {"leader"},
    "tag-add": {"leader", "admin"},
}
LISTS = {"people", "people-search", "dwellings", "dwellings-search", "map", "organizations", "grid-sizing",
         "grid-sizing-sorted"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_as_every_persona(client, world, persona):
    client.force_login(world.users[persona])
    for name, (url, allowed) in pages(world).items():
        response = client.get(url)
        expected = 200 if persona in allowed else 403 if persona in FORBIDDEN.get(name, ()) else 404
        assert response.status_code == expected, (name, persona, response.status_code)
        if response.status_code != 200:
            continue
        text = html(response)
        for secret in PLAINTEXT:
            assert secret not in text, (name, persona, secret)
        if name in LISTS and persona not in PEOPLE["b"]:
            for trace in CANARY:
                assert trace not in text, (name, persona, trace)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_canary_pages_stay_in_grid_b11(client, world, persona):
    client.force_login(world.users[persona])
    for url in (reverse("registry:person", args=[world.canary.pk]),
                reverse("registry:household", args=[world.household_b.pk])):
        assert client.get(url).status_code == (200 if persona in PEOPLE["b"] else 404)
    assert client.get(reverse("registry:dwelling", args=[world.dwelling_b.pk])).status_code == (
        200 if persona in PLACES["b"] else 404)
    # searching for every key of the canary finds nothing outside B1-1
    for query in ("金丝雀", IDS[1], "13900009999", "9999", "jsq"):
        response = client.post(reverse("registry:people"), {"q": query})
        if persona not in ANY_VIEW:
            assert response.status_code == 404
            continue
        text = html(response)
        assert "金丝雀" not in text.replace(f'value="{query}"', "")  # the name only ever masked
        assert ("金*雀" in text) == (persona in PEOPLE["b"]), (persona, query)
        for trace in ("4106**********0028", "139****9999"):
            assert (trace in text) == (persona in PEOPLE["b"] & SENSITIVE), (persona, query, trace)


def test_anonymous_users_are_sent_to_the_login(client, world):
    for url, _allowed in pages(world).values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_the_resident_page_is_masked_and_every_view_is_audited(client, world):
    client.force_login(world.worker_a11)
    url = reverse("registry:person", args=[world.resident.pk])
    before = AuditLog.objects.filter(action="registry.view", object_id=str(world.resident.pk)).count()
    text = html(client.get(url))
    client.get(url)
    assert AuditLog.objects.filter(action="registry.view", object_id=str(world.resident.pk)).count() == before + 2
    assert "张*明" in text and "张晓明" not in text
    assert "1101**********0054" in text and "138****5678" in text
    assert "独居老人" in text  # the tag label, for registry.sensitive
    assert 'id="unmask"' not in text  # a grid worker may not unmask
    # a district leader (registry.view, no registry.sensitive) sees neither masked numbers nor tags
    client.force_login(world.leader)
    text = html(client.get(url))
    assert "1101**********0054" not in text and "138****5678" not in text and "独居老人" not in text


def test_unmask_shows_the_plain_data_once_with_a_purpose(client, world):
    client.force_login(world.officer_a1)
    url = reverse("registry:person-unmask", args=[world.resident.pk])
    response = client.post(url, {"purpose": "核实低保申请"})
    text = html(response)
    assert response.status_code == 200 and IDS[0] in text and "13812345678" in text
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditLog.objects.filter(action="registry.unmask").latest("id")
    assert entry.actor == world.officer_a1 and entry.note == "核实低保申请" and entry.object_id == str(world.resident.pk)
    assert IDS[0] not in str(entry.after) + str(entry.before) + entry.object_repr
    # nothing is kept: the next view is masked again, and nothing went into the session
    text = html(client.get(reverse("registry:person", args=[world.resident.pk])))
    assert IDS[0] not in text and "13812345678" not in text
    assert IDS[0] not in str(dict(client.session.items()))
    # the unmask URL takes no GET
    assert client.get(url).status_code == 405


def test_unmask_is_refused_without_purpose(client, world):
    url = reverse("registry:person-unmask", args=[world.resident.pk])
    client.force_login(world.officer_a1)
    response = client.post(url, {"purpose": " "})
    text = html(response)
    assert response.status_code == 200 and "请说明查看完整个人信息的用途" in text
    assert IDS[0] not in text and "13812345678" not in text
    assert not AuditLog.objects.filter(action="registry.unmask").exists()
    # without the permission the answer is 403 whatever the purpose (permission is checked first)
    client.force_login(world.worker_a11)
    assert client.post(url, {"purpose": ""}).status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_unmask_as_every_persona(client, world, persona):
    client.force_login(world.users[persona])
    response = client.post(reverse("registry:person-unmask", args=[world.resident.pk]), {"purpose": "核实身份"})
    allowed = PEOPLE["a"] & UNMASK
    expected = 200 if persona in allowed else 403 if persona in PEOPLE["a"] else 404
    assert response.status_code == expected
    assert (IDS[0] in html(response)) == (persona in allowed)
    assert AuditLog.objects.filter(action="registry.unmask", actor=world.users[persona]).count() == (
        1 if persona in allowed else 0)


def test_searches_are_audited_without_the_key(client, world):
    client.force_login(world.officer_a)
    before = AuditLog.objects.filter(action="registry.search").count()
    response = client.post(reverse("registry:people"), {"q": IDS[0]})
    assert response.status_code == 200 and "张*明" in html(response)
    entries = AuditLog.objects.filter(action="registry.search").order_by("id")
    assert entries.count() == before + 1
    entry = entries.last()
    assert entry.object_repr == "id_number" and entry.after["results"] == [world.resident.pk]
    assert IDS[0] not in str(entry.after) + entry.note
    # a list without a search is not a search; filters sent without a search become a GET
    client.get(reverse("registry:people"))
    response = client.post(reverse("registry:people"), {"q": "", "status": "floating"})
    assert response.status_code == 302 and response["Location"] == reverse("registry:people") + "?status=floating"
    assert AuditLog.objects.filter(action="registry.search").count() == before + 1


def test_people_list_filters(client, world):
    client.force_login(world.command)
    url = reverse("registry:people")
    text = html(client.get(url, {"group": "elderly_alone"}))
    assert "张*明" in text and "李*英" not in text and "金*雀" not in text
    text = html(client.get(url, {"grid": world.grid_b11.pk}))
    assert "金*雀" in text and "张*明" not in text
    text = html(client.get(url, {"status": "floating"}))
    assert "没有符合条件的居民" in text
    # the special-group filter is ignored without registry.sensitive; a grid out of scope is a 404
    client.force_login(world.leader)
    assert "李*英" in html(client.get(url, {"group": "elderly_alone"}))
    client.force_login(world.worker_a11)
    assert client.get(url, {"grid": world.grid_b11.pk}).status_code == 404


def new_person(**overrides):
    data = {"name": "王小二", "id_type": "id_card", "id_number": "", "phone": "", "gender": "", "birth_date": "",
            "residence_status": "floating", "dwelling_q": "", "dwelling": "", "household": "",
            "household_number": "", "relation": "head", "grid": "", "address_text": ""}
    data.update(overrides)
    return data


def test_new_resident_shows_the_chinese_check_digit_error_and_keeps_the_input(client, world):
    client.force_login(world.worker_a11)
    count = Person.objects.count()
    response = client.post(reverse("registry:person-new"),
                           new_person(id_number="110101199003070055", phone="13511112222",
                                      dwelling=world.dwelling_a.pk))
    text = response.content.decode()
    assert response.status_code == 200 and "身份证号码校验位错误" in text
    assert 'value="110101199003070055"' in text and 'value="王小二"' in text and 'value="13511112222"' in text
    assert f'<option value="{world.dwelling_a.pk}" selected' in text
    assert Person.objects.count() == count


def test_new_resident_in_a_new_household(client, world):
    client.force_login(world.worker_a11)
    response = client.post(reverse("registry:person-new"),
                           new_person(id_number=IDS[3], dwelling=world.dwelling_a.pk, new_household="on",
                                      household_number="A-0002"))
    assert response.status_code == 302
    person = Person.objects.get(name="王小二")
    assert response["Location"] == reverse("registry:person", args=[person.pk])
    assert person.household.number == "A-0002" and person.household.head_id == person.pk
    assert person.grid_id == world.grid_a11.pk and person.id_number == IDS[3]
    assert IDS[3] not in response["Location"]


def test_new_resident_choices_stay_in_scope(client, world):
    client.force_login(world.worker_a11)
    text = html(client.get(reverse("registry:person-new")))
    assert world.dwelling_a.address in text and world.dwelling_b.address not in text
    # a dwelling out of scope is refused, the household must belong to the dwelling
    response = client.post(reverse("registry:person-new"), new_person(dwelling=world.dwelling_b.pk))
    assert response.status_code == 200 and not Person.objects.filter(name="王小二").exists()
    dwelling_c = actions.save_dwelling(None, address="甲一小区1号楼1单元102", grid=world.grid_a11)
    response = client.post(reverse("registry:person-new"),
                           new_person(dwelling=dwelling_c.pk, household=world.household_a.pk))
    assert "该户不住在所选房屋" in response.content.decode()
    # the address search narrows the list without saving
    response = client.post(reverse("registry:person-new"), new_person(dwelling_q="102", find_dwelling="1"))
    text = response.content.decode()
    assert response.status_code == 200 and dwelling_c.address in text and world.dwelling_a.address not in text
    assert not Person.objects.filter(name="王小二").exists()


def test_edit_keeps_the_stored_numbers_and_never_prefills_them(client, world):
    client.force_login(world.worker_a11)
    url = reverse("registry:person-edit", args=[world.resident.pk])
    text = html(client.get(url))
    assert IDS[0] not in text and "13812345678" not in text and "1101**********0054" in text
    data = new_person(name="张晓明", residence_status="registered", dwelling=world.dwelling_a.pk,
                      household=world.household_a.pk, gender="male", birth_date="1990-03-07")
    assert client.post(url, data).status_code == 302
    person = Person.objects.get(pk=world.resident.pk)
    assert person.residence_status == "registered" and person.id_number == IDS[0] and person.phone == "13812345678"


def test_move_out_asks_first(client, world):
    client.force_login(world.worker_a11)
    url = reverse("registry:person-move-out", args=[world.resident.pk])
    text = client.get(url).content.decode()
    assert "张*明" in text and 'type="submit"' in text
    assert Person.objects.get(pk=world.resident.pk).moved_out_on is None
    from django.utils import timezone

    before_moving_in = "2020-01-05"
    assert client.post(url, {"on": before_moving_in}).status_code == 200  # refused with a message
    assert Person.objects.get(pk=world.resident.pk).moved_out_on is None
    today = timezone.localdate().isoformat()
    assert client.post(url, {"on": today}).status_code == 302
    person = Person.objects.get(pk=world.resident.pk)
    assert str(person.moved_out_on) == today and person.household_id is None
    text = client.get(reverse("registry:person", args=[person.pk])).content.decode()
    assert today in text  # the residence history keeps the stay
    # moved out: no longer listed, no longer counted
    assert "张*明" not in html(client.get(reverse("registry:people")))


def test_tags_are_added_and_ended_with_confirmation(client, world):
    client.force_login(world.chief_a11)
    response = client.post(reverse("registry:tag-add", args=[world.resident.pk]),
                           {"kind": "", "starts_on": "2026-01-01", "carer": ""})
    assert "请选择特殊人群类别" in response.content.decode()
    response = client.post(reverse("registry:tag-add", args=[world.resident.pk]),
                           {"kind": "disabled", "starts_on": "2026-01-01", "carer": world.worker_a11.pk})
    assert response.status_code == 302
    tag = SpecialGroupTag.objects.filter(person=world.resident).latest("id")
    assert tag.kind == "disabled" and tag.carer == world.worker_a11
    url = reverse("registry:tag-end", args=[tag.pk])
    assert "残疾人" in client.get(url).content.decode()
    tag.refresh_from_db()
    assert tag.ends_on is None
    assert client.post(url, {"on": "2026-02-01"}).status_code == 302
    tag.refresh_from_db()
    assert str(tag.ends_on) == "2026-02-01"
    assert AuditLog.objects.filter(action="registry.tag.end", object_id=str(world.resident.pk)).exists()


def test_household_and_dwelling_pages(client, world):
    from registry.models import HouseholdAssignment

    assignment = HouseholdAssignment(cadre=world.officer_a1, household=world.household_a)
    assignment.place_in(world.grid_a11)
    assignment.save()
    client.force_login(world.worker_a11)
    text = html(client.get(reverse("registry:household", args=[world.household_a.pk])))
    assert "张*明" in text and "李*英" in text and "配偶" in text and "officer_a1" in text
    text = html(client.get(reverse("registry:dwelling", args=[world.dwelling_a.pk])))
    assert "A-0001" in text and "李*英" in text
    # a department sees the place but no people
    client.force_login(world.handler_cg)
    text = html(client.get(reverse("registry:dwelling", args=[world.dwelling_a.pk])))
    assert world.dwelling_a.address in text and "张*明" not in text and "A-0001" not in text


def test_building_shows_who_lives_where(client, world):
    client.force_login(world.worker_a11)
    text = html(client.get(reverse("registry:building", args=[world.building.pk])))
    assert "101" in text and "张*明" in text and "李*英" in text and "张晓明" not in text


def test_new_dwelling_outside_its_grid_is_refused_in_chinese(client, world):
    client.force_login(world.worker_a11)
    url = reverse("registry:dwelling-new")
    response = client.post(url, {"address": "甲一小区9号楼", "grid": world.grid_a11.pk, "lon": "114.4", "lat": "35.6"})
    text = response.content.decode()
    assert response.status_code == 200 and "该位置不在所选网格" in text and 'value="甲一小区9号楼"' in text
    response = client.post(url, {"address": "甲一小区9号楼", "grid": "", "lon": "114.1", "lat": "35.6"})
    assert response.status_code == 302
    # a point in another street's grid is not the worker's to register
    response = client.post(url, {"address": "乙一小区9号楼", "grid": "", "lon": "114.4", "lat": "35.6"})
    assert response.status_code == 200 and "无权" in response.content.decode()
    assert not Dwelling.objects.filter(address="乙一小区9号楼").exists()


def test_new_organization_checks_the_credit_code(client, world):
    client.force_login(world.officer_a1)
    url = reverse("registry:organization-new")
    data = {"kind": "enterprise", "name": "甲一公司", "credit_code": "91410611MA0000001A",
            "grid": world.grid_a11.pk, "address": "", "business_type": "", "lon": "", "lat": "",
            "contact_name": "", "contact_phone": ""}
    response = client.post(url, data)
    assert "统一社会信用代码无效" in response.content.decode() and 'value="甲一公司"' in response.content.decode()
    data["credit_code"] = "91410611MA0000002Q"
    assert client.post(url, data).status_code == 302


def test_organization_contact_is_masked(client, world):
    url = reverse("registry:organization", args=[world.organization.pk])
    client.force_login(world.worker_a11)
    text = html(client.get(url))
    assert "136****2222" in text and "13600002222" not in text
    client.force_login(world.handler_cg)
    text = html(client.get(url))
    assert "王*力" in text and "王大力" not in text and "2222" not in text


def map_config(response) -> dict:
    found = re.search(r'<script id="registry-map-config" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(found.group(1)) if found else {}


def test_map_points_are_scoped(client, world):
    client.force_login(world.worker_a11)
    config = map_config(client.get(reverse("registry:map")))  # one grid: opened at once
    assert [(p["address"], p["households"]) for p in config["points"]] == [(world.dwelling_a.address, 1)]
    assert config["boundary"]["geometry"] == world.grid_a11.boundary
    assert [b["name"] for b in config["buildings"]] == ["1号楼"]
    client.force_login(world.command)
    config = map_config(client.get(reverse("registry:map"), {"grid": world.grid_b11.pk}))
    assert [p["address"] for p in config["points"]] == [world.dwelling_b.address]
    # a department sees the places of its area, without household counts or building pages
    client.force_login(world.handler_bcg)
    config = map_config(client.get(reverse("registry:map"), {"grid": world.grid_b11.pk}))
    assert [(p["address"], p["households"]) for p in config["points"]] == [(world.dwelling_b.address, None)]
    assert client.get(reverse("registry:map"), {"grid": world.grid_a11.pk}).status_code == 404


def test_grid_sizing_numbers(client, world):
    # a moved-out resident is not counted; a large grid A1-2 must be split
    gone = actions.save_person(None, name="赵走了", dwelling=world.dwelling_a)
    actions.move_out(None, gone)
    dwelling = actions.save_dwelling(None, address="甲一第二网格大院", grid=world.grid_a12)
    households = []
    for i in range(460):
        h = Household(number=f"Z{i}", dwelling=dwelling)
        h.place_in(world.grid_a12)
        households.append(h)
    households = Household.objects.bulk_create(households)
    people = []
    for i, h in enumerate(households):
        p = Person(name=f"居民{i}", dwelling=dwelling, household=h, relation="head")
        p.place_in(world.grid_a12)
        people.append(p)
    Person.objects.bulk_create(people)
    rows = {r["grid"].pk: r for r in grid_sizing_rows(world.command)}
    assert (rows[world.grid_a11.pk]["households"], rows[world.grid_a11.pk]["residents"]) == (1, 2)
    assert (rows[world.grid_a12.pk]["households"], rows[world.grid_a12.pk]["residents"]) == (460, 460)
    # the canary lives in no household; household B-0001 has nobody in it
    assert (rows[world.grid_b11.pk]["households"], rows[world.grid_b11.pk]["residents"]) == (0, 1)
    assert [rows[g.pk]["flag"] for g in (world.grid_a11, world.grid_a12, world.grid_b11)] == ["merge", "split", "merge"]
    assert {r["grid"].pk for r in grid_sizing_rows(world.worker_a11)} == {world.grid_a11.pk}
    client.force_login(world.command)
    text = html(client.get(reverse("registry:grid-sizing"), {"sort": "-households"}))
    assert text.index("甲一第二网格") < text.index("甲一第一网格")
    assert re.search(rf'data-grid="{world.grid_a12.pk}" data-flag="split"', text)


def test_list_pages_need_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    dwellings = [actions.save_dwelling(None, address=f"甲一小区3号楼{i}室", grid=world.grid_a11,
                                       building=world.building, unit=str(i % 3), room=str(100 + i)) for i in range(12)]
    for i, dwelling in enumerate(dwellings):
        household = actions.save_household(None, dwelling=dwelling, number=f"N{i}")
        person = actions.save_person(None, name=f"孙{i}号", phone=f"1330000{i:04d}", household=household)
        actions.tag_person(None, person, kind="disabled")
        actions.save_organization(None, kind="shop", name=f"店{i}", grid=world.grid_a11)
    client.force_login(world.command)
    # measured: the same with 3 or 20 rows per page (session, user, roles, the nav's counts, ...)
    limits = {
        reverse("registry:people"): 11,
        reverse("registry:people") + "?q=孙&group=disabled": 13,
        reverse("registry:dwellings"): 12,
        reverse("registry:organizations"): 10,
        reverse("registry:building", args=[world.building.pk]): 10,
        reverse("registry:map") + f"?grid={world.grid_a11.pk}": 11,
        reverse("registry:grid-sizing"): 9,
        reverse("registry:person", args=[world.resident.pk]): 14,
        reverse("registry:household", args=[world.household_a.pk]): 10,
        reverse("registry:dwelling", args=[world.dwelling_a.pk]): 11,
    }
    for url, limit in limits.items():
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200, url
