"""A tiny district built through the action functions, with the fixed cast of test personas.

District 示范区 (with boundary) → streets A and B → one community each → grids A1, A2 and B1,
plus a second district Z (no boundaries) that none of the personas covers. Used by the page
tests and the browser tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.actions import create_user, grant_role
from accounts.choices import Role
from areas.actions import assign_staff, create_area, save_department
from areas.choices import DepartmentKind, Duty, Level

PASSWORD = "Grid-Test-Pass-2024"
PERSONAS = ["command", "street_a", "worker_a1", "worker_b1", "handler", "admin", "outsider"]


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@dataclass
class Tree:
    areas: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    department: object = None
    assignment: object = None  # worker A1's active staff assignment on grid A1
    role_a1: object = None  # worker A1's grid_worker role

    def __getattr__(self, name):
        areas = self.__dict__.get("areas", {})
        if name in areas:
            return areas[name]
        raise AttributeError(name)


def build_tree(with_passwords: bool = False) -> Tree:
    t = Tree()
    a = t.areas
    a["district"] = create_area(None, name="示范区", level=Level.DISTRICT, code="410102", official_code=True,
                                boundary=square(114.0, 35.6, 114.4, 36.0))
    a["street_a"] = create_area(None, name="东风街道", level=Level.STREET, parent=a["district"],
                                boundary=square(114.0, 35.6, 114.2, 36.0))
    a["street_b"] = create_area(None, name="西湖街道", level=Level.STREET, parent=a["district"],
                                boundary=square(114.2, 35.6, 114.4, 36.0))
    a["community_a"] = create_area(None, name="幸福社区", level=Level.COMMUNITY, parent=a["street_a"],
                                   boundary=square(114.0, 35.6, 114.2, 35.8), households=1200)
    a["community_b"] = create_area(None, name="和平社区", level=Level.COMMUNITY, parent=a["street_b"],
                                   boundary=square(114.2, 35.6, 114.4, 35.8))
    a["grid_a1"] = create_area(None, name="幸福社区第一网格", level=Level.GRID, parent=a["community_a"],
                               boundary=square(114.0, 35.6, 114.1, 35.7), households=300)
    a["grid_a2"] = create_area(None, name="幸福社区第二网格", level=Level.GRID, parent=a["community_a"],
                               boundary=square(114.1, 35.6, 114.2, 35.7), illustrative=True)
    a["grid_b1"] = create_area(None, name="和平社区第一网格", level=Level.GRID, parent=a["community_b"],
                               boundary=square(114.2, 35.6, 114.3, 35.7))
    a["district_z"] = create_area(None, name="邻区", level=Level.DISTRICT, code="410103")
    a["street_z"] = create_area(None, name="邻区街道", level=Level.STREET, parent=a["district_z"])

    t.department = save_department(None, name="西湖街道城管中队", code="XH-CG", kind=DepartmentKind.URBAN_MANAGEMENT,
                                   area=a["street_b"], phone="0372-1234567")

    def user(username, full_name):
        password = PASSWORD if with_passwords else None
        t.users[username] = create_user(None, username=username, password=password, full_name=full_name)
        return t.users[username]

    grant_role(None, user=user("command", "指挥中心值班员"), role=Role.DISTRICT_COMMAND, area=a["district"])
    grant_role(None, user=user("street_a", "东风街道干部"), role=Role.STREET_OFFICER, area=a["street_a"])
    t.role_a1 = grant_role(None, user=user("worker_a1", "张网格"), role=Role.GRID_WORKER, area=a["grid_a1"])
    grant_role(None, user=user("worker_b1", "李网格"), role=Role.GRID_WORKER, area=a["grid_b1"])
    grant_role(None, user=user("handler", "城管王"), role=Role.DEPARTMENT_HANDLER, department=t.department)
    grant_role(None, user=user("admin", "系统管理员"), role=Role.SYSTEM_ADMIN, area=a["district"])
    user("outsider", "无角色用户")

    today = timezone.localdate()
    t.assignment = assign_staff(None, user=t.users["worker_a1"], area=a["grid_a1"], duty=Duty.FULL_TIME_WORKER,
                                starts_on=today - timedelta(days=30))
    old = assign_staff(None, user=t.users["worker_b1"], area=a["grid_a1"], duty=Duty.PART_TIME_WORKER,
                       starts_on=today - timedelta(days=300), ends_on=today - timedelta(days=100))
    assert old.ends_on is not None
    assign_staff(None, user=t.users["worker_b1"], area=a["grid_b1"], duty=Duty.GRID_CHIEF,
                 starts_on=today - timedelta(days=10))
    return t
