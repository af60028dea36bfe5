"""POST requests.{fmt}: a case on the open311 channel, through report_case."""

import io
import json

import pytest
from django.test import Client
from PIL import Image

from areas.actions import create_area
from cases.models import Case, CasePhoto, Category
from conftest import square
from core.crypto import decrypt
from core.models import AuditLog
from open311.actions import create_client
from open311.models import Open311Request, ServiceAttribute
from open311.tests.conftest import (
    A11,
    BASE,
    KEY,
    OUTSIDE,
    make_photo,
    parse,
    report_data,
    xml_errors,
    xml_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_district(o311):
    """A second district, 410602, west of the cast's, with one grid."""
    d = create_area(None, name="另一区", level="district", code="410602", official_code=True,
                    boundary=square(113.0, 35.5, 113.6, 36.0))
    s = create_area(None, name="丙街道", level="street", parent=d, code="410602001000",
                    boundary=square(113.0, 35.5, 113.6, 36.0))
    c = create_area(None, name="丙一社区", level="community", parent=s, code="410602001001",
                    boundary=square(113.0, 35.5, 113.6, 36.0))
    return create_area(None, name="丙一第一网格", level="grid", parent=c, code="410602001001001",
                       boundary=square(113.0, 35.5, 113.6, 36.0))


def test_a_form_post_makes_a_case_on_the_open311_channel(geo):
    answer = geo.post("xml", **report_data())
    assert answer.status == 201
    [row] = xml_rows(answer.body, "service_requests", "request")
    assert list(row) == ["service_request_id", "token", "service_notice", "account_id"]
    case = Case.objects.get()
    assert row["service_request_id"] == str(case.pk) and row["token"] == case.tracking_code
    assert f"http://testserver/t/{case.tracking_code}/" in row["service_notice"]
    assert (case.channel, case.category.code, case.grid, case.state) == ("open311", "E0101", geo.o311.grid_a11,
                                                                       "reported")
    assert (case.lon, case.lat) == A11 and case.description == "小区门口有一堆生活垃圾"
    assert case.reporter is None and case.reporter_name == "王小明"
    assert decrypt(case.reporter_phone) == "13812345678" and "138" not in case.reporter_phone
    link = Open311Request.objects.get(case=case)
    assert link.client == geo.o311.client311 and link.district_code == "410611"
    assert decrypt(link.email) == "wang.xiaoming@example.cn" and "example" not in link.email
    audit = AuditLog.objects.get(action="case.report", object_id=str(case.pk))
    assert audit.actor is None and audit.actor_repr == "system" and audit.after["channel"] == "open311"
    assert audit.ip == "127.0.0.1"
    assert case.events.get().action == "report"


def test_a_json_answer_is_a_list_with_string_ids(geo):
    answer = geo.post("json", **report_data(account_id="acct-7", device_id="dev-1"))
    assert answer.status == 201 and isinstance(answer.body, list) and len(answer.body) == 1
    row = answer.body[0]
    assert isinstance(row["service_request_id"], str) and row["service_request_id"].isdigit()
    assert row["account_id"] == "acct-7" and len(row["token"]) == 10
    link = Open311Request.objects.get()
    assert (link.account_id, link.device_id) == ("acct-7", "dev-1")


def test_the_api_key_is_taken_from_the_query_the_form_or_a_header(geo):
    assert geo.post("json", key="", query={"api_key": KEY}, **report_data()).status == 201
    assert geo.post("json", **report_data()).status == 201  # the form body
    assert geo.post("json", key="", headers={"HTTP_X_API_KEY": KEY}, **report_data()).status == 201
    assert geo.post("json", key="", headers={"HTTP_API_KEY": KEY}, **report_data()).status == 201
    response = geo.client.post(f"{BASE}/requests.json", json.dumps({**report_data(), "api_key": KEY}),
                               content_type="application/json")
    assert response.status_code == 201
    assert Case.objects.filter(channel="open311").count() == 5


@pytest.mark.parametrize("key", ["", "wrong-key-0123456789", KEY[:-1]])
def test_a_missing_or_wrong_key_is_403_and_makes_nothing(geo, key):
    for fmt in ("xml", "json"):
        answer = geo.post(fmt, key=key, **report_data())
        assert answer.status == 403
        if fmt == "xml":
            [(code, description)] = xml_errors(answer.body)
            assert code == "403" and "api_key" in description
        else:
            assert answer.body[0]["code"] == 403
    assert Case.objects.count() == 0


def test_a_switched_off_client_is_403(geo):
    geo.o311.client311.is_active = False
    geo.o311.client311.save()
    assert geo.post("json", **report_data()).status == 403


def test_missing_fields_are_each_named_in_a_400(geo):
    answer = geo.post("xml")
    assert answer.status == 400
    errors = xml_errors(answer.body)
    assert [code for code, _ in errors] == ["400", "400"]
    assert "service_code" in errors[0][1] and "lat" in errors[1][1]
    answer = geo.post("json", service_code="E0101")
    assert answer.status == 400 and len(answer.body) == 1 and "address_string" in answer.body[0]["description"]
    assert Case.objects.count() == 0


@pytest.mark.parametrize("point", [OUTSIDE, (120.0, 30.0)])
def test_a_point_outside_every_grid_is_400(geo, point):
    for fmt in ("xml", "json"):
        answer = geo.post(fmt, **report_data(long=str(point[0]), lat=str(point[1])))
        assert answer.status == 400
        description = xml_errors(answer.body)[0][1] if fmt == "xml" else answer.body[0]["description"]
        assert description.startswith("lat/long: ") and "网格" in description
    assert Case.objects.count() == 0


@pytest.mark.parametrize("changes, word", [
    ({"service_code": "NOPE"}, "service_code"),
    ({"service_code": "E01"}, "service_code"),  # a major category is not a service
    ({"lat": "north"}, "lat"),
    ({"long": None}, "lat"),
    ({"lat": "95", "long": "114"}, "lat"),
    ({"description": "长" * 4001}, "description"),
    ({"email": "not-an-address"}, "email"),
    ({"media_url": "ftp://example.cn/a.jpg"}, "media_url"),
    ({"phone": "call me"}, "phone"),
])
def test_wrong_input_is_400_and_makes_nothing(geo, changes, word):
    answer = geo.post("json", **report_data(**changes))
    assert answer.status == 400 and word in answer.body[0]["description"]
    assert Case.objects.count() == 0


def test_a_media_upload_becomes_the_report_photo_without_its_exif(geo):
    answer = geo.post("json", **report_data(media=make_photo(exif_gps=True)))
    assert answer.status == 201
    photo = CasePhoto.objects.get()
    assert photo.case_id == int(answer.body[0]["service_request_id"]) and photo.kind == "report"
    assert photo.event.action == "report"
    with Image.open(photo.image.open("rb")) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_media_that_is_no_image_or_too_many_is_400(geo):
    fake = make_photo()
    fake.file = io.BytesIO(b"not an image at all")
    answer = geo.post("json", **report_data(media=fake))
    assert answer.status == 400 and answer.body[0]["description"].startswith("media: ")
    answer = geo.post("json", **report_data(media=[make_photo() for _ in range(4)]))
    assert answer.status == 400
    assert Case.objects.count() == 0 and CasePhoto.objects.count() == 0


def test_a_media_url_is_kept_and_shown_to_staff(geo):
    url = "https://img.example.cn/r/1.jpg"
    assert geo.post("json", **report_data(media_url=url)).status == 201
    case = Case.objects.get()
    assert Open311Request.objects.get().media_url == url and url in case.description
    assert case.photos.count() == 0  # nothing is fetched from the network


def test_attributes_are_checked_and_their_answers_kept(geo):
    category = Category.objects.get(code="E0101")
    ServiceAttribute.objects.create(category=category, code="kind", datatype="singlevaluelist", required=True,
                                    description="垃圾种类", values=[{"key": "h", "name": "生活垃圾"},
                                                                    {"key": "b", "name": "建筑垃圾"}])
    ServiceAttribute.objects.create(category=category, code="where", datatype="multivaluelist",
                                    description="位置", values=[{"key": "road", "name": "路边"},
                                                                {"key": "yard", "name": "院内"}])
    ServiceAttribute.objects.create(category=category, code="size", datatype="number", description="体积")

    answer = geo.post("json", **report_data())
    assert answer.status == 400 and "attribute[kind]" in answer.body[0]["description"]
    answer = geo.post("json", **report_data(**{"attribute[kind]": "x", "attribute[size]": "many"}))
    assert answer.status == 400 and len(answer.body) == 2
    assert Case.objects.count() == 0

    answer = geo.post("json", **report_data(**{"attribute[kind]": "b", "attribute[where][]": ["road", "yard"],
                                               "attribute[size]": "2.5", "attribute[unknown]": "ignored"}))
    assert answer.status == 201
    link = Open311Request.objects.get()
    assert link.attributes == {"kind": "b", "where": ["road", "yard"], "size": "2.5"}
    description = link.case.description
    assert "垃圾种类: 建筑垃圾" in description and "位置: 路边、院内" in description and "体积: 2.5" in description
    assert "ignored" not in description


def test_attributes_in_a_json_body(geo):
    ServiceAttribute.objects.create(category=Category.objects.get(code="E0101"), code="kind",
                                    datatype="singlevaluelist", required=True, description="垃圾种类",
                                    values=[{"key": "h", "name": "生活垃圾"}])
    body = {**report_data(), "api_key": KEY, "attribute": {"kind": "h"}, "lat": A11[1], "long": A11[0]}
    response = geo.client.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    assert Open311Request.objects.get().attributes == {"kind": "h"}
    response = geo.client.post(f"{BASE}/requests.json", "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_without_a_description_the_service_name_describes_it(geo):
    assert geo.post("json", **report_data(description=None)).status == 201
    assert Case.objects.get().description == "暴露垃圾"


def test_a_grid_code_locates_a_request_without_coordinates(geo):
    o311 = geo.o311
    answer = geo.post("json", **report_data(lat=None, long=None, address_id=o311.grid_a12.code))
    assert answer.status == 201
    case = Case.objects.get(pk=answer.body[0]["service_request_id"])
    assert case.grid == o311.grid_a12 and (case.lon, case.lat) == (o311.grid_a12.center_lon, o311.grid_a12.center_lat)

    address = f"幸福路 12 号（网格 {o311.grid_b11.code}）"
    answer = geo.post("json", **report_data(lat=None, long=None, address_string=address))
    case = Case.objects.get(pk=answer.body[0]["service_request_id"])
    assert case.grid == o311.grid_b11 and case.address == address

    answer = geo.post("json", **report_data(lat=None, long=None, address_string="甲一第二网格"))
    assert Case.objects.get(pk=answer.body[0]["service_request_id"]).grid == o311.grid_a12

    for wrong in ({"address_string": "幸福路 12 号"}, {"address_id": o311.community_a1.code}):
        answer = geo.post("json", **report_data(lat=None, long=None, **wrong))
        assert answer.status == 400 and "address_id" in answer.body[0]["description"]


def test_names_and_phones_are_read_liberally(geo):
    geo.post("json", **report_data(first_name="John", last_name="Smith", phone="+86 (138) 1234-5678"))
    case = Case.objects.get()
    assert case.reporter_name == "John Smith" and decrypt(case.reporter_phone) == "1381234-5678"


def test_an_idempotency_key_returns_the_first_case_for_the_same_client_only(geo):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-1"}
    first = geo.post("json", headers=headers, **report_data())
    again = geo.post("json", headers=headers, **report_data())
    assert (first.status, again.status) == (201, 200) and first.body == again.body
    _other, other_key = create_client(None, name="另一个应用", key="another-key-0123456789")
    third = geo.post("json", key=other_key, headers=headers, **report_data())
    assert third.status == 201 and third.body[0]["service_request_id"] != first.body[0]["service_request_id"]
    assert Case.objects.count() == 2 and Open311Request.objects.count() == 2


def test_a_client_bound_to_a_district_reports_only_there(geo, other_district):
    bound, bound_key = create_client(None, name="淇滨区应用", key="bound-key-0123456789", district_code="410611")
    answer = geo.post("json", key=bound_key, **report_data(long="113.3", lat="35.7"))
    assert answer.status == 400 and "410611" in answer.body[0]["description"]
    answer = geo.post("json", key=bound_key, query={"jurisdiction_id": "410602"}, **report_data())
    assert answer.status == 403
    assert geo.post("json", key=bound_key, **report_data()).status == 201
    # a grid code of the other district does not locate a bound client's request
    answer = geo.post("json", key=bound_key, **report_data(lat=None, long=None, address_id=other_district.code))
    assert answer.status == 400
    # an unbound client reports anywhere, but within the jurisdiction it names
    assert geo.post("json", **report_data(long="113.3", lat="35.7")).status == 201
    answer = geo.post("json", query={"jurisdiction_id": "410611"}, **report_data(long="113.3", lat="35.7"))
    assert answer.status == 400
    assert geo.post("json", query={"jurisdiction_id": "410699"}, **report_data()).status == 404
    assert list(Case.objects.order_by("id").values_list("district_code", flat=True)) == ["410611", "410602"]


def test_the_post_answer_is_in_xml_when_posted_as_multipart(geo):
    response = geo.client.post(f"{BASE}/requests.xml", {**report_data(), "api_key": KEY, "media": make_photo()})
    answer = parse(response, "xml")
    assert answer.status == 201 and answer.body.tag == "service_requests"
    assert CasePhoto.objects.count() == 1


def test_clients_post_without_a_csrf_token(geo):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/requests.json", {**report_data(), "api_key": KEY})
    assert response.status_code == 201 and "csrftoken" not in response.cookies
