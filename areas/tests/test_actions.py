"""The area tree's rules: codes, levels, boundaries, and nothing half-saved on bad input."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from areas import actions
from areas.models import Area, StaffAssignment
from areas.resolver import get_index
from conftest import square
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def grid_kwargs(cast, **overrides):
    kwargs = dict(name="新网格", level="grid", parent=cast.community_b1, code="410611002001002",
                  boundary=square(114.5, 35.51, 114.52, 35.52))
    kwargs.update(overrides)
    return kwargs


def test_it_creates_an_area_with_path_bbox_and_audit(cast):
    count = AuditLog.objects.filter(action="area.create").count()
    grid = actions.create_area(cast.admin, name="乙一第二网格", level="grid", parent=cast.community_b1,
                               boundary=square(114.5, 35.51, 114.52, 35.52))
    assert grid.code == "410611002001002"  # next free code under the community
    assert grid.path == f"{cast.community_b1.path}{grid.pk}/"
    assert grid.depth == 3 and grid.district_code == "410611"
    assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == (114.5, 35.51, 114.52, 35.52)
    entry = AuditLog.objects.filter(action="area.create").latest("id")
    assert AuditLog.objects.filter(action="area.create").count() == count + 1
    assert entry.actor == cast.admin and entry.object_id == str(grid.pk)
    assert entry.after["code"] == "410611002001002"


@pytest.mark.parametrize("boundary, fragment", [
    ("{not json", "不是有效的 JSON"),
    ({"type": "Point", "coordinates": [114.3, 35.5]}, "Polygon"),
    ({"type": "Polygon", "coordinates": [[[114.31, 35.51], [114.32]]]}, "坐标"),
    ({"type": "Polygon", "coordinates": [[[114.31, 35.51], [114.32, 35.52], [114.31, 35.52], [114.32, 35.51],
                                          [114.31, 35.51]]]}, "有效的多边形"),
    (square(500, 35.51, 501, 35.52), "经纬度"),
    (square(114.29, 35.51, 114.32, 35.52), "超出"),  # sticks out of community B1 into street A
    (square(114.35, 35.55, 114.4, 35.6), "重叠"),  # overlaps grid B1-1
])
def test_it_refuses_bad_boundaries_with_a_chinese_message_and_saves_nothing(cast, boundary, fragment):
    before = (Area.objects.count(), AuditLog.objects.count())
    with pytest.raises(ValidationError) as error:
        actions.create_area(cast.admin, **grid_kwargs(cast, boundary=boundary))
    assert fragment in " ".join(error.value.messages), error.value.messages
    assert (Area.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize("code, fragment", [
    ("410611002001001", "已被使用"),  # duplicate
    ("41061100200100", "15 位数字"),  # too short
    ("410611001001009", "开头"),  # not under its community's code
    ("41061100200100A", "15 位数字"),
])
def test_it_refuses_bad_codes(cast, code, fragment):
    before = Area.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.create_area(cast.admin, **grid_kwargs(cast, code=code, boundary=None))
    assert fragment in " ".join(error.value.messages), error.value.messages
    assert Area.objects.count() == before


def test_it_refuses_a_level_that_does_not_fit_the_parent(cast):
    with pytest.raises(ValidationError) as error:
        actions.create_area(cast.admin, name="错层", level="community", parent=cast.community_a1)
    assert "不能" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        actions.create_area(cast.admin, name="二级网格", level="grid", parent=cast.grid_a11)  # one grid level


def test_nested_grid_levels_follow_the_district_configuration(cast):
    actions.update_area(cast.admin, cast.district, grid_level_names=["总网格", "一级网格", "二级网格"])
    grid = Area.objects.get(pk=cast.grid_a11.pk)
    sub = actions.create_area(cast.admin, name="子网格", level="grid", parent=grid,
                              boundary=square(114.0, 35.5, 114.05, 35.55))
    assert sub.code == "410611001001001001" and sub.grid_rank == 2 and sub.level_label == "一级网格"
    assert Area.objects.get(pk=grid.pk).level_label == "总网格"


def test_only_area_changers_may_change_areas(cast):
    with pytest.raises(PermissionDenied):
        actions.create_area(cast.officer_a, **grid_kwargs(cast, parent=cast.community_a1, code=None, boundary=None))
    with pytest.raises(PermissionDenied):
        actions.update_area(cast.command, cast.grid_a11, name="改名")
    assert Area.objects.get(pk=cast.grid_a11.pk).name == "甲一第一网格"


def test_a_boundary_change_is_audited_and_rebuilds_the_point_index(cast):
    assert get_index().resolve(114.07, 35.6) == cast.grid_a11.pk
    # shrink A1-1 to its western third: the point 114.07 now falls in no grid, only the community
    actions.update_area(cast.admin, cast.grid_a11, boundary=square(114.0, 35.5, 114.05, 35.75))
    assert get_index().resolve(114.07, 35.6) == cast.community_a1.pk
    entry = AuditLog.objects.filter(action="area.update", object_id=str(cast.grid_a11.pk)).latest("id")
    assert entry.before["bbox"] == [114.0, 35.5, 114.15, 35.75]
    assert entry.after["bbox"] == [114.0, 35.5, 114.05, 35.75]


def test_a_parent_cannot_shrink_away_from_its_children(cast):
    with pytest.raises(ValidationError) as error:
        actions.update_area(cast.admin, cast.community_a1, boundary=square(114.0, 35.5, 114.1, 35.75))
    assert "甲一第一网格" in " ".join(error.value.messages)


def test_codes_of_areas_with_children_are_stable(cast):
    with pytest.raises(ValidationError):
        actions.update_area(cast.admin, cast.community_a1, code="410611001009")


def test_delete_needs_an_empty_area(cast):
    with pytest.raises(ValidationError):
        actions.delete_area(cast.admin, cast.community_a1)
    with pytest.raises(ValidationError):  # a role is bound to grid A1-1
        actions.delete_area(cast.admin, cast.grid_a11)
    actions.delete_area(cast.admin, cast.grid_a12)
    assert not Area.objects.filter(pk=cast.grid_a12.pk).exists()
    assert AuditLog.objects.filter(action="area.delete", object_id=str(cast.grid_a12.pk)).exists()


def test_geojson_round_trip_and_all_or_nothing_import(cast):
    exported = actions.export_geojson(Area.objects.filter(path__startswith=cast.street_b.path).order_by("path"))
    assert {f["properties"]["code"] for f in exported["features"]} == {"410611002000", "410611002001", "410611002001001"}
    # B1-1 shrinks, a new grid goes east of it, and one feature is bad: nothing may be saved
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square(114.3, 35.5, 114.4, 35.75),
         "properties": {"code": "410611002001001", "name": "乙一第一网格"}},
        {"type": "Feature", "geometry": square(114.45, 35.5, 114.6, 35.75),
         "properties": {"code": "410611002001002", "name": "乙一第二网格", "level": "grid", "parent_code": "410611002001"}},
        {"type": "Feature", "geometry": square(114.0, 35.5, 114.6, 36.0),
         "properties": {"code": "410611002001003", "name": "越界网格", "level": "grid", "parent_code": "410611002001"}},
    ]}
    before = Area.objects.count()
    with pytest.raises(ValidationError) as error:
        actions.import_geojson(cast.admin, json.dumps(collection))
    assert "410611002001003" in " ".join(error.value.messages)
    assert Area.objects.count() == before
    assert Area.objects.get(code="410611002001001").max_lon == 114.45
    collection["features"].pop()
    result = actions.import_geojson(cast.admin, json.dumps(collection))
    assert result == {"created": 1, "updated": 1}
    assert get_index().resolve(114.5, 35.6) == Area.objects.get(code="410611002001002").pk


def test_import_refuses_garbage(cast):
    for payload in ["nope", json.dumps({"type": "Feature"}), json.dumps({"type": "FeatureCollection", "features": []}),
                    json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]})]:
        with pytest.raises(ValidationError):
            actions.import_geojson(cast.admin, payload)


def test_staff_rules(cast):
    from datetime import date

    actions.assign_staff(cast.admin, user=cast.chief_a11, area=cast.grid_a11, duty="grid_chief",
                         starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError):  # one grid chief at a time
        actions.assign_staff(cast.admin, user=cast.worker_a11, area=cast.grid_a11, duty="grid_chief",
                             starts_on=date(2026, 6, 1))
    with pytest.raises(ValidationError):  # staff sit on grids
        actions.assign_staff(cast.admin, user=cast.worker_a11, area=cast.community_a1, duty="full_time_worker")
    leader = cast.leader
    actions.assign_staff(cast.admin, user=leader, area=cast.grid_a11, duty="sponsoring_leader",
                         starts_on=date(2026, 1, 1))
    actions.assign_staff(cast.admin, user=leader, area=cast.grid_a12, duty="sponsoring_leader",
                         starts_on=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:  # 1-2 grids each
        actions.assign_staff(cast.admin, user=leader, area=cast.grid_b11, duty="sponsoring_leader")
    assert "2" in " ".join(error.value.messages)
    # ending one keeps the history and frees a place
    first = StaffAssignment.objects.get(user=leader, area=cast.grid_a11)
    actions.end_staff_assignment(cast.admin, first)
    first.refresh_from_db()
    assert first.ends_on is not None and not first.is_active
    actions.assign_staff(cast.admin, user=leader, area=cast.grid_b11, duty="sponsoring_leader")
    assert StaffAssignment.objects.filter(user=leader).count() == 3
    assert StaffAssignment.objects.active().filter(user=leader).count() == 2


def test_ending_an_assignment_that_starts_today_cancels_it(cast):
    assignment = actions.assign_staff(cast.admin, user=cast.worker_a11, area=cast.grid_a12, duty="part_time_worker")
    actions.end_staff_assignment(cast.admin, assignment)
    assert not StaffAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditLog.objects.filter(action="staff.cancel", object_id=str(assignment.pk)).exists()


def test_street_officers_assign_staff_only_in_their_street(cast):
    actions.assign_staff(cast.officer_a, user=cast.worker_a11, area=cast.grid_a12, duty="part_time_worker")
    with pytest.raises(PermissionDenied):
        actions.assign_staff(cast.officer_a, user=cast.worker_a11, area=cast.grid_b11, duty="part_time_worker")
