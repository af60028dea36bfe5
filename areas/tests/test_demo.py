"""The demo-district loader (manage.py load_demo): real codes, illustrative boundaries, accounts.

淇滨区 is loaded once for the module (through the command, as a user would) and rolled back at the
end; each test runs in its own savepoint on top of it.
"""

import json
from io import StringIO

import pytest
import shapely
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.choices import Role
from accounts.models import RoleAssignment, User
from areas import geo, resolver
from areas.choices import Duty, Level
from areas.demo import geography
from areas.demo.data import DISTRICT_CODES, load_district
from areas.demo.geography import partition, rng_for
from areas.demo.loader import load_demo
from areas.demo.plan import build_plan
from areas.models import Area, Department, StaffAssignment

PASSWORD = "Demo-pass-2026"
QIBIN = "410611"


# The tests check ten passwords; with the real PBKDF2 work factor that alone takes seconds.
def fast_hashing():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    accounts_file = tmp_path_factory.mktemp("demo") / "nested" / "demo-accounts.json"
    out = StringIO()
    with fast_hashing(), django_db_blocker.unblock(), transaction.atomic():
        # the areas, staff and accounts only: the demo cases, registry and community work have their
        # own loader tests (cases/, registry/, disputes/ …), each on top of this part
        call_command("load_demo", "--no-cases", "--no-registry", "--password", PASSWORD, "--accounts-file",
                     str(accounts_file), stdout=out)
        yield {"accounts_file": accounts_file, "stdout": out.getvalue()}
        transaction.set_rollback(True)


def areas(level):
    return list(Area.objects.filter(district_code=QIBIN, level=level).order_by("code"))


def shape_of(area):
    return geo.parse_geometry(area.boundary)


@pytest.mark.django_db
def test_it_creates_the_district_with_its_real_outline(loaded):
    district = Area.objects.get(code=QIBIN)
    source = load_district(QIBIN)
    assert district.level == Level.DISTRICT and district.name == "淇滨区"
    assert district.official_code and not district.illustrative
    assert district.grid_level_names == ["网格"]
    assert shape_of(district).equals(source.boundary)


@pytest.mark.django_db
def test_it_creates_the_nine_streets_with_their_real_codes(loaded):
    source = load_district(QIBIN)
    streets = areas(Level.STREET)
    assert [(s.code, s.name) for s in streets] == sorted((t.code, t.name) for t in source.townships)
    assert len(streets) == 9
    assert all(s.official_code and s.illustrative and s.parent.code == QIBIN for s in streets)


@pytest.mark.django_db
def test_communities_use_the_real_names_and_generated_codes(loaded):
    source = load_district(QIBIN)
    for township in source.townships:
        communities = Area.objects.filter(parent__code=township.code).order_by("code")
        assert [c.name for c in communities] == list(township.communities)
        for community in communities:
            assert len(community.code) == 12 and community.code[:9] == township.code[:9]
            assert (
                community.level == Level.COMMUNITY and not community.official_code and community.illustrative
            )
    # 长江路/泰山路街道 have no list in the source: the names are invented and say so by their form.
    assert list(Area.objects.filter(parent__code="410611007000").values_list("name", flat=True)[:1]) == [
        "长江路第一社区"
    ]


@pytest.mark.django_db
def test_every_grid_code_extends_its_community_code(loaded):
    grids = Area.objects.filter(district_code=QIBIN, level=Level.GRID).select_related("parent")
    assert grids.count() > 100
    for grid in grids:
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.parent.level == Level.COMMUNITY and grid.code.startswith(grid.parent.code)
        assert grid.illustrative and 150 <= grid.households <= 500


@pytest.mark.django_db
def test_urban_streets_hold_49_grids_and_every_community_has_one(loaded):
    urban = [s for s in areas(Level.STREET) if s.name.endswith("街道")]
    assert len(urban) == 5
    grids = Area.objects.filter(level=Level.GRID, parent__parent__in=urban)
    assert grids.count() == 49
    for community in Area.objects.filter(level=Level.COMMUNITY, district_code=QIBIN):
        assert community.children.exists(), community.name
    # Villages of the townships: one grid each.
    rural = Area.objects.filter(level=Level.COMMUNITY, parent__name__endswith="乡") | Area.objects.filter(
        level=Level.COMMUNITY, parent__name__endswith="镇"
    )
    assert all(c.children.count() == 1 for c in rural)


@pytest.mark.django_db
def test_every_boundary_lies_inside_its_parent_and_siblings_do_not_overlap(loaded):
    tolerance = settings.AREA_CONTAINMENT_TOLERANCE
    by_parent = {}
    for area in (
        Area.objects.filter(district_code=QIBIN).exclude(level=Level.DISTRICT).select_related("parent")
    ):
        geom = shape_of(area)
        assert geom.difference(shape_of(area.parent)).area <= tolerance * geom.area, area.name
        by_parent.setdefault(area.parent_id, []).append(geom)
    for siblings in by_parent.values():
        tree = shapely.STRtree(siblings)
        for i, j in zip(*tree.query(siblings, predicate="intersects"), strict=True):
            if i < j:
                smaller = min(siblings[i].area, siblings[j].area)
                assert siblings[i].intersection(siblings[j]).area <= settings.AREA_OVERLAP_TOLERANCE * smaller


@pytest.mark.django_db
def test_grids_cover_the_district(loaded):
    district = shape_of(Area.objects.get(code=QIBIN))
    grids = shapely.union_all([shape_of(g) for g in areas(Level.GRID)])
    assert district.symmetric_difference(grids).area < 1e-4 * district.area


@pytest.mark.django_db
def test_random_points_in_the_district_resolve_to_a_grid(loaded, monkeypatch):
    monkeypatch.setattr(resolver, "_index", None)  # other tests' rolled-back data may share a version
    district = shape_of(Area.objects.get(code=QIBIN))
    rng = rng_for("test points")
    min_x, min_y, max_x, max_y = district.bounds
    xs, ys = rng.uniform(min_x, max_x, 2000), rng.uniform(min_y, max_y, 2000)
    inside = shapely.contains_xy(district, xs, ys)
    points = list(zip(xs[inside][:300], ys[inside][:300], strict=True))
    assert len(points) == 300
    index = resolver.get_index()
    ids = [index.resolve(x, y) for x, y in points]
    levels = dict(Area.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "level"))
    assert all(i is not None and levels[i] == Level.GRID for i in ids)


@pytest.mark.django_db
def test_it_creates_district_and_street_departments(loaded):
    departments = Department.objects.filter(district_code=QIBIN)
    codes = set(departments.values_list("code", flat=True))
    for suffix in ("CG", "SZ", "HW", "YL", "HB", "XF", "GA", "ZJ", "SCJG", "YJ", "MZ"):
        assert f"{QIBIN}-{suffix}" in codes
    street_level = departments.filter(area__level=Level.STREET)
    assert street_level.count() >= 1
    assert all(d.name.endswith("城管中队") and d.kind == "urban_management" for d in street_level)


@pytest.mark.django_db
def test_every_grid_has_a_chief_and_one_to_three_workers(loaded):
    duties = StaffAssignment.objects.active().filter(district_code=QIBIN)
    workers = (Duty.FULL_TIME_WORKER, Duty.PART_TIME_WORKER)
    for grid in areas(Level.GRID):
        assert duties.filter(area=grid, duty=Duty.GRID_CHIEF).count() == 1
        assert 1 <= duties.filter(area=grid, duty__in=workers).count() <= 3
    sponsors = duties.filter(duty=Duty.SPONSORING_LEADER)
    assert sponsors.exists() and duties.filter(duty=Duty.GRID_LIAISON).exists()
    per_leader = {}
    for user_id in sponsors.values_list("user_id", flat=True):
        per_leader[user_id] = per_leader.get(user_id, 0) + 1
    assert max(per_leader.values()) <= 2


@pytest.mark.django_db
def test_the_accounts_file_lists_every_role_with_working_passwords(loaded):
    accounts = json.loads(loaded["accounts_file"].read_text(encoding="utf-8"))
    assert {role for a in accounts for role in a["roles"]} == set(Role.values)
    assert all(a["password"] == PASSWORD and a["full_name"] for a in accounts)
    for account in accounts:
        user = User.objects.get(username=account["username"])
        assert user.check_password(PASSWORD), user.username
        assert user.full_name == account["full_name"] and not user.full_name.isascii()
        held = RoleAssignment.objects.active().filter(user=user)
        assert sorted(held.values_list("role", flat=True)) == sorted(account["roles"])
        target = held.first()
        assert target.target_code == account["area_code"]
    workers = [a for a in accounts if a["roles"] == [Role.GRID_WORKER]]
    streets = {Area.objects.get(code=a["area_code"]).parent.parent.code for a in workers}
    assert len(workers) >= 2 and len(streets) >= 2
    names = {a["username"] for a in accounts}
    assert {"command", "leader", "admin", "dept_cg", "dept_sz", "worker_jiuzhou", "worker_jinshan"} <= names
    # Grid workers of the demo also hold the duty on their grid (the force list shows them).
    for account in workers:
        assert (
            StaffAssignment.objects.active()
            .filter(user__username=account["username"], area__code=account["area_code"])
            .exists()
        )
    assert "worker_jinshan" in loaded["stdout"] and PASSWORD in loaded["stdout"]


@pytest.mark.django_db
def test_staff_who_do_not_sign_in_have_no_usable_password(loaded):
    chief = User.objects.filter(username__startswith="chief_410611").first()
    assert chief is not None and not chief.has_usable_password() and chief.full_name


@pytest.mark.django_db
def test_loading_again_changes_nothing_but_the_password(loaded):
    def state():
        return {
            "areas": sorted(
                Area.objects.filter(district_code=QIBIN).values_list(
                    "code", "name", "level", "parent__code", "households", "official_code", "illustrative"
                )
            ),
            "boundaries": dict(Area.objects.filter(district_code=QIBIN).values_list("code", "boundary")),
            "users": User.objects.count(),
            "roles": RoleAssignment.objects.count(),
            "duties": StaffAssignment.objects.count(),
            "departments": sorted(Department.objects.values_list("code", "name", "area__code")),
        }

    before = state()
    with fast_hashing():
        result = load_demo(QIBIN, password="Changed-pass-2027")
    assert state() == before
    assert result.stats["areas unchanged"] == len(before["areas"])
    assert not any(key.endswith(("created", "updated", "granted", "assigned")) for key in result.stats)
    assert User.objects.get(username="command").check_password("Changed-pass-2027")


@pytest.mark.django_db
def test_a_changed_generator_redraws_boundaries_in_place(loaded, monkeypatch):
    original = geography.partition

    def redrawn(region, n, key, **kwargs):  # 九州路街道's communities come out differently
        return original(region, n, f"{key}:v2" if key == "410611:410611004000" else key, **kwargs)

    monkeypatch.setattr(geography, "partition", redrawn)
    ids = dict(Area.objects.filter(district_code=QIBIN).values_list("code", "id"))
    old = Area.objects.get(code="410611004001").boundary
    with fast_hashing():
        result = load_demo(QIBIN, password=PASSWORD)
    assert result.stats["areas updated"] >= 17 and not result.stats["areas created"]
    new = Area.objects.get(code="410611004001")
    assert new.boundary != old and new.id == ids["410611004001"]
    street = shape_of(Area.objects.get(code="410611004000"))
    for community in Area.objects.filter(parent__code="410611004000"):
        assert shape_of(community).difference(street).area <= 1e-3 * shape_of(community).area


@pytest.mark.parametrize("code", DISTRICT_CODES)
def test_every_demo_district_plans_a_valid_tree(code):
    plan = build_plan(code)
    source = load_district(code)
    assert len(plan.nodes(Level.STREET)) == len(source.townships)
    parent_of = plan.parent_of()
    for node in plan.nodes():
        geom = node.geometry
        assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon") and geom.area > 0
        geo.parse_geometry(geo.to_geojson(geom))
        if node.code in parent_of:
            parent = parent_of[node.code]
            assert node.code.startswith(parent.code if node.level == Level.GRID else parent.code[:9])
            assert geom.difference(parent.geometry).area <= 1e-4 * geom.area
        if node.level == Level.GRID:
            assert len(node.code) == 15
    if code == "431302":
        assert source.settings.grid_level_names == ("二级网格",)


def test_partition_is_deterministic_and_tiles_the_region():
    region = shapely.Polygon([(114.0, 35.0), (114.1, 35.0), (114.1, 35.08), (114.05, 35.03), (114.0, 35.08)])
    first = partition(region, 7, "key")
    second = partition(region, 7, "key")
    assert [g.wkb for g in first] == [g.wkb for g in second]
    assert len(first) == 7 and all(g.is_valid and g.area > 0 for g in first)
    assert abs(shapely.union_all(first).area - region.area) < 1e-6 * region.area
    assert [g.wkb for g in partition(region, 7, "other")] != [g.wkb for g in first]
