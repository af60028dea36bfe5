"""Open311 tests: the cast with the catalog (cases' `loop` fixture), one API client, and helpers
that parse every answer strictly (xml.etree.ElementTree, json)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.test import Client

from cases.tests.conftest import loop, make_photo, photo  # noqa: F401 - fixtures shared with cases' tests

KEY = "test-open311-key-0123456789"
BASE = "/open311/v2"
A11 = (114.07, 35.6)  # a point in grid A1-1
B11 = (114.35, 35.6)  # a point in grid B1-1
OUTSIDE = (114.5, 35.6)  # in street B, east of grid B1-1: inside the district, outside every grid


@dataclass
class Answer:
    status: int
    content_type: str
    body: object  # a list or dict (JSON) or the root Element (XML)
    raw: str
    response: object


def parse(response, fmt: str) -> Answer:
    raw = response.content.decode("utf-8")
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = json.loads(raw)
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert raw.startswith('<?xml version="1.0" encoding="UTF-8"?>')
        body = ET.fromstring(response.content)
    return Answer(response.status_code, response["Content-Type"], body, raw, response)


def xml_rows(root, root_tag: str, item_tag: str) -> list[dict]:
    """Each item of a flat XML list as {element name: text}; checks every child is an item."""
    assert root.tag == root_tag
    rows = []
    for item in root:
        assert item.tag == item_tag
        row = {}
        for child in item:
            assert child.tag not in row, f"{child.tag} twice"
            assert len(child) == 0, f"{child.tag} is not flat"
            row[child.tag] = child.text or ""
        rows.append(row)
    return rows


def xml_errors(root) -> list[tuple[str, str]]:
    rows = xml_rows(root, "errors", "error")
    assert all(set(row) == {"code", "description"} for row in rows)
    return [(row["code"], row["description"]) for row in rows]


@dataclass
class Api:
    client: Client
    key: str
    o311: object

    def get(self, path: str, fmt: str = "json", **query) -> Answer:
        return parse(self.client.get(f"{BASE}/{path}.{fmt}", query), fmt)

    def post(self, fmt: str = "json", *, key: str | None = None, query: dict | None = None, headers=None,
             **data) -> Answer:
        if key is None:
            key = self.key
        if key:
            data.setdefault("api_key", key)
        url = f"{BASE}/requests.{fmt}"
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        return parse(self.client.post(url, data, **(headers or {})), fmt)


def report_data(**kwargs) -> dict:
    data = {"service_code": "E0101", "lat": str(A11[1]), "long": str(A11[0]),
            "description": "小区门口有一堆生活垃圾", "first_name": "小明", "last_name": "王",
            "phone": "13812345678", "email": "wang.xiaoming@example.cn"}
    data.update(kwargs)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def o311(loop, settings):  # noqa: F811 - the imported fixture
    """The cast and catalog, plus the Open311 client "测试客户端" with the key KEY. Rate limits are off
    unless a test sets them."""
    from open311.actions import create_client

    settings.RATE_LIMIT_PUBLIC = ""
    settings.RATE_LIMIT_OPEN311 = ""
    loop.client311, _key = create_client(None, name="测试客户端", key=KEY)
    return loop


@pytest.fixture
def geo(o311):
    return Api(Client(), KEY, o311)
