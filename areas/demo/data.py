"""The five seed districts: the real data in data/districts/ and the demo's own settings for each.

Real (see data/districts/SOURCES.md): the district outline, the names and 12-digit statistical
codes of its streets/townships, and the names of their communities/villages as of about 2020.
Everything else the demo needs (inner boundaries, community and grid codes, grids, households,
people) is generated and marked illustrative.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.conf import settings
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from areas import geo

DEFAULT_DISTRICT = "410611"


def data_dir() -> Path:
    return Path(settings.BASE_DIR) / "data" / "districts"


@dataclass(frozen=True)
class DistrictSettings:
    """What the demo assumes about a district beyond the real data."""

    # lon/lat of the urban core (roughly the district government's seat, from public maps); the
    # illustrative urban streets are clustered around it.
    core: tuple[float, float]
    # Names of the grid levels below a community (Area.grid_level_names).
    grid_level_names: tuple[str, ...] = ("网格",)
    # Grids in all urban streets (街道) together, where a source gives the figure; otherwise
    # about 1.5 per urban community (社区) plus one per village.
    urban_grid_total: int | None = None
    # How many communities/villages to invent for a street/township whose list is empty.
    generated_urban_communities: int = 6
    generated_villages: int = 15
    # Where the street officer, community officer and grid chief demo accounts work; by default
    # the urban street with the most communities and its first community.
    focus_street: str = ""
    focus_community: str = ""


DISTRICT_SETTINGS: dict[str, DistrictSettings] = {
    # 淇滨区: "将城区划分为49个网格" (seed report 000); the report's example is 九州路办事处,
    # 金鹤社区. 长江路/泰山路街道 (founded after 2020) have no community list: four each invented.
    "410611": DistrictSettings(
        core=(114.2988, 35.7416),
        urban_grid_total=49,
        generated_urban_communities=4,
        focus_street="九州路街道",
        focus_community="金鹤社区居委会",
    ),
    "220106": DistrictSettings(core=(125.2560, 43.8810)),
    "410411": DistrictSettings(core=(113.3000, 33.7260)),
    "370831": DistrictSettings(core=(117.2510, 35.6640)),
    "431302": DistrictSettings(core=(112.0000, 27.7300), grid_level_names=("二级网格",)),  # report 004: 总网格 = street, 一级 = community
}

DISTRICT_CODES = tuple(DISTRICT_SETTINGS)

CHINESE_NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (up to 99)."""
    if n < 10:
        return CHINESE_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_NUMERALS[tens]) + "十" + (CHINESE_NUMERALS[ones] if ones else "")


def is_urban_street(name: str) -> bool:
    return name.endswith("街道")


def is_village(name: str) -> bool:
    return name.endswith(("村委会", "村"))


def street_stem(name: str) -> str:
    """长江路街道 → 长江路, 大赉店镇 → 大赉店, 上峪乡 → 上峪."""
    return re.sub(r"(街道|街道办事处|办事处|镇|乡)$", "", name)


def community_short_name(name: str) -> str:
    """桂鹤社区居委会 → 桂鹤社区, 董庄村委会 → 董庄村, 庞村村委会 → 庞村."""
    if name.endswith("居委会"):
        return name[: -len("居委会")]
    if name.endswith("村委会"):
        stem = name[: -len("村委会")]
        return stem if stem.endswith("村") else stem + "村"
    return name


def slug_stem(name: str) -> str:
    """The part of a name that goes into a username: 九州路街道 → 九州, 金鹤社区居委会 → 金鹤."""
    stem = re.sub(r"(社区居委会|居委会|村委会|社区|街道|办事处|镇|乡)$", "", name)
    stem = re.sub(r"路$", "", stem)
    return stem or name


@dataclass(frozen=True)
class Township:
    """A street (街道) or township (镇/乡) with its real code and community/village names."""

    name: str
    code: str
    communities: tuple[str, ...]
    # True when the source had no list and the names were invented (illustrative, see below).
    communities_generated: bool

    @property
    def urban(self) -> bool:
        return is_urban_street(self.name)


def generated_community_names(township_name: str, count: int) -> tuple[str, ...]:
    """Invented, clearly schematic names for a street/township the source has no list for.

    Urban streets get "长江路第一社区", "长江路第二社区" ...; townships "华村一村村委会" ...
    These are NOT real names; the areas are created illustrative like every generated area.
    """
    stem = street_stem(township_name)
    if is_urban_street(township_name):
        return tuple(f"{stem}第{chinese_number(i)}社区" for i in range(1, count + 1))
    return tuple(f"{stem}{chinese_number(i)}村村委会" for i in range(1, count + 1))


@dataclass(frozen=True)
class DistrictSource:
    code: str
    name: str
    province: str
    city: str
    townships: tuple[Township, ...]
    boundary_geojson: dict
    settings: DistrictSettings

    @cached_property
    def boundary(self) -> BaseGeometry:
        return shape(self.boundary_geojson)

    @property
    def is_county(self) -> bool:
        return self.name.endswith("县")


def load_district(code: str) -> DistrictSource:
    """Read CODE.json and CODE.boundary.geojson; raise ValueError for an unknown district."""
    if code not in DISTRICT_SETTINGS:
        raise ValueError(f"unknown demo district {code!r}; choose one of {', '.join(DISTRICT_CODES)}")
    district_settings = DISTRICT_SETTINGS[code]
    folder = data_dir()
    info = json.loads((folder / f"{code}.json").read_text(encoding="utf-8"))
    collection = json.loads((folder / f"{code}.boundary.geojson").read_text(encoding="utf-8"))
    features = collection["features"] if collection.get("type") == "FeatureCollection" else [collection]
    geometry = features[0]["geometry"] if features[0].get("type") == "Feature" else features[0]
    geo.parse_geometry(geometry)  # the real outline must pass the project's own checks as it is
    townships = []
    for item in info["townships"]:
        names = tuple(item.get("communities") or ())
        generated = not names
        if generated:
            count = (
                district_settings.generated_urban_communities
                if is_urban_street(item["name"])
                else district_settings.generated_villages
            )
            names = generated_community_names(item["name"], count)
        townships.append(
            Township(name=item["name"], code=item["code"], communities=names, communities_generated=generated)
        )
    return DistrictSource(
        code=info["code"],
        name=info["district"],
        province=info["province"],
        city=info["city"],
        townships=tuple(townships),
        boundary_geojson=geometry,
        settings=district_settings,
    )
