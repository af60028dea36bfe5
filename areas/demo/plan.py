"""The demo district as an in-memory tree (no database): names, codes, boundaries, households.

    district   real outline, real 6-digit code
    street     real name and 12-digit code; boundary generated (urban streets small, round the core)
    community  real name (or invented where the source has none); code street[:9] + 3 digits
    grid       code community + 3 digits; ~300 households each

Only the district's outline and code and the streets' codes are official; every area with a
generated boundary is marked illustrative (示意).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from areas.choices import Level
from areas.demo import geography
from areas.demo.data import (
    DistrictSource,
    Township,
    chinese_number,
    community_short_name,
    is_village,
    load_district,
)

# A township (镇/乡) is drawn about this many times larger than an urban street (街道).
RURAL_WEIGHT = 4.0
URBAN_HOUSEHOLDS = (240, 360)  # households per urban grid: about 300, the usual size of a grid
RURAL_HOUSEHOLDS = (180, 480)  # a village is one grid, whatever its size


@dataclass
class Node:
    code: str
    name: str
    level: str
    geometry: BaseGeometry
    official_code: bool = False
    illustrative: bool = True
    households: int | None = None
    urban: bool = False
    children: list[Node] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        """This node and everything below it, parents before children, in code order."""
        yield self
        for child in sorted(self.children, key=lambda node: node.code):
            yield from child.walk()


@dataclass
class DistrictPlan:
    source: DistrictSource
    root: Node

    @property
    def code(self) -> str:
        return self.source.code

    def nodes(self, level: str | None = None) -> list[Node]:
        return [node for node in self.root.walk() if level is None or node.level == level]

    def parent_of(self) -> dict[str, Node]:
        """Child code → parent node."""
        return {child.code: node for node in self.root.walk() for child in node.children}


def build_plan(code: str) -> DistrictPlan:
    source = load_district(code)
    core = source.settings.core
    root = Node(
        code=source.code,
        name=source.name,
        level=Level.DISTRICT,
        geometry=source.boundary,
        official_code=True,
        illustrative=False,
    )
    district_region = geography.tidy(source.boundary)

    urban = [t for t in source.townships if t.urban]
    rural = [t for t in source.townships if not t.urban]
    share = len(urban) / (len(urban) + RURAL_WEIGHT * len(rural))
    urban_zone, rural_zone = geography.split_urban_zone(district_region, core, share, key=f"{code}:zone")

    # Urban streets: the more villages a street has, the farther out it goes. Townships: 镇 in
    # the nearer cells, 乡 (usually hill country) farther out.
    urban = sorted(urban, key=lambda t: (_village_share(t), t.code))
    rural = sorted(rural, key=lambda t: (t.name.endswith("乡"), t.code))
    for group, zone, label in ((urban, urban_zone, "urban"), (rural, rural_zone, "rural")):
        cells = geography.partition(zone, len(group), key=f"{code}:{label}")
        cells.sort(key=lambda cell: geography.distance_key(cell, core))
        for township, cell in zip(group, cells, strict=True):
            root.children.append(_street(source, township, cell))
    root.children.sort(key=lambda node: node.code)

    _add_grids(source, root)
    return DistrictPlan(source=source, root=root)


def _village_share(township: Township) -> float:
    return sum(is_village(name) for name in township.communities) / len(township.communities)


def _street(source: DistrictSource, township: Township, geometry: BaseGeometry) -> Node:
    core = source.settings.core
    street = Node(
        code=township.code,
        name=township.name,
        level=Level.STREET,
        geometry=geometry,
        official_code=True,
        urban=township.urban,
    )
    names = list(township.communities)
    codes = {name: f"{township.code[:9]}{number:03d}" for number, name in enumerate(names, start=1)}
    # Communities (社区) in the cells nearest the core, villages farther out.
    ordered = sorted(names, key=lambda name: (is_village(name), names.index(name)))
    cells = geography.partition(geometry, len(names), key=f"{source.code}:{township.code}")
    cells.sort(key=lambda cell: geography.distance_key(cell, core))
    for name, cell in zip(ordered, cells, strict=True):
        street.children.append(
            Node(code=codes[name], name=name, level=Level.COMMUNITY, geometry=cell, urban=township.urban)
        )
    street.children.sort(key=lambda node: node.code)
    return street


def grid_counts(communities: list[Node], total: int | None) -> dict[str, int]:
    """Grids per community: one each; urban ones get more up to `total`, the largest first.

    `total` None: about 1.5 per community (社区), one per village. Extra grids go to communities
    (not villages) one at a time, each to the one with most area per grid.
    """
    counts = {node.code: 1 for node in communities}
    candidates = [node for node in communities if not is_village(node.name)] or communities
    if total is None:
        total = len(communities) + len(candidates) // 2
    total = max(total, len(communities))
    areas = {node.code: node.geometry.area for node in communities}
    for _ in range(total - len(communities)):
        best = max(candidates, key=lambda node: (areas[node.code] / counts[node.code], node.code))
        counts[best.code] += 1
    return counts


def _add_grids(source: DistrictSource, root: Node) -> None:
    urban_communities = [c for street in root.children if street.urban for c in street.children]
    counts = grid_counts(urban_communities, source.settings.urban_grid_total)
    for street in root.children:
        for community in street.children:
            count = counts.get(community.code, 1)
            cells = geography.partition(community.geometry, count, key=f"{source.code}:{community.code}")
            cells.sort(key=lambda cell: geography.distance_key(cell, source.settings.core))
            short = community_short_name(community.name)
            low, high = URBAN_HOUSEHOLDS if street.urban else RURAL_HOUSEHOLDS
            for number, cell in enumerate(cells, start=1):
                grid_code = f"{community.code}{number:03d}"
                name = f"{short}网格" if count == 1 else f"{short}第{chinese_number(number)}网格"
                rng = geography.rng_for(f"households:{grid_code}")
                community.children.append(
                    Node(
                        code=grid_code,
                        name=name,
                        level=Level.GRID,
                        geometry=cell,
                        households=int(rng.integers(low, high + 1)),
                        urban=street.urban,
                    )
                )
