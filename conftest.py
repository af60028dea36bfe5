"""The fixed test cast (Zulip/healthchecks style): one small district, two streets, named personas.

    district 410611 (square 114.0–114.6 E, 35.5–36.0 N)
    ├── street A 410611001000 (west half)
    │   └── community A1 410611001001
    │       ├── grid A1-1 410611001001001   (worker_a11, chief_a11)
    │       └── grid A1-2 410611001001002
    └── street B 410611002000 (east half)
        └── community B1 410611002001 (114.3–114.6 E, 35.5–35.75 N)
            └── grid B1-1 410611002001001   (worker_b11; 114.3–114.45 E, room left east of it)
    departments: CG (district 城管), BCG (street B 城管中队)
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

PASSWORD = "Test-pass-2026"


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@dataclass
class Cast:
    district: object
    street_a: object
    street_b: object
    community_a1: object
    community_b1: object
    grid_a11: object
    grid_a12: object
    grid_b11: object
    dept_cg: object
    dept_bcg: object
    users: dict

    def __getattr__(self, name):
        users = self.__dict__.get("users") or {}
        if name in users:
            return users[name]
        raise AttributeError(name)


def build_cast() -> Cast:
    from accounts.actions import create_user, grant_role
    from areas.actions import create_area, save_department

    d = create_area(None, name="测试区", level="district", code="410611", official_code=True,
                    boundary=square(114.0, 35.5, 114.6, 36.0))
    sa = create_area(None, name="甲街道", level="street", parent=d, code="410611001000",
                     boundary=square(114.0, 35.5, 114.3, 36.0))
    sb = create_area(None, name="乙街道", level="street", parent=d, code="410611002000",
                     boundary=square(114.3, 35.5, 114.6, 36.0))
    ca1 = create_area(None, name="甲一社区", level="community", parent=sa, code="410611001001",
                      boundary=square(114.0, 35.5, 114.3, 35.75))
    cb1 = create_area(None, name="乙一社区", level="community", parent=sb, code="410611002001",
                      boundary=square(114.3, 35.5, 114.6, 35.75))
    ga11 = create_area(None, name="甲一第一网格", level="grid", parent=ca1, code="410611001001001",
                       boundary=square(114.0, 35.5, 114.15, 35.75))
    ga12 = create_area(None, name="甲一第二网格", level="grid", parent=ca1, code="410611001001002",
                       boundary=square(114.15, 35.5, 114.3, 35.75))
    gb11 = create_area(None, name="乙一第一网格", level="grid", parent=cb1, code="410611002001001",
                       boundary=square(114.3, 35.5, 114.45, 35.75))
    cg = save_department(None, name="区城管局", code="410611-CG", kind="urban_management", area=d)
    bcg = save_department(None, name="乙街道城管中队", code="410611002-CG", kind="urban_management", area=sb)

    users = {}

    def person(username, role=None, area=None, department=None):
        user = create_user(None, username=username, password=PASSWORD, full_name=username)
        if role:
            grant_role(None, user=user, role=role, area=area, department=department)
        users[username] = user
        return user

    person("command", "district_command", d)
    person("leader", "district_leader", d)
    person("admin", "system_admin", d)
    person("officer_a", "street_officer", sa)
    person("officer_b", "street_officer", sb)
    person("officer_a1", "community_officer", ca1)
    person("chief_a11", "grid_chief", ga11)
    person("worker_a11", "grid_worker", ga11)
    person("worker_b11", "grid_worker", gb11)
    person("handler_cg", "department_handler", department=cg)
    person("handler_bcg", "department_handler", department=bcg)
    person("stranger")
    return Cast(d, sa, sb, ca1, cb1, ga11, ga12, gb11, cg, bcg, users)


def pytest_sessionstart(session):
    """The zh_Hans catalog is compiled from locale/*.po before any test renders Chinese."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("compile_translations", verbosity=0)
    # a catalog read before the .mo existed would stay cached without our strings
    import gettext as gettext_module

    from django.utils.translation import trans_real

    gettext_module._translations.clear()  # Python caches parsed .mo files by path, too
    trans_real._translations.clear()
    trans_real._default = None


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_caches():
    """Each test starts with an empty resolver index and no cached scopes."""
    from areas import resolver

    resolver._index = None
    resolver._index_version = None
    yield


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


@pytest.fixture
def api(cast):
    """An APIClient factory: api("worker_a11") is logged in with a token as that persona."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(username: str | None = None) -> APIClient:
        client = APIClient()
        if username:
            token, _ = Token.objects.get_or_create(user=cast.users[username])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
