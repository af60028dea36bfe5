"""Read queries for pages and the API (no writes here)."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count

from accounts.choices import Role
from accounts.models import RoleAssignment
from areas.choices import Duty, Level
from areas.models import Area, StaffAssignment

FORCE_ROLES = [Role.STREET_OFFICER, Role.COMMUNITY_OFFICER, Role.GRID_CHIEF, Role.GRID_WORKER]


def visible_roots(user):
    """The topmost areas a user can see (the areas its roles are bound to, without nesting)."""
    areas = list(Area.objects.restrict(user).filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
                 .order_by("depth", "path").only("id", "path", "name", "level", "code", "depth", "parent_id")[:2000])
    roots: list[Area] = []
    for area in areas:
        if not any(area.path.startswith(root.path) for root in roots):
            roots.append(area)
    return roots


def child_counts(parent_ids) -> dict[int, int]:
    rows = Area.objects.filter(parent_id__in=parent_ids).values("parent_id").annotate(n=Count("id"))
    return {row["parent_id"]: row["n"] for row in rows}


def force_list(user, root: Area) -> list[dict]:
    """三级力量清单: people per duty and role for each street, community and grid under `root`.

    Each row counts the people bound directly to that area and, for streets and communities, the
    grid staff in the grids below them. Keys are "duty:<duty>" (staff assignments) and
    "role:<role>" (role assignments): a grid chief is both a duty and a role, counted apart.
    """
    areas = list(
        Area.objects.restrict(user).subtree(root)
        .filter(level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID])
        .order_by("path").only("id", "name", "code", "level", "path", "depth", "parent_id")
    )
    ids = [a.id for a in areas]
    direct_duty: dict[int, Counter] = defaultdict(Counter)
    for row in (StaffAssignment.objects.active().filter(area_id__in=ids)
                .values("area_id", "duty").annotate(n=Count("user_id", distinct=True))):
        direct_duty[row["area_id"]][row["duty"]] = row["n"]
    direct_role: dict[int, Counter] = defaultdict(Counter)
    for row in (RoleAssignment.objects.active().filter(area_id__in=ids, role__in=FORCE_ROLES)
                .values("area_id", "role").annotate(n=Count("user_id", distinct=True))):
        direct_role[row["area_id"]][row["role"]] = row["n"]
    rows = []
    by_path = {a.path: a for a in areas}
    totals: dict[int, Counter] = defaultdict(Counter)
    for area in areas:
        counts = Counter({f"duty:{k}": v for k, v in direct_duty[area.id].items()})
        counts.update({f"role:{k}": v for k, v in direct_role[area.id].items()})
        parts = area.path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            ancestor = by_path.get("/" + "/".join(parts[:i]) + "/")
            if ancestor is not None:
                totals[ancestor.id].update(counts)
    for area in areas:
        direct = {**{f"duty:{d}": direct_duty[area.id][d] for d in Duty.values},
                  **{f"role:{r}": direct_role[area.id][r] for r in FORCE_ROLES}}
        rows.append({"area": area, "direct": direct, "total": {key: totals[area.id][key] for key in direct}})
    return rows
