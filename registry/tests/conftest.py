import pytest

# Synthetic identity card numbers with valid check digits (never real people's).
IDS = ["110101199003070054", "410611198512120028", "410611201001010024", "410611199505050011"]


@pytest.fixture
def registry(cast):
    """The cast with one dwelling, household and resident in grid A1-1 and a canary in grid B1-1."""
    from registry import actions

    dwelling_a = actions.save_dwelling(None, address="甲一小区1号楼1单元101", grid=cast.grid_a11,
                                       lon=114.07, lat=35.6)
    household_a = actions.save_household(None, dwelling=dwelling_a, number="A-0001")
    resident = actions.save_person(None, name="张晓明", id_number=IDS[0], phone="13812345678",
                                   household=household_a, relation="head")
    dwelling_b = actions.save_dwelling(None, address="乙一小区2号楼2单元202", grid=cast.grid_b11,
                                       lon=114.4, lat=35.6)
    canary = actions.save_person(None, name="金丝雀", id_number=IDS[1], phone="13900009999", dwelling=dwelling_b)
    type(canary).objects.filter(pk=canary.pk).update(canary=True)
    actions.tag_person(None, resident, kind="elderly_alone")
    cast.resident, cast.canary = resident, canary
    cast.dwelling_a, cast.dwelling_b, cast.household_a = dwelling_a, dwelling_b, household_a
    return cast
