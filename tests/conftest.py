"""A small world for the API-wide tests: the cast plus the catalog, a few cases in several states,
and a registry with a resident, a household, a dwelling and an organization in grid A1-1 and in
grid B1-1 (another street), so every endpoint has something in scope and something out of scope."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

IDS = ["110101199003070054", "410611198512120028"]


def _photo(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 90, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(cast, settings, tmp_path):
    from cases import actions as case_actions
    from cases.catalog import load_default_catalog
    from registry import actions as registry_actions

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_default_catalog()
    # cases: one reported in grid A1-1 by its worker, one dispatched there, one in grid B1-1
    reported, _ = case_actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                           description="小区门口暴露垃圾", lon=114.07, lat=35.6,
                                           photos=[_photo()])
    dispatched, _ = case_actions.report_case(cast.worker_a11, channel="grid_worker", category_code="E0101",
                                             description="道路破损", lon=114.08, lat=35.61)
    case_actions.accept(cast.command, dispatched)
    case_actions.file(cast.command, dispatched)
    case_actions.dispatch(cast.command, dispatched, departments=[cast.dept_cg])
    other, _ = case_actions.report_case(cast.worker_b11, channel="grid_worker", category_code="E0101",
                                        description="乙街道的案件", lon=114.4, lat=35.6)
    cast.case_reported, cast.case_dispatched, cast.case_b = reported, dispatched, other
    # registry
    dwelling_a = registry_actions.save_dwelling(None, address="甲一小区1号楼1单元101", grid=cast.grid_a11,
                                                lon=114.07, lat=35.6)
    household_a = registry_actions.save_household(None, dwelling=dwelling_a, number="A-0001")
    resident = registry_actions.save_person(None, name="张晓明", id_number=IDS[0], phone="13812345678",
                                            household=household_a, relation="head")
    dwelling_b = registry_actions.save_dwelling(None, address="乙一小区2号楼2单元202", grid=cast.grid_b11,
                                                lon=114.4, lat=35.6)
    household_b = registry_actions.save_household(None, dwelling=dwelling_b, number="B-0001")
    resident_b = registry_actions.save_person(None, name="李乙", id_number=IDS[1], phone="13900009999",
                                              household=household_b, relation="head")
    org_a = registry_actions.save_organization(None, kind="shop", name="甲一便利店", grid=cast.grid_a11,
                                               lon=114.07, lat=35.6)
    org_b = registry_actions.save_organization(None, kind="shop", name="乙一便利店", grid=cast.grid_b11,
                                               lon=114.4, lat=35.6)
    # estates and buildings have no action function yet (the demo and imports write them)
    from registry.models import Building, Estate

    for suffix, grid in (("a", cast.grid_a11), ("b", cast.grid_b11)):
        estate = Estate(name=f"{suffix}小区", address=f"{suffix}路1号")
        estate.place_in(grid)
        estate.save()
        building = Building(estate=estate, name="1号楼", floors=6)
        building.place_in(grid)
        building.save()
        setattr(cast, f"estate_{suffix}", estate)
        setattr(cast, f"building_{suffix}", building)
    # grid staff, and a message in each grid worker's inbox
    from areas.actions import assign_staff
    from core.models import Notification

    cast.staff_a = assign_staff(None, user=cast.worker_a11, area=cast.grid_a11, duty="full_time_worker")
    cast.staff_b = assign_staff(None, user=cast.worker_b11, area=cast.grid_b11, duty="full_time_worker")
    cast.note_a = Notification.objects.create(user=cast.worker_a11, kind="case", message="甲的消息")
    cast.note_b = Notification.objects.create(user=cast.worker_b11, kind="case", message="乙的消息")
    cast.resident, cast.resident_b = resident, resident_b
    cast.dwelling_a, cast.dwelling_b = dwelling_a, dwelling_b
    cast.household_a, cast.household_b = household_a, household_b
    cast.org_a, cast.org_b = org_a, org_b
    return cast
