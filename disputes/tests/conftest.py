import pytest

IDS = ["110101199003070054", "410611198512120028", "410611201001010024", "410611199505050011"]


@pytest.fixture
def people(cast):
    """The cast with residents: two in grid A1-1 (one tagged elderly living alone), one in grid
    A1-2 and one in grid B1-1; a household per dwelling."""
    from registry import actions

    def resident(name, id_number, phone, address, grid, lon, lat, number):
        dwelling = actions.save_dwelling(None, address=address, grid=grid, lon=lon, lat=lat)
        household = actions.save_household(None, dwelling=dwelling, number=number)
        return actions.save_person(None, name=name, id_number=id_number, phone=phone, household=household,
                                   relation="head")

    cast.resident_a = resident("张晓明", IDS[0], "13812345678", "甲一小区1号楼101", cast.grid_a11, 114.07, 35.6, "A-1")
    cast.resident_a2 = resident("李秀英", IDS[3], "13700001111", "甲一小区1号楼102", cast.grid_a11, 114.08, 35.6,
                                "A-2")
    cast.resident_a12 = resident("王建国", IDS[2], "13600002222", "甲一小区5号楼501", cast.grid_a12, 114.2, 35.6,
                                 "A-3")
    cast.resident_b = resident("赵金凤", IDS[1], "13900009999", "乙一小区2号楼202", cast.grid_b11, 114.4, 35.6, "B-1")
    actions.tag_person(None, cast.resident_a, kind="elderly_alone")
    return cast


@pytest.fixture
def loop(cast, settings, tmp_path):
    """The cast with the default case catalog (for turning disputes into cases)."""
    from cases.catalog import load_default_catalog

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_default_catalog()
    return cast
