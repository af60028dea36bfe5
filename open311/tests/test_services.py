"""Discovery, the services list, service definitions, formats, methods and jurisdiction_id."""

import re

import pytest

from cases.models import Category
from open311.models import ServiceAttribute
from open311.tests.conftest import BASE, parse, xml_errors, xml_rows

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def active_minor_codes() -> list[str]:
    return sorted(Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
                  .values_list("code", flat=True))


def add_attributes(code="E0101"):
    category = Category.objects.get(code=code)
    kind = ServiceAttribute.objects.create(
        category=category, code="kind", datatype="singlevaluelist", required=True, order=1,
        description="垃圾种类", datatype_description="选择一项",
        values=[{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}])
    size = ServiceAttribute.objects.create(category=category, code="size", datatype="number", order=2,
                                           description="大约几立方米")
    ServiceAttribute.objects.create(category=category, code="note", variable=False, datatype="string", order=3,
                                    description="请勿在描述中填写身份证号")
    return kind, size


def test_discovery_names_the_endpoint_and_its_formats(geo):
    answer = geo.get("discovery", "xml")
    root = answer.body
    assert answer.status == 200 and root.tag == "discovery"
    assert [child.tag for child in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoints = root.find("endpoints")
    assert [e.tag for e in endpoints] == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") == "test"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert has_chinese(root.findtext("contact"))

    data = geo.get("discovery", "json").body
    assert data["endpoints"][0]["url"] == "http://testserver/open311/v2"
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["changeset"] == root.findtext("changeset")


def test_discovery_uses_the_public_base_url(geo, settings):
    settings.PUBLIC_BASE_URL = "https://wg.example.gov.cn/"
    assert geo.get("discovery", "json").body["endpoints"][0]["url"] == "https://wg.example.gov.cn/open311/v2"


def test_services_are_the_active_minor_categories(geo):
    answer = geo.get("services", "xml")
    rows = xml_rows(answer.body, "services", "service")
    assert sorted(r["service_code"] for r in rows) == active_minor_codes() and len(rows) > 40
    assert all(list(r) == SERVICE_FIELDS for r in rows)
    e0101 = next(r for r in rows if r["service_code"] == "E0101")
    assert e0101["service_name"] == "暴露垃圾" and e0101["group"] == "市容环境"
    assert e0101["metadata"] == "false" and e0101["type"] == "realtime"
    assert "暴露垃圾" in e0101["description"] and "市容环境" in e0101["keywords"]

    data = geo.get("services", "json").body
    assert isinstance(data, list) and [d["service_code"] for d in data] == [r["service_code"] for r in rows]
    assert all(isinstance(d["service_code"], str) and d["metadata"] is False for d in data)
    assert data[0] == {**dict(rows[0]), "metadata": False}


def test_inactive_categories_are_not_services(geo):
    Category.objects.filter(code="E0101").update(is_active=False)
    Category.objects.filter(code="E02").update(is_active=False)  # a major category: all its minors go
    codes = [d["service_code"] for d in geo.get("services", "json").body]
    assert "E0101" not in codes and not any(c.startswith("E02") for c in codes) and "E0102" in codes
    answer = geo.get("services/E0101", "json")
    assert answer.status == 404


def test_a_service_with_attributes_has_metadata_and_a_definition(geo):
    add_attributes()
    rows = {r["service_code"]: r for r in geo.get("services", "json").body}
    assert rows["E0101"]["metadata"] is True and rows["E0102"]["metadata"] is False

    root = geo.get("services/E0101", "xml").body
    assert root.tag == "service_definition" and [c.tag for c in root] == ["service_code", "attributes"]
    assert root.findtext("service_code") == "E0101"
    attributes = root.find("attributes")
    assert [a.tag for a in attributes] == ["attribute"] * 3
    first = attributes[0]
    assert [c.tag for c in first] == ["variable", "code", "datatype", "required", "datatype_description", "order",
                                      "description", "values"]
    assert (first.findtext("variable"), first.findtext("code"), first.findtext("datatype"),
            first.findtext("required"), first.findtext("order")) == ("true", "kind", "singlevaluelist", "true", "1")
    values = first.find("values")
    assert [v.tag for v in values] == ["value", "value"]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [("household", "生活垃圾"),
                                                                         ("building", "建筑垃圾")]
    assert attributes[2].findtext("variable") == "false"

    data = geo.get("services/E0101", "json").body
    assert data["service_code"] == "E0101" and [a["code"] for a in data["attributes"]] == ["kind", "size", "note"]
    assert data["attributes"][0]["values"] == [{"key": "household", "name": "生活垃圾"},
                                               {"key": "building", "name": "建筑垃圾"}]
    assert data["attributes"][1] == {"variable": True, "code": "size", "datatype": "number", "required": False,
                                     "datatype_description": "", "order": 2, "description": "大约几立方米",
                                     "values": []}


def test_a_service_without_attributes_has_an_empty_definition(geo):
    root = geo.get("services/E0102", "xml").body
    assert root.findtext("service_code") == "E0102" and len(root.find("attributes")) == 0
    assert geo.get("services/E0102", "json").body == {"service_code": "E0102", "attributes": []}


def test_service_is_an_alias_of_services(geo):
    add_attributes()
    for fmt in ("xml", "json"):
        assert geo.get("service/E0101", fmt).raw == geo.get("services/E0101", fmt).raw
    assert geo.get("service/NOPE", "json").status == 404


@pytest.mark.parametrize("path", ["services/NOPE", "service/NOPE", "services/E01"])
def test_an_unknown_service_is_404_with_the_error_body(geo, path):
    answer = geo.get(path, "xml")
    assert answer.status == 404
    [(code, description)] = xml_errors(answer.body)
    assert code == "404" and has_chinese(description)
    answer = geo.get(path, "json")
    assert answer.status == 404 and len(answer.body) == 1
    assert answer.body[0]["code"] == 404 and answer.body[0]["description"] == description


def test_errors_follow_the_language_asked_for(geo):
    response = geo.client.get(f"{BASE}/services/NOPE.json", HTTP_ACCEPT_LANGUAGE="en")
    assert parse(response, "json").body == [{"code": 404, "description": "service_code NOPE was not found."}]


def test_without_a_suffix_the_answer_is_xml_and_an_unknown_suffix_is_400(geo):
    response = geo.client.get(f"{BASE}/services")
    assert parse(response, "xml").body.tag == "services"
    response = geo.client.get(f"{BASE}/services.csv")
    answer = parse(response, "xml")
    assert answer.status == 400 and xml_errors(answer.body)[0][0] == "400"


def test_other_methods_are_405_with_the_error_body(geo):
    response = geo.client.delete(f"{BASE}/services.json")
    answer = parse(response, "json")
    assert answer.status == 405 and answer.body[0]["code"] == 405 and response["Allow"] == "GET, HEAD"
    response = geo.client.post(f"{BASE}/services.xml")
    assert parse(response, "xml").status == 405


@pytest.mark.parametrize("path", ["discovery", "services", "services/E0101", "requests", "requests/1",
                                  "tokens/ABCDEFGHJK", "servicerequestupdates"])
def test_an_unknown_jurisdiction_is_404_everywhere(geo, path):
    for fmt in ("xml", "json"):
        answer = geo.get(path, fmt, jurisdiction_id="999999")
        assert answer.status == 404
        if fmt == "xml":
            assert xml_errors(answer.body)[0][0] == "404"
        else:
            assert answer.body[0]["code"] == 404 and "999999" in answer.body[0]["description"]


def test_the_district_code_and_empty_are_jurisdictions(geo):
    for value in ("410611", ""):
        assert geo.get("services", "json", jurisdiction_id=value).status == 200
    # a street is not a jurisdiction
    assert geo.get("services", "json", jurisdiction_id="410611001000").status == 404
    # from a header too
    response = geo.client.get(f"{BASE}/services.json", HTTP_X_JURISDICTION_ID="999999")
    assert response.status_code == 404
    response = geo.client.get(f"{BASE}/services.json", HTTP_X_JURISDICTION_ID="410611")
    assert response.status_code == 200


def test_service_list_needs_few_queries(geo, django_assert_max_num_queries):
    add_attributes()
    with django_assert_max_num_queries(3):
        assert geo.client.get(f"{BASE}/services.xml").status_code == 200
