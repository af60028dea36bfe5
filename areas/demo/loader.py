"""Write a demo district into the database: areas, departments, grid staff and demo accounts.

Everything goes through the project's action functions with actor None (the system), so the
same validation runs as for a user's edit: code shapes, child inside parent, no overlapping
siblings, one grid chief per grid, at most two grids per sponsoring leader.

Idempotent: areas and departments are looked up by code and updated only where something
differs; people by username; roles and duties are added only when not already held. The demo
accounts' passwords are set to the given one on every run.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from pypinyin import lazy_pinyin

from accounts.actions import create_user, grant_role
from accounts.choices import Role
from accounts.models import RoleAssignment, User
from areas import geo
from areas.actions import assign_staff, create_area, save_department, update_area
from areas.choices import SPONSORING_LEADER_MAX_GRIDS, DepartmentKind, Duty, Level
from areas.demo.data import DEFAULT_DISTRICT, is_village, slug_stem
from areas.demo.geography import rng_for
from areas.demo.plan import DistrictPlan, Node, build_plan
from areas.models import Area, Department, StaffAssignment
from core.audit import record

DEFAULT_PASSWORD = "Gridgov2026!demo"


def default_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def default_accounts_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-accounts.json"


# District-level departments: (code suffix, kind, name template). {d} district, {c} city.
DEPARTMENTS = [
    ("CG", DepartmentKind.URBAN_MANAGEMENT, "{d}城市管理局"),
    ("SZ", DepartmentKind.MUNICIPAL, "{d}市政工程管理中心"),
    ("HW", DepartmentKind.SANITATION, "{d}环境卫生管理中心"),
    ("YL", DepartmentKind.LANDSCAPING, "{d}园林绿化中心"),
    ("HB", DepartmentKind.ENVIRONMENT, "{c}生态环境局{d}分局"),
    ("XF", DepartmentKind.PETITIONS, "{d}信访局"),
    ("GA", DepartmentKind.POLICE, "{police}"),
    ("ZJ", DepartmentKind.HOUSING, "{d}住房和城乡建设局"),
    ("SCJG", DepartmentKind.MARKET, "{d}市场监督管理局"),
    ("YJ", DepartmentKind.EMERGENCY, "{d}应急管理局"),
    ("MZ", DepartmentKind.CIVIL_AFFAIRS, "{d}民政局"),
]

# Invented people (no real person meant). The login accounts' names are fixed; grid staff get
# names drawn from these lists, deterministically per username.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞宇浩然晓东春梅海燕雪琳佳欣俊峰"


@dataclass
class DemoAccount:
    username: str
    full_name: str
    roles: list[str]
    area_code: str
    area_name: str
    password: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LoadResult:
    district: Area
    accounts: list[DemoAccount]
    stats: Counter = field(default_factory=Counter)

    def level_counts(self) -> dict[str, int]:
        rows = (
            Area.objects.filter(district_code=self.district.code)
            .values("level")
            .annotate(n=Count("id"))
            .values_list("level", "n")
        )
        counts = dict(rows)
        return {level: counts.get(level, 0) for level in Level.values if counts.get(level)}


def load_demo(code: str = DEFAULT_DISTRICT, *, password: str | None = None) -> LoadResult:
    """Load (or refresh) one demo district; all of it in one transaction."""
    password = password or default_password()
    validate_password(password)
    plan = build_plan(code)
    stats: Counter = Counter()
    with transaction.atomic():
        areas = _load_areas(plan, stats)
        departments = _load_departments(plan, areas, stats)
        accounts = _load_people(plan, areas, departments, password, stats)
    return LoadResult(district=areas[plan.code], accounts=accounts, stats=stats)


# --- areas -----------------------------------------------------------------------------------


def _load_areas(plan: DistrictPlan, stats: Counter) -> dict[str, Area]:
    existing = {area.code: area for area in Area.objects.filter(district_code=plan.code)}
    nodes = list(plan.root.walk())
    boundaries = {node.code: geo.to_geojson(node.geometry) for node in nodes}
    _clear_changed_boundaries(nodes, boundaries, existing, stats)
    parent_of = plan.parent_of()
    areas: dict[str, Area] = {}
    for node in nodes:
        fields = {
            "name": node.name,
            "official_code": node.official_code,
            "illustrative": node.illustrative,
            "households": node.households,
        }
        if node.level == Level.DISTRICT:
            fields["grid_level_names"] = list(plan.source.settings.grid_level_names)
        boundary = boundaries[node.code]
        area = existing.get(node.code)
        if area is None:
            parent = areas[parent_of[node.code].code] if node.code in parent_of else None
            area = create_area(
                None, level=node.level, parent=parent, code=node.code, boundary=boundary, **fields
            )
            stats["areas created"] += 1
        else:
            changes = {name: value for name, value in fields.items() if getattr(area, name) != value}
            if area.boundary != boundary:
                changes["boundary"] = boundary
            if changes:
                area = update_area(None, area, **changes)
                stats["areas updated"] += 1
            else:
                stats["areas unchanged"] += 1
        areas[node.code] = area
    return areas


def _clear_changed_boundaries(
    nodes: list[Node], boundaries: dict[str, dict], existing: dict[str, Area], stats: Counter
) -> None:
    """Take away the old boundaries of areas whose boundary changes, and of everything below them.

    A new boundary need not fit the old ones around it (the old children, the old neighbours), so
    the old ones go first, deepest first, and the new ones are then drawn parents first. Areas of
    an earlier load that the demo no longer has (say a grid the generator now leaves out) lose
    their boundary too, so they cannot block the new ones; they keep their staff, so they are not
    deleted. All this only happens when the generator changed since the last load.
    """
    clear: set[str] = {code for code in existing if code not in boundaries}
    dropped = sum(1 for code in clear if existing[code].boundary is not None)
    if dropped:
        stats["areas no longer in the demo (boundary removed)"] += dropped
    for node in nodes:
        area = existing.get(node.code)
        if node.code not in clear and area is not None and area.boundary != boundaries[node.code]:
            clear.update(n.code for n in node.walk())
    old = [existing[code] for code in clear if code in existing and existing[code].boundary is not None]
    for area in sorted(old, key=lambda a: (-a.depth, a.code)):
        existing[area.code] = update_area(None, area, boundary=None)


# --- departments -----------------------------------------------------------------------------


def _department_specs(plan: DistrictPlan, focus: Focus) -> list[dict]:
    source = plan.source
    police = f"{source.name}公安局" if source.is_county else f"{source.city}公安局{source.name}分局"
    specs = [
        {
            "code": f"{plan.code}-{suffix}",
            "kind": kind,
            "area_code": plan.code,
            "name": template.format(d=source.name, c=source.city, police=police),
        }
        for suffix, kind, template in DEPARTMENTS
    ]
    for street in (focus.street, focus.second_street):  # street-level squads (城管中队)
        specs.append(
            {
                "code": f"{street.code[:9]}-CG",
                "kind": DepartmentKind.URBAN_MANAGEMENT,
                "area_code": street.code,
                "name": f"{street.name}城管中队",
            }
        )
    return specs


def _load_departments(plan: DistrictPlan, areas: dict[str, Area], stats: Counter) -> dict[str, Department]:
    specs = _department_specs(plan, Focus.of(plan))
    existing = {d.code: d for d in Department.objects.filter(code__in=[s["code"] for s in specs])}
    departments = {}
    for spec in specs:
        area = areas[spec["area_code"]]
        department = existing.get(spec["code"])
        if department is None:
            department = save_department(
                None, name=spec["name"], code=spec["code"], kind=spec["kind"], area=area
            )
            stats["departments created"] += 1
        elif (department.name, department.kind, department.area_id, department.is_active) != (
            spec["name"],
            spec["kind"],
            area.pk,
            True,
        ):
            department = save_department(
                None,
                department=department,
                name=spec["name"],
                code=spec["code"],
                kind=spec["kind"],
                area=area,
                phone=department.phone,
                is_active=True,
            )
            stats["departments updated"] += 1
        departments[spec["code"]] = department
    return departments


# --- people ----------------------------------------------------------------------------------


@dataclass
class Focus:
    """Where the demo accounts work: one street/community/grid, and a grid in a second street."""

    street: Node
    community: Node
    grid: Node
    second_street: Node
    second_grid: Node
    sponsored: list[Node]  # the grids the district leader sponsors (分包)

    @classmethod
    def of(cls, plan: DistrictPlan) -> Focus:
        wanted = plan.source.settings
        streets = sorted(plan.root.children, key=lambda n: n.code)
        urban = [s for s in streets if s.urban] or streets
        street = next((s for s in streets if s.name == wanted.focus_street), None) or max(
            urban, key=lambda s: (sum(not is_village(c.name) for c in s.children), -int(s.code))
        )
        communities = sorted(street.children, key=lambda n: n.code)
        community = next((c for c in communities if c.name == wanted.focus_community), None) or next(
            (c for c in communities if not is_village(c.name)), communities[0]
        )
        grid = min(community.children, key=lambda n: n.code)
        others = [s for s in urban if s is not street] or [s for s in streets if s is not street] or [street]
        second_street = others[0]
        second_community = min(second_street.children, key=lambda n: n.code)
        second_grid = min(second_community.children, key=lambda n: n.code)
        street_grids = [g for c in communities for g in sorted(c.children, key=lambda n: n.code)]
        start = street_grids.index(grid)
        sponsored = street_grids[start : start + SPONSORING_LEADER_MAX_GRIDS]
        return cls(street, community, grid, second_street, second_grid, sponsored)


@dataclass
class Persona:
    username: str
    full_name: str
    roles: list[tuple[str, str]]  # (role, area code or department code)


def _slug(name: str) -> str:
    text = "".join(lazy_pinyin(slug_stem(name)))
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum()) or "x"


def _personas(plan: DistrictPlan, focus: Focus) -> list[Persona]:
    street, second = _slug(focus.street.name), _slug(focus.second_street.name)
    if second == street:
        second += "2"
    community = _slug(focus.community.name)
    return [
        Persona("command", "赵雪梅", [(Role.DISTRICT_COMMAND, plan.code)]),
        Persona("leader", "王建国", [(Role.DISTRICT_LEADER, plan.code)]),
        Persona("admin", "李志强", [(Role.SYSTEM_ADMIN, plan.code)]),
        Persona(f"street_{street}", "周海燕", [(Role.STREET_OFFICER, focus.street.code)]),
        Persona(f"community_{community}", "吴丽娟", [(Role.COMMUNITY_OFFICER, focus.community.code)]),
        Persona(f"chief_{community}", "郑国华", [(Role.GRID_CHIEF, focus.grid.code)]),
        Persona(f"worker_{street}", "孙晓东", [(Role.GRID_WORKER, focus.grid.code)]),
        Persona(f"worker_{second}", "马春兰", [(Role.GRID_WORKER, focus.second_grid.code)]),
        Persona("dept_cg", "冯卫东", [(Role.DEPARTMENT_HANDLER, f"{plan.code}-CG")]),
        Persona("dept_sz", "朱红霞", [(Role.DEPARTMENT_HANDLER, f"{plan.code}-SZ")]),
    ]


def _person_name(username: str) -> str:
    rng = rng_for(f"name:{username}")
    surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
    given = "".join(GIVEN[int(rng.integers(len(GIVEN)))] for _ in range(int(rng.integers(1, 3))))
    return surname + given


@dataclass
class Duties:
    """Who does what on which grid, in a fixed order, and the names of the staff to create."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (grid code, duty, username)
    names: dict[str, str] = field(default_factory=dict)  # username -> full name (generated staff)

    def add(self, grid: Node, duty: str, username: str, full_name: str | None = None) -> None:
        self.rows.append((grid.code, duty, username))
        if full_name is not None:
            self.names.setdefault(username, full_name)


def _duties(plan: DistrictPlan, focus: Focus, personas: list[Persona]) -> Duties:
    by_role = {role: p.username for p in personas for role, _ in p.roles}
    login_workers = {code: p.username for p in personas for role, code in p.roles if role == Role.GRID_WORKER}
    duties = Duties()
    urban_grids = []
    for grid in plan.nodes(Level.GRID):
        if grid.code == focus.grid.code:
            duties.add(grid, Duty.GRID_CHIEF, by_role[Role.GRID_CHIEF])
        else:
            username = f"chief_{grid.code}"
            duties.add(grid, Duty.GRID_CHIEF, username, _person_name(username))
        workers = 1 + int(rng_for(f"workers:{grid.code}").integers(0, 3))  # 1-3
        for slot in range(1, workers + 1):
            duty = Duty.FULL_TIME_WORKER if slot == 1 else Duty.PART_TIME_WORKER
            if slot == 1 and grid.code in login_workers:
                duties.add(grid, duty, login_workers[grid.code])
            else:
                username = f"worker_{grid.code}_{slot}"
                duties.add(grid, duty, username, _person_name(username))
        if grid.urban:  # cadres sent down from district offices to the urban grids (下沉)
            username = f"liaison_{grid.code}"
            duties.add(grid, Duty.GRID_LIAISON, username, _person_name(username))
            urban_grids.append(grid)
    # Sponsoring leaders (分包领导): the district leader takes the focus grids; every other urban
    # grid gets one, two grids per leader.
    sponsored = {g.code for g in focus.sponsored}
    for grid in focus.sponsored:
        duties.add(grid, Duty.SPONSORING_LEADER, by_role[Role.DISTRICT_LEADER])
    rest = [g for g in urban_grids if g.code not in sponsored]
    for number, start in enumerate(range(0, len(rest), SPONSORING_LEADER_MAX_GRIDS), start=1):
        username = f"sponsor_{plan.code}_{number:03d}"
        for grid in rest[start : start + SPONSORING_LEADER_MAX_GRIDS]:
            duties.add(grid, Duty.SPONSORING_LEADER, username, _person_name(username))
    return duties


def _load_people(
    plan: DistrictPlan,
    areas: dict[str, Area],
    departments: dict[str, Department],
    password: str,
    stats: Counter,
) -> list[DemoAccount]:
    focus = Focus.of(plan)
    personas = _personas(plan, focus)
    duties = _duties(plan, focus, personas)
    usernames = [p.username for p in personas] + sorted(duties.names)
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}

    # Login accounts: create, or set the password again (so a changed DEMO_PASSWORD takes effect).
    # They all share one password, so it is hashed once (one salt) instead of once per account:
    # the slow hash would otherwise be most of the load's time.
    encoded = make_password(password)
    for persona in personas:
        user = users.get(persona.username)
        if user is None:
            user = create_user(None, username=persona.username, password=None, full_name=persona.full_name)
            users[persona.username] = user
            stats["accounts created"] += 1
        else:
            stats["account passwords reset"] += 1
        validate_password(password, user)
        user.password = encoded
        user.save(update_fields=["password"])
        record(None, "user.set_password", user, note="load_demo")
    # Grid staff who do not sign in in the demo: no usable password.
    for username in sorted(duties.names):
        if username not in users:
            users[username] = create_user(
                None, username=username, password=None, full_name=duties.names[username]
            )
            stats["staff created"] += 1

    _grant_roles(personas, users, areas, departments, stats)
    _assign_duties(plan, duties, users, areas, stats)

    accounts = []
    for persona in personas:
        role_codes = [role for role, _ in persona.roles]
        target = persona.roles[0][1]
        target_name = departments[target].name if target in departments else areas[target].name
        accounts.append(
            DemoAccount(
                username=persona.username,
                full_name=users[persona.username].full_name,
                roles=[str(r) for r in role_codes],
                area_code=target,
                area_name=target_name,
                password=password,
            )
        )
    return accounts


def _grant_roles(personas, users, areas, departments, stats: Counter) -> None:
    ids = [users[p.username].pk for p in personas]
    held = set(
        RoleAssignment.objects.active()
        .filter(user_id__in=ids)
        .values_list("user_id", "role", "area_id", "department_id")
    )
    for persona in personas:
        user = users[persona.username]
        for role, target in persona.roles:
            department = departments.get(target) if role == Role.DEPARTMENT_HANDLER else None
            area = None if department is not None else areas[target]
            key = (user.pk, str(role), getattr(area, "pk", None), getattr(department, "pk", None))
            if key in held:
                continue
            grant_role(None, user=user, role=role, area=area, department=department)
            held.add(key)
            stats["roles granted"] += 1


def _assign_duties(plan: DistrictPlan, duties: Duties, users, areas, stats: Counter) -> None:
    starts_on = _season_start()
    # Duties not ended before starts_on: what assign_staff would see as overlapping.
    current = StaffAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    held = set(current.filter(district_code=plan.code).values_list("user_id", "area_id", "duty"))
    chiefs = set(
        current.filter(district_code=plan.code, duty=Duty.GRID_CHIEF).values_list("area_id", flat=True)
    )
    sponsors = {users[username].pk for _, duty, username in duties.rows if duty == Duty.SPONSORING_LEADER}
    # Counted in every district: a leader sponsors at most two grids in all.
    sponsoring = Counter(
        current.filter(duty=Duty.SPONSORING_LEADER, user_id__in=sponsors).values_list("user_id", flat=True)
    )
    for grid_code, duty, username in duties.rows:
        user, area = users[username], areas[grid_code]
        if (user.pk, area.pk, str(duty)) in held:
            continue
        if duty == Duty.GRID_CHIEF and area.pk in chiefs:
            continue  # someone else leads this grid now (changed by hand): leave it
        if duty == Duty.SPONSORING_LEADER and sponsoring[user.pk] >= SPONSORING_LEADER_MAX_GRIDS:
            continue
        assign_staff(None, user=user, area=area, duty=duty, starts_on=starts_on, note="demo")
        held.add((user.pk, area.pk, str(duty)))
        if duty == Duty.GRID_CHIEF:
            chiefs.add(area.pk)
        if duty == Duty.SPONSORING_LEADER:
            sponsoring[user.pk] += 1
        stats["duties assigned"] += 1


def _season_start() -> date:
    """Duties start on 1 January of this year: stable across runs, and already active today."""
    return timezone.localdate().replace(month=1, day=1)


# --- output ----------------------------------------------------------------------------------


def write_accounts_file(path: Path | str, accounts: list[DemoAccount]) -> Path:
    """The login demo accounts as JSON (passwords in clear: demo only), readable by the owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps([a.as_dict() for a in accounts], ensure_ascii=False, indent=2) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
    return path


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_accounts_table(accounts: list[DemoAccount]) -> str:
    header = ["username", "full name", "roles", "area code", "area", "password"]
    rows = [
        [a.username, a.full_name, ", ".join(a.roles), a.area_code, a.area_name, a.password] for a in accounts
    ]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
