"""The resident side: QR posters, the anonymous report page, tracking and rating."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from PIL import Image

from cases import actions, posters, public
from cases.models import Case, IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)

A11 = (114.07, 35.6)
B11 = (114.35, 35.6)


def login(loop, username) -> Client:
    client = Client()
    client.force_login(loop.users[username])
    return client


def report_page(grid) -> str:
    return f"/r/{grid.code}/"


def form_data(**kwargs) -> dict:
    data = {"category": "E0101", "description": "小区门口有一堆生活垃圾", "lon": "", "lat": "",
            "reporter_name": "", "reporter_phone": "", "idempotency_key": str(uuid.uuid4())}
    data.update(kwargs)
    return data


def submit(grid, client=None, **kwargs):
    return (client or Client()).post(report_page(grid), form_data(**kwargs))


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- posters -------------------------------------------------------------------------------------


def test_qr_poster_png_and_pdf_for_a_grid_in_scope(loop):
    client = login(loop, "worker_a11")
    response = client.get(f"/areas/{loop.grid_a11.pk}/qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG" and image.height > image.width  # portrait
    response = client.get(f"/areas/{loop.grid_a11.pk}/qr.pdf?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "attachment" in response["Content-Disposition"]
    page = client.get(f"/areas/{loop.grid_a11.pk}/qr/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/areas/{loop.grid_a11.pk}/qr.png" in text and "qr.pdf" in text and "window.print()" in text
    assert f"http://testserver/r/{loop.grid_a11.code}/" in text


def test_qr_poster_is_404_out_of_scope_or_not_a_grid(loop):
    worker_b = login(loop, "worker_b11")
    for suffix in ("qr.png", "qr.pdf", "qr/"):
        assert worker_b.get(f"/areas/{loop.grid_a11.pk}/{suffix}").status_code == 404
    command = login(loop, "command")
    assert command.get(f"/areas/{loop.grid_a11.pk}/qr.png").status_code == 200
    for area in (loop.community_a1, loop.street_a, loop.district):
        assert command.get(f"/areas/{area.pk}/qr.png").status_code == 404
        assert command.get(f"/areas/{area.pk}/qr/").status_code == 404
    assert command.get("/areas/999999/qr.png").status_code == 404


def test_qr_poster_needs_a_login(loop):
    response = Client().get(f"/areas/{loop.grid_a11.pk}/qr.png")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_qr_code_encodes_the_report_page_of_the_grid(loop, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["wg.example.cn", "testserver"]
    request = RequestFactory().get("/areas/1/qr.png", HTTP_HOST="wg.example.cn")
    settings.PUBLIC_BASE_URL = ""
    assert public.report_url(request, loop.grid_a11) == f"http://wg.example.cn/r/{loop.grid_a11.code}/"
    settings.PUBLIC_BASE_URL = "https://gov.example.cn/"
    assert public.report_url(request, loop.grid_a11) == f"https://gov.example.cn/r/{loop.grid_a11.code}/"

    encoded = []
    make = posters.segno.make
    monkeypatch.setattr(posters.segno, "make", lambda content, **kw: encoded.append(content) or make(content, **kw))
    assert login(loop, "worker_a11").get(f"/areas/{loop.grid_a11.pk}/qr.png").status_code == 200
    assert encoded == [f"https://gov.example.cn/r/{loop.grid_a11.code}/"]


def test_poster_names_the_grid_and_its_chief(loop):
    text = posters.grid_poster_text(loop.grid_a11, "http://x/r/1/")
    assert (text.grid_name, text.community, text.street) == ("甲一第一网格", "甲一社区", "甲街道")
    assert text.staff_line.endswith("chief_a11")
    assert posters.grid_poster_text(loop.grid_a12, "http://x/r/2/").staff_line == ""
    assert "worker_b11" in posters.grid_poster_text(loop.grid_b11, "http://x/r/3/").staff_line


def test_poster_renders_without_a_cjk_font(loop, monkeypatch):
    from PIL import ImageFont

    monkeypatch.setattr(posters, "find_cjk_font", lambda: None)
    image = posters.grid_poster(loop.grid_a11, "http://x/r/1/")
    assert image.size == posters.PAGE_SIZE
    if hasattr(ImageFont, "load_default_imagefont"):  # a bitmap font (Pillow without FreeType)
        monkeypatch.setattr(posters, "_default_font", lambda size: ImageFont.load_default_imagefont())
        assert posters.to_pdf(posters.grid_poster(loop.grid_a11, "http://x/r/1/")).startswith(b"%PDF")


# --- reporting -----------------------------------------------------------------------------------


def test_the_report_page_shows_the_grid_and_the_catalog(loop):
    response = Client().get(report_page(loop.grid_a11))
    assert response.status_code == 200
    text = response.content.decode()
    assert "甲一第一网格" in text and "甲一社区" in text
    assert '<optgroup label="市容环境">' in text and "暴露垃圾" in text
    assert 'accept="image/*"' in text and "navigator.geolocation" in text
    assert "仅用于回访" in text  # the note on name and phone, in Chinese by default
    key = re.search(r'name="idempotency_key" value="([^"]+)"', text).group(1)
    assert uuid.UUID(key)
    assert "chief_a11" not in text and "worker_a11" not in text


def test_report_pages_are_404_for_unknown_codes_and_other_levels(loop):
    client = Client()
    for code in ("999999999", loop.community_a1.code, loop.district.code, "x" * 300):
        response = client.get(f"/r/{code}/")
        assert response.status_code == 404 and has_chinese(response.content.decode())
        assert client.post(f"/r/{code}/", form_data()).status_code == 404
    assert Case.objects.count() == 0


def test_a_resident_reports_a_problem_anonymously(loop, photo):
    response = Client().post(report_page(loop.grid_a11), {**form_data(reporter_name="王女士",
                                                                       reporter_phone="13800000000"),
                                                          "photos": [photo()]})
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == "resident_qr" and case.grid == loop.grid_a11 and case.reporter is None
    assert (case.lon, case.lat) == (loop.grid_a11.center_lon, loop.grid_a11.center_lat)
    assert case.reporter_name == "王女士" and case.photos.count() == 1
    text = response.content.decode()
    assert case.tracking_code in text and f"/t/{case.tracking_code}/" in text
    assert "13800000000" not in text
    assert response["Cache-Control"] == "private, no-store"


def test_a_reported_location_is_used(loop):
    submit(loop.grid_a11, lon="114.08", lat="35.61")
    case = Case.objects.get()
    assert (case.lon, case.lat) == (114.08, 35.61)


def test_the_same_idempotency_key_makes_one_case(loop):
    key = str(uuid.uuid4())
    first = submit(loop.grid_a11, idempotency_key=key)
    again = submit(loop.grid_a11, idempotency_key=key, description="再次提交")
    assert Case.objects.count() == 1
    code = Case.objects.get().tracking_code
    assert code in first.content.decode() and code in again.content.decode()
    assert IdempotencyRecord.objects.get().key == "anon:resident_qr:" + uuid.UUID(key).hex


def test_keys_of_other_channels_cannot_fetch_their_cases(loop, photo):
    actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101", description="别人的报告",
                        lon=A11[0], lat=A11[1], photos=[photo()], idempotency_key="abc-123")
    other = Case.objects.get()
    response = submit(loop.grid_a11, idempotency_key="abc-123")
    assert Case.objects.count() == 2 and other.tracking_code not in response.content.decode()


@pytest.mark.parametrize("data, expected", [
    ({"description": ""}, "请描述"),
    ({"description": "   "}, "请描述"),
    ({"description": "很长" * 1001}, "2000"),
    ({"category": ""}, None),
    ({"category": "E01"}, None),  # a major category
    ({"category": "NOPE"}, None),
    ({"reporter_phone": "call me maybe"}, "电话"),
    ({"reporter_phone": "1" * 40}, None),
    ({"reporter_name": "名" * 80}, None),
    ({"description": "a\x00b"}, None),
])
def test_bad_input_shows_a_chinese_message_and_creates_nothing(loop, data, expected):
    response = submit(loop.grid_a11, **data)
    assert response.status_code == 200
    text = response.content.decode()
    errors = re.search(r'<ul class="errorlist nonfield" role="alert">(.*?)</ul>', text, re.S)
    assert errors and has_chinese(errors.group(1))
    if expected:
        assert expected in errors.group(1)
    assert Case.objects.count() == 0


def test_a_non_image_photo_is_refused_and_the_input_kept(loop, photo):
    bad = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = Client().post(report_page(loop.grid_a11), {**form_data(description="路灯不亮了"), "photos": [bad]})
    text = response.content.decode()
    assert response.status_code == 200 and Case.objects.count() == 0
    assert "不是有效的图片" in text and "路灯不亮了" in text
    assert "重新选择" in text  # photos must be chosen again
    too_many = [photo() for _ in range(public.MAX_PHOTOS + 1)]
    response = Client().post(report_page(loop.grid_a11), {**form_data(), "photos": too_many})
    assert response.status_code == 200 and Case.objects.count() == 0


@pytest.mark.parametrize("lon, lat", [("120.0", "30.0"), (str(B11[0]), str(B11[1]))])
def test_a_far_off_location_falls_back_to_the_qr_grid(loop, lon, lat):
    """Outside the district, or in another street: phone GPS is not trusted that far."""
    submit(loop.grid_a11, lon=lon, lat=lat)
    case = Case.objects.get()
    assert case.grid == loop.grid_a11 and (case.lon, case.lat) == (loop.grid_a11.center_lon, loop.grid_a11.center_lat)


@pytest.mark.parametrize("data", [
    {},
    {"category": ["E0101", "E0102"], "description": ["a", "b"]},
    {"lon": "abc", "lat": "1e999"},
    {"lon": "nan", "lat": "nan"},
    {"lon": "114.07"},  # half a location: the grid's centre
    {"idempotency_key": "x" * 5000},
    {"category": "E0101", "description": "x", "extra": "y" * 10000},
])
def test_garbage_never_500s(loop, data):
    response = Client().post(report_page(loop.grid_a11), data)
    assert response.status_code in (200, 400)


def test_report_form_is_protected_by_csrf(loop):
    client = Client(enforce_csrf_checks=True)
    assert client.post(report_page(loop.grid_a11), form_data()).status_code == 403
    page = client.get(report_page(loop.grid_a11))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(report_page(loop.grid_a11), {**form_data(), "csrfmiddlewaretoken": token}).status_code == 200
    assert Case.objects.count() == 1


# --- tracking and rating -------------------------------------------------------------------------


def resident_case(loop) -> Case:
    submit(loop.grid_a11)
    return Case.objects.get()


def run_the_loop(loop, photo, case) -> Case:
    actions.accept(loop.command, case, note="command 已受理，联系 chief_a11")
    actions.file(loop.command, case)
    actions.dispatch(loop.command, case, departments=[loop.dept_cg], note="请区城管局 handler_cg 处理")
    actions.accept_task(loop.handler_cg, case)
    actions.report_back(loop.handler_cg, case, note="handler_cg 已清运", photos=[photo()])
    actions.verify(loop.worker_a11, case, passed=True, photos=[photo()], note="worker_a11 现场核查")
    case.refresh_from_db()
    return case


def track(case, client=None, **kwargs):
    return (client or Client()).get(f"/t/{case.tracking_code}/", **kwargs)


def test_the_tracking_page_shows_the_state_and_no_names(loop, photo):
    case = resident_case(loop)
    text = track(case).content.decode()
    assert "已上报" in text and case.number in text and "暴露垃圾" in text

    case = run_the_loop(loop, photo, case)
    assert case.state == "closed"
    response = track(case)
    text = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert "已办结" in text and "职能部门" in text and "现场核查通过" in text
    for name in ["区城管局", "城管", "乙街道城管中队", "区市政局", "市政承办", "已清运", "现场核查\n",
                 "联系", "小区门口有一堆生活垃圾", "/media/", "<img", *loop.users]:
        assert name not in text, name
    for user in loop.users.values():
        assert user.username not in text and (not user.full_name or user.full_name not in text)


def test_tracking_codes_are_case_insensitive_and_unknown_codes_404(loop):
    case = resident_case(loop)
    response = Client().get(f"/t/{case.tracking_code.lower()}/", follow=True)
    assert response.status_code == 200 and case.number in response.content.decode()
    for code in ("ZZZZZZZZZZ", "2222222222", "short", "AB.CD-EFGHI", "A" * 50):
        response = Client().get(f"/t/{code}/")
        assert response.status_code == 404 and "查询码" in response.content.decode()


def test_the_lookup_form_leads_to_the_tracking_page(loop):
    case = resident_case(loop)
    client = Client()
    assert client.get("/t/").status_code == 200
    response = client.get("/t/", {"code": f" {case.tracking_code.lower()[:5]}-{case.tracking_code[5:]} "})
    assert response.status_code == 302 and response["Location"] == f"/t/{case.tracking_code}/"
    response = client.get("/t/", {"code": "??"})
    assert response.status_code == 200 and "10" in response.content.decode()


def test_rating_works_once_through_the_page(loop, photo):
    case = run_the_loop(loop, photo, resident_case(loop))
    client = Client()
    page = track(case, client).content.decode()
    assert 'name="rating"' in page
    response = client.post(f"/t/{case.tracking_code}/", {"rating": "5", "comment": "很及时"}, follow=True)
    text = response.content.decode()
    assert "感谢您的评价" in text and 'name="rating"' not in text and "★★★★★" in text
    case.refresh_from_db()
    assert case.rating == 5 and case.rating_comment == "很及时"
    response = client.post(f"/t/{case.tracking_code}/", {"rating": "4"})
    assert response.status_code == 200 and "已评价" in response.content.decode()
    case.refresh_from_db()
    assert case.rating == 5


def test_a_bad_rating_reopens_the_case_and_the_page_says_so(loop, photo):
    case = run_the_loop(loop, photo, resident_case(loop))
    response = Client().post(f"/t/{case.tracking_code}/", {"rating": "1", "comment": "没解决"}, follow=True)
    case.refresh_from_db()
    assert case.state == "filed" and case.rating == 1 and case.reopen_count == 1
    text = response.content.decode()
    assert "重新办理" in text and "已立案" in text and 'name="rating"' not in text
    assert "没解决" not in text  # the comment is kept for staff


@pytest.mark.parametrize("data", [{}, {"rating": "9"}, {"rating": "abc"}, {"rating": "3", "comment": "x" * 600}])
def test_a_bad_rating_is_refused_with_a_message(loop, photo, data):
    case = run_the_loop(loop, photo, resident_case(loop))
    response = Client().post(f"/t/{case.tracking_code}/", data)
    assert response.status_code == 200 and 'class="errorlist nonfield"' in response.content.decode()
    case.refresh_from_db()
    assert case.rating is None


def test_an_open_case_cannot_be_rated(loop):
    case = resident_case(loop)
    response = Client().post(f"/t/{case.tracking_code}/", {"rating": "5"})
    assert response.status_code == 200 and "办结后" in response.content.decode()
    case.refresh_from_db()
    assert case.rating is None


def test_a_merged_report_follows_the_original(loop, photo):
    original = resident_case(loop)
    submit(loop.grid_a11, description="同一堆垃圾")
    merged = Case.objects.exclude(pk=original.pk).get()
    actions.merge(loop.command, merged, into=original, note="重复")
    text = track(merged).content.decode()
    assert "合并办理" in text and merged.number in text and original.number not in text
    assert original.tracking_code not in text
    actions.accept(loop.command, original)
    assert "已受理" in track(merged).content.decode()
