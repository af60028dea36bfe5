"""The demo registry (manage.py load_demo_registry): synthetic residents with valid (synthetic) id
numbers, households with one head, dwellings inside their grids, special groups at plausible rates,
organizations with valid credit codes, nothing personal in plaintext, loaded once.

淇滨区 is loaded once for the module (load_demo --no-cases --no-registry, then 2,000 residents,
through the commands as a user would) and rolled back at the end; each test runs in a savepoint.
"""

import datetime as dt
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import ric, uscc

from accounts.models import User
from areas import resolver
from areas.models import Area, Department
from registry import demo
from registry.choices import Gender, Relation, ResidenceStatus, SpecialGroup
from registry.models import (
    Building,
    Component,
    Dwelling,
    Estate,
    Household,
    Organization,
    Person,
    Residence,
    SpecialGroupTag,
)
from registry.search import search_people

QIBIN = "410611"
COUNT = 2000


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    accounts_file = tmp_path_factory.mktemp("demo") / "demo-accounts.json"
    out = StringIO()
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--no-cases", "--no-registry", "--password", "Demo-pass-2026",
                     "--accounts-file", str(accounts_file), stdout=out)
        call_command("load_demo_registry", "--count", str(COUNT), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def people():
    return Person.objects.filter(district_code=QIBIN)


def age(birth: dt.date) -> int:
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@pytest.mark.django_db
def test_it_makes_the_residents_in_households(loaded):
    assert f"Demo registry: {COUNT:,} residents" in loaded
    assert people().count() == COUNT
    households = Household.objects.filter(district_code=QIBIN)
    assert 0.25 * COUNT < households.count() < 0.45 * COUNT  # ~3 people each
    assert set(people().values_list("residence_status", flat=True)) == set(ResidenceStatus.values)
    assert people().filter(residence_status=ResidenceStatus.REGISTERED).count() > COUNT / 2
    assert Residence.objects.filter(person__district_code=QIBIN, moved_out_on=None).count() == COUNT
    assert Estate.objects.filter(district_code=QIBIN).exists()
    assert Building.objects.filter(district_code=QIBIN, estate__isnull=False).exists()


@pytest.mark.django_db
def test_every_household_has_exactly_one_head_living_with_its_members(loaded):
    heads = Counter(people().filter(relation=Relation.HEAD).values_list("household_id", flat=True))
    households = Household.objects.filter(district_code=QIBIN)
    assert set(heads) == set(households.values_list("id", flat=True))
    assert set(heads.values()) == {1}
    for household in households.select_related("head", "dwelling"):
        assert household.head.household_id == household.pk and household.head.relation == Relation.HEAD
        assert household.grid_id == household.dwelling.grid_id
    mismatched = people().exclude(dwelling_id=None).select_related("household", "dwelling")
    for person in mismatched:
        assert person.dwelling_id == person.household.dwelling_id
        assert person.address_text == person.dwelling.address and person.grid_id == person.dwelling.grid_id
    sizes = Counter(households.annotate(n=Count("members")).values_list("n", flat=True))
    assert min(sizes) >= 1 and max(sizes) <= 6 and len(sizes) >= 4


@pytest.mark.django_db
def test_id_numbers_are_valid_synthetic_and_agree_with_birth_date_and_gender(loaded):
    seen = set()
    district = Area.objects.get(code=QIBIN)
    registered_here = 0
    for person in people():
        number = person.id_number
        assert ric.is_valid(number), number
        assert number not in seen
        seen.add(number)
        assert ric.get_birth_date(number) == person.birth_date
        assert person.gender == (Gender.MALE if int(number[16]) % 2 else Gender.FEMALE)
        registered_here += number.startswith(district.code)
    # the district's own code is valid only for births from 1983: older people get the city's code
    assert registered_here > COUNT / 3
    assert people().filter(birth_date__year__lt=1983).exists()
    for person in people().filter(birth_date__year__lt=1983, residence_status=ResidenceStatus.REGISTERED)[:50]:
        assert not person.id_number.startswith(QIBIN)


def test_synthetic_numbers_fall_back_to_a_long_lived_region_and_have_check_digits():
    rng, used = random.Random(1), set()
    old = demo.synthetic_id_number(QIBIN, dt.date(1950, 3, 1), True, rng, used)
    new = demo.synthetic_id_number(QIBIN, dt.date(1990, 3, 1), False, rng, used)
    assert old.startswith("410600") and new.startswith(QIBIN)
    assert ric.is_valid(old) and ric.is_valid(new)
    assert int(old[16]) % 2 == 1 and int(new[16]) % 2 == 0
    codes = {demo.synthetic_credit_code("9", "1", QIBIN, rng, set()) for _ in range(200)}
    assert all(uscc.is_valid(code) and code.startswith("91" + QIBIN) for code in codes)


@pytest.mark.django_db
def test_ages_follow_a_plausible_pyramid(loaded):
    ages = [age(b) for b in people().values_list("birth_date", flat=True)]
    children = sum(a < 15 for a in ages) / len(ages)
    seniors = sum(a >= 65 for a in ages) / len(ages)
    assert 0.10 < children < 0.26 and 0.08 < seniors < 0.22
    assert max(ages) <= 100 and min(ages) >= 0
    phones = people().exclude(phone_index="")
    assert 0.6 * COUNT < phones.count() < 0.95 * COUNT
    assert not phones.filter(birth_date__gt=timezone.localdate() - dt.timedelta(days=365 * 12)).exists()


@pytest.mark.django_db
def test_every_point_lies_in_its_grid(loaded):
    index = resolver.get_index()
    for model in (Dwelling, Estate, Building, Organization, Component):
        rows = list(model.objects.filter(district_code=QIBIN).values_list("lon", "lat", "grid_id"))
        assert rows, model
        for lon, lat, grid_id in rows:
            assert index.resolve(lon, lat) == grid_id, (model, lon, lat)
    grids = Area.objects.filter(pk__in=Dwelling.objects.values("grid_id"))
    assert set(grids.values_list("level", flat=True)) == {"grid"}
    assert Dwelling.objects.filter(district_code=QIBIN).exclude(external_key__startswith=demo.MARKER).count() == 0


@pytest.mark.django_db
def test_special_groups_come_at_plausible_rates_with_carers(loaded):
    tags = SpecialGroupTag.objects.filter(district_code=QIBIN)
    counts = {kind: tags.filter(kind_index=SpecialGroupTag.index_of(kind)).count() for kind in SpecialGroup.values}
    ages = [age(b) for b in people().values_list("birth_date", flat=True)]
    seniors = sum(a >= 65 for a in ages)
    assert abs(counts[SpecialGroup.ELDERLY_ALONE] - 0.03 * seniors) <= 2
    assert 0.005 * COUNT <= counts[SpecialGroup.DISABLED] <= 0.05 * COUNT
    assert 0.01 * COUNT <= counts[SpecialGroup.LOW_INCOME] <= 0.03 * COUNT
    assert counts[SpecialGroup.SEVERE_MENTAL_ILLNESS] <= 0.015 * COUNT
    for rare in (SpecialGroup.COMMUNITY_CORRECTION, SpecialGroup.RELEASED_PRISONER, SpecialGroup.DRUG_REHAB):
        assert counts[rare] <= 0.005 * COUNT
    assert counts[SpecialGroup.LEFT_BEHIND_CHILD] > 0 and counts[SpecialGroup.VETERAN] > 0
    for tag in tags.select_related("person"):
        assert tag.area_path == tag.person.area_path and tag.kind in SpecialGroup.values
        if tag.kind == SpecialGroup.ELDERLY_ALONE:
            assert age(tag.person.birth_date) >= 65 and tag.person.household.members.count() == 1
        if tag.kind == SpecialGroup.LEFT_BEHIND_CHILD:
            assert age(tag.person.birth_date) < 16 and tag.person.relation == Relation.GRANDCHILD
    cared = tags.filter(kind_index=SpecialGroupTag.index_of(SpecialGroup.ELDERLY_ALONE)).exclude(carer=None)
    assert cared.exists()
    for tag in cared.select_related("carer", "person"):
        assert tag.carer.staff_assignments.filter(area_id=tag.person.grid_id).exists()


@pytest.mark.django_db
def test_organizations_have_valid_unique_credit_codes_and_components_their_departments(loaded):
    organizations = Organization.objects.filter(district_code=QIBIN)
    codes = list(organizations.values_list("credit_code", flat=True))
    assert len(codes) > 10 and len(set(codes)) == len(codes)
    assert all(uscc.is_valid(code) for code in codes)
    shops = organizations.filter(kind="shop")
    assert shops.count() > organizations.count() / 2 and not shops.filter(business_type="").exists()
    assert {"enterprise", "shop"} <= set(organizations.values_list("kind", flat=True))
    assert all(o.contact_name and o.dwelling_id for o in organizations)
    components = Component.objects.filter(district_code=QIBIN)
    assert components.count() > 100
    assert {"0101", "0120", "0302"} <= set(components.values_list("type_code", flat=True))
    departments = set(Department.objects.filter(district_code=QIBIN).values_list("id", flat=True))
    assert set(components.values_list("owner_department_id", flat=True)) <= departments
    assert set(components.values_list("maintainer_department_id", flat=True)) <= departments
    assert all(demo.COMPONENT_CODE.match(code) for code in components.values_list("code", flat=True))


@pytest.mark.django_db
def test_nothing_personal_is_stored_in_plaintext(loaded):
    sample = list(people().order_by("?")[:200])
    secrets = [p.id_number for p in sample] + [p.phone for p in sample if p.phone]
    assert len(secrets) > 300
    with connection.cursor() as cursor:
        text = []
        for table in ("registry_person", "registry_specialgrouptag", "registry_organization", "registry_residence"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            text.append(" ".join(str(v) for row in cursor.fetchall() for v in row))
    text = " ".join(text)
    for secret in secrets:
        assert secret not in text
        assert secret[-8:] not in text  # not even a part
    for kind in SpecialGroup.values:
        assert kind not in text


@pytest.mark.django_db
def test_the_street_officer_finds_demo_residents(loaded):
    officer = User.objects.get(username__startswith="street_")
    street = officer.role_assignments.get().area
    person = people().filter(area_path__startswith=street.path, moved_out_on=None).order_by("id").first()
    assert search_people(officer, person.id_number, audit=False)[1] == [person]
    kind, found = search_people(officer, person.name, audit=False)
    assert kind == "text" and person in found
    kind, found = search_people(officer, person.name_initials, audit=False)
    assert kind == "pinyin" and found
    outside = people().exclude(area_path__startswith=street.path).first()
    assert search_people(officer, outside.id_number, audit=False)[1] == []


@pytest.mark.django_db
def test_loading_again_adds_nothing_and_reset_makes_the_same_people(loaded):
    def snapshot():
        return sorted(people().values_list("name", "birth_date", "id_number_index", "relation", "grid__code"))

    before = snapshot()
    rows = {m: m.objects.filter(district_code=QIBIN).count() for m in (Dwelling, Household, Organization, Component)}
    out = StringIO()
    call_command("load_demo_registry", "--count", str(COUNT), stdout=out)
    assert f"already has {COUNT:,}" in out.getvalue()
    call_command("load_demo", "--no-cases", "--password", "Demo-pass-2026", stdout=out)  # asks for it too
    assert snapshot() == before
    assert rows == {m: m.objects.filter(district_code=QIBIN).count() for m in rows}
    call_command("load_demo_registry", "--count", str(COUNT), "--reset", stdout=out)
    assert f"({COUNT:,} old residents deleted)" in out.getvalue()
    assert snapshot() == before
    assert rows == {m: m.objects.filter(district_code=QIBIN).count() for m in rows}
    assert Estate.objects.filter(district_code=QIBIN, buildings=None).count() == 0
