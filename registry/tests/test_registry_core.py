"""Privacy by design at the core: encryption at rest, blind-index search, masking, scope, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.models import AuditLog
from registry import actions
from registry.models import Person, SpecialGroupTag
from registry.search import search_people
from registry.tests.conftest import IDS

pytestmark = pytest.mark.django_db


def test_personal_data_is_only_stored_encrypted(registry):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_person")
        rows = " ".join(str(v) for row in cursor.fetchall() for v in row)
        cursor.execute("SELECT * FROM registry_specialgrouptag")
        rows += " ".join(str(v) for row in cursor.fetchall() for v in row)
    for secret in (IDS[0], IDS[1], "13812345678", "13900009999", "5678", "elderly_alone"):
        assert secret not in rows
    person = Person.objects.get(pk=registry.resident.pk)
    assert person.id_number == IDS[0] and person.phone == "13812345678"
    assert person.masked_id_number == "1101**********0054" and person.masked_phone == "138****5678"
    assert person.masked_name == "张*明" and str(person) == "张*明"
    assert SpecialGroupTag.objects.get().kind == "elderly_alone"


@pytest.mark.parametrize("query, kind", [
    (IDS[0], "id_number"), ("13812345678", "phone"), ("5678", "phone_tail"), ("zxm", "pinyin"),
    ("zhangxiao", "pinyin"), ("张晓", "text"), ("甲一小区", "text"),
])
def test_one_search_box_finds_by_every_key_within_scope(registry, query, kind):
    found_kind, results = search_people(registry.officer_a, query)
    assert found_kind == kind and [p.pk for p in results] == [registry.resident.pk]
    # another street finds nothing, not even the canary's own keys from the wrong side
    assert search_people(registry.worker_b11, query)[1] == []


def test_the_canary_is_found_only_inside_its_grid(registry):
    assert [p.pk for p in search_people(registry.worker_b11, IDS[1])[1]] == [registry.canary.pk]
    for persona in ("worker_a11", "officer_a", "officer_a1", "chief_a11", "handler_cg", "handler_bcg", "stranger"):
        assert search_people(registry.users[persona], IDS[1])[1] == []
        assert search_people(registry.users[persona], "金丝雀")[1] == []


def test_searches_are_audited_without_the_key(registry):
    search_people(registry.officer_a, IDS[0])
    entry = AuditLog.objects.filter(action="registry.search").latest("id")
    assert entry.actor == registry.officer_a and entry.object_repr == "id_number"
    assert entry.after["results"] == [registry.resident.pk]
    assert IDS[0] not in str(entry.after) + entry.note + entry.object_repr


@pytest.mark.parametrize("id_number, fragment", [
    ("110101199003070055", "校验位"),  # wrong check digit
    ("11010119900307005", "18"),
    ("1101011990030700", "18"),
])
def test_bad_id_numbers_are_refused_in_chinese(registry, id_number, fragment):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.save_person(None, name="李四", id_number=id_number, dwelling=registry.dwelling_a)
    assert fragment in " ".join(error.value.messages), error.value.messages
    assert Person.objects.count() == before


def test_a_document_is_registered_once(registry):
    with pytest.raises(ValidationError):
        actions.save_person(None, name="冒名", id_number=IDS[0], dwelling=registry.dwelling_b)


def test_a_dwelling_must_lie_in_its_grid(registry):
    with pytest.raises(ValidationError):
        actions.save_dwelling(None, address="错位", grid=registry.grid_a11, lon=114.4, lat=35.6)
    with pytest.raises(ValidationError):
        actions.save_dwelling(None, address="区外", lon=120.0, lat=30.0)


def test_identity_card_gives_birth_date_and_gender(registry):
    person = registry.resident  # 110101 19900307 005 4: born 7 March 1990, odd sequence digit → male
    assert str(person.birth_date) == "1990-03-07" and person.gender == "male"
    woman = actions.save_person(None, name="王芳", id_number=IDS[2], dwelling=registry.dwelling_a, relation="child")
    assert str(woman.birth_date) == "2010-01-01" and woman.gender == "female"


def test_unmasking_needs_the_permission_and_a_purpose_and_is_audited(registry):
    with pytest.raises(PermissionDenied):
        actions.unmask(registry.worker_a11, registry.resident, purpose="走访核实")
    with pytest.raises(ValidationError):
        actions.unmask(registry.officer_a1, registry.resident, purpose="")
    plain = actions.unmask(registry.officer_a1, registry.resident, purpose="低保复核")
    assert plain == {"id_number": IDS[0], "phone": "13812345678"}
    entry = AuditLog.objects.get(action="registry.unmask")
    assert entry.note == "低保复核" and IDS[0] not in str(entry.after)


def test_moving_keeps_history(registry):
    person = registry.resident
    actions.save_person(None, person=person, name=person.name, dwelling=registry.dwelling_b, relation="tenant")
    actions.move_out(None, Person.objects.get(pk=person.pk))
    stays = list(person.residences.order_by("id").values_list("dwelling_id", "moved_out_on"))
    assert [s[0] for s in stays] == [registry.dwelling_a.pk, registry.dwelling_b.pk]
    assert all(s[1] is not None for s in stays)


def test_departments_see_places_but_no_people(registry):
    from registry.models import Dwelling

    assert Person.objects.restrict(registry.handler_cg).count() == 0
    assert Dwelling.objects.restrict(registry.handler_cg).count() == 2
    assert Person.objects.restrict(registry.worker_a11).count() == 1
    with pytest.raises(PermissionDenied):
        actions.save_person(registry.worker_a11, name="越界", dwelling=registry.dwelling_b)


def test_a_household_out_of_scope_cannot_be_joined(registry):
    from registry.models import Household

    household_b = actions.save_household(None, dwelling=registry.dwelling_b, number="B-1")
    with pytest.raises(PermissionDenied):
        actions.save_person(registry.worker_a11, name="混入", dwelling=registry.dwelling_a, household=household_b)
    assert Household.objects.get(pk=household_b.pk).head_id is None


def test_tags_follow_their_person_and_need_the_sensitive_capability(registry):
    assert SpecialGroupTag.objects.restrict(registry.leader).count() == 0  # no registry.sensitive
    assert SpecialGroupTag.objects.restrict(registry.worker_a11).count() == 1
    person = Person.objects.get(pk=registry.resident.pk)
    actions.save_person(None, person=person, name=person.name, dwelling=registry.dwelling_b, relation="tenant")
    assert SpecialGroupTag.objects.restrict(registry.worker_a11).count() == 0
    assert SpecialGroupTag.objects.restrict(registry.worker_b11).count() == 1


def test_short_text_is_a_name_prefix_and_longer_text_is_found_anywhere(registry):
    """One or two characters search the start of names (a surname, a two-character name); three
    or more search anywhere in the name and the address."""
    def found(query):
        return [p.pk for p in search_people(registry.officer_a, query, audit=False)[1]]

    me = registry.resident.pk  # 张晓明, 甲一小区…
    assert found("张") == found("张晓") == [me]
    assert found("晓明") == []  # not the start of a name
    assert found("张晓明") == found("晓明") + [me]
    assert found("一小区") == [me]  # the address, from three characters
    assert found("小区") == []  # two characters never search addresses


def test_latin_keys_match_initials_or_pinyin_and_come_in_pinyin_order(registry):
    """"zh" is both the initials of 张华 and the start of the pinyin of 赵敏 and 周…; the two index
    walks merge into one list in pinyin order, cut at the limit."""
    from registry import actions

    household = registry.resident.household
    made = {name: actions.save_person(registry.worker_a11, name=name, household=household, relation="other").pk
            for name in ("赵敏", "张华", "周正", "郑浩", "李志")}

    def found(query, limit=50):
        return [p.pk for p in search_people(registry.officer_a, query, limit=limit, audit=False)[1]]

    # zhanghua (initials zh), zhangxiaoming (the resident 张晓明), zhaomin, zhenghao, zhouzheng
    everyone = [made["张华"], registry.resident.pk, made["赵敏"], made["郑浩"], made["周正"]]
    assert found("zh") == everyone
    assert found("zh", limit=3) == everyone[:3]
    assert found("lz") == [made["李志"]]  # initials only
    assert found("ZHAO MIN") == [made["赵敏"]]
    assert found("zz") == [made["周正"]]
