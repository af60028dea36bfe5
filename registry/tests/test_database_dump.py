"""A dump of the database holds no plaintext id number, phone or special-group kind.

Residents are registered, tagged, searched, viewed and unmasked through the real code paths and
committed; then the test database is dumped (`pg_dump` on PostgreSQL, the SQLite driver's
`iterdump()` on SQLite) and the dump is searched for the plaintext (and for the last 8 digits of
each number, so a partial leak is caught too).
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - runs pg_dump against the test database only

import pytest
from django.db import connection
from stdnum.cn import ric

from registry import actions

PG_DUMP = os.environ.get("PG_DUMP", "/usr/lib/postgresql/15/bin/pg_dump")

# synthetic identity card numbers (17 digits + their computed check digit), never real people's
BASES = ["41061119900101731", "41061119951230842", "41061120050615953"]
ID_NUMBERS = [base + ric.calc_check_digit(base + "0") for base in BASES]  # it reads the first 17
PHONES = ["13571928364", "18646203957", "15938475610"]
ORG_PHONE = "13307294816"
TAGS = ["community_correction", "severe_mental_illness", "drug_rehab"]
NAMES = ["欧阳明远", "司马青衫", "上官婉儿"]


def dump_database() -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    return pg_dump()


def pg_dump() -> str:
    settings = connection.settings_dict
    binary = PG_DUMP if os.path.exists(PG_DUMP) else shutil.which("pg_dump")
    if binary is None:
        pytest.fail("pg_dump is not installed (postgresql-client-15)")
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = [binary, "--no-owner", "--dbname", settings["NAME"], "--username", settings.get("USER") or "postgres"]
    if settings.get("HOST"):
        command += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        command += ["--port", str(settings["PORT"])]
    result = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)  # noqa: S603
    return result.stdout.decode("utf-8")


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_plaintext_personal_data(cast, api):
    dwelling = actions.save_dwelling(None, address="甲一小区3号楼2单元302", grid=cast.grid_a11, lon=114.07, lat=35.6)
    household = actions.save_household(None, dwelling=dwelling, number="DUMP-1")
    people = []
    for name, id_number, phone, tag in zip(NAMES, ID_NUMBERS, PHONES, TAGS, strict=True):
        person = actions.save_person(cast.worker_a11, name=name, id_number=id_number, phone=phone,
                                     household=household, relation="other")
        actions.tag_person(cast.worker_a11, person, kind=tag)
        people.append(person)
    actions.save_organization(cast.worker_a11, kind="shop", name="测试商铺", grid=cast.grid_a11,
                              contact_name="孙掌柜", contact_phone=ORG_PHONE)
    # the audited reads go into the dump too: searches by the keys themselves, views, unmasking
    client = api("officer_a1")
    for query in [*ID_NUMBERS, *PHONES, PHONES[0][-4:]]:
        assert client.get(f"/api/residents/?q={query}").status_code == 200
    for person in people:
        assert client.get(f"/api/residents/{person.pk}/").status_code == 200
        response = client.post(f"/api/residents/{person.pk}/unmask/", {"purpose": "核对户籍"}, format="json")
        assert response.json()["id_number"] in ID_NUMBERS
    client.get("/api/residents/?special_group=drug_rehab")

    dump = dump_database()
    assert "registry_person" in dump and "registry_specialgrouptag" in dump and "core_auditlog" in dump
    # positive controls: the rows and the audit log are in the dump
    assert "欧阳明远" in dump and "核对户籍" in dump
    for secret in [*ID_NUMBERS, *PHONES, ORG_PHONE]:
        assert secret not in dump, secret
        assert secret[-8:] not in dump, secret[-8:]
    for tag in TAGS:
        assert tag not in dump, tag
