"""GET requests, one request, tokens and servicerequestupdates: filters, paging, the state mapping,
and what the public feed never shows."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cases import actions
from cases.choices import FINAL_STATES, CaseState
from cases.models import Case, Category
from open311.tests.conftest import A11, B11, BASE, make_photo, parse, report_data, xml_errors, xml_rows

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "lat", "long", "media_url"]
HIDDEN_WHEN_SENSITIVE = {"address", "address_id", "lat", "long"}
UPDATE_FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]


def report(loop, code="E0101", point=A11, days_ago=0, **kwargs):
    values = dict(channel="grid_worker", category_code=code, description="路边有一堆生活垃圾", lon=point[0],
                  lat=point[1], address="幸福路 12 号")
    values.update(kwargs)
    if days_ago:
        values["created_at"] = timezone.now() - dt.timedelta(days=days_ago)
    worker = loop.worker_a11 if point == A11 else loop.worker_b11
    case, _created = actions.report_case(worker, **values)
    return case


def ids(answer) -> list[str]:
    if isinstance(answer.body, list):
        return [row["service_request_id"] for row in answer.body]
    return [row["service_request_id"] for row in xml_rows(answer.body, answer.body.tag, answer.body[0].tag)] \
        if len(answer.body) else []


def test_a_request_in_xml_and_json(geo):
    case = report(geo.o311)
    root = geo.get("requests", "xml").body
    [row] = xml_rows(root, "service_requests", "request")
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] == str(case.pk) and row["status"] == "open" and row["status_notes"] == "已上报"
    assert (row["service_code"], row["service_name"]) == ("E0101", "暴露垃圾")
    assert row["description"] == "路边有一堆生活垃圾" and row["address"] == "幸福路 12 号"
    assert row["address_id"] == geo.o311.grid_a11.code and row["agency_responsible"] == "甲一第一网格"
    assert (float(row["lat"]), float(row["long"])) == (A11[1], A11[0])
    assert row["requested_datetime"].endswith("+08:00") and row["expected_datetime"] == ""
    assert row["media_url"] == "" and row["service_notice"] == ""
    assert dt.datetime.fromisoformat(row["requested_datetime"]) == case.created_at.replace(microsecond=0)

    [data] = geo.get("requests", "json").body
    assert list(data) == REQUEST_FIELDS and data["service_request_id"] == str(case.pk)
    assert isinstance(data["service_code"], str) and data["lat"] == A11[1] and data["long"] == A11[0]
    assert data["expected_datetime"] is None


def test_one_request_is_a_list_of_one(geo):
    case = report(geo.o311)
    report(geo.o311, code="E0102")
    root = geo.get(f"requests/{case.pk}", "xml").body
    assert [r["service_request_id"] for r in xml_rows(root, "service_requests", "request")] == [str(case.pk)]
    data = geo.get(f"requests/{case.pk}", "json").body
    assert isinstance(data, list) and [d["service_request_id"] for d in data] == [str(case.pk)]


@pytest.mark.parametrize("request_id", ["999999", "abc", "1" * 30])
def test_an_unknown_request_is_404(geo, request_id):
    report(geo.o311)
    answer = geo.get(f"requests/{request_id}", "xml")
    assert answer.status == 404 and xml_errors(answer.body)[0][0] == "404"
    answer = geo.get(f"requests/{request_id}", "json")
    assert answer.status == 404 and answer.body[0]["code"] == 404


def test_states_map_to_open_or_closed_with_notes(geo):
    case = report(geo.o311)
    for state in CaseState:
        Case.objects.filter(pk=case.pk).update(state=state, merged_into=None)
        [row] = geo.get(f"requests/{case.pk}", "json").body
        assert row["status"] == ("closed" if state in FINAL_STATES else "open"), state
        assert row["status_notes"] == str(state.label)
    assert {str(CaseState.ACCEPTED.label), str(CaseState.HANDLING.label), str(CaseState.CLOSED.label)} == {
        "已受理", "处置中", "已结案"}


def test_real_steps_show_in_status_notes_and_merges_name_their_request(geo):
    o311 = geo.o311
    first, second, third = report(o311), report(o311), report(o311)
    actions.accept(o311.command, first)
    actions.merge(o311.command, second, into=first)
    actions.void(o311.command, third, note="重复恶意上报")
    rows = {r["service_request_id"]: r for r in geo.get("requests", "json").body}
    assert (rows[str(first.pk)]["status"], rows[str(first.pk)]["status_notes"]) == ("open", "已受理")
    assert rows[str(second.pk)]["status"] == "closed"
    assert rows[str(second.pk)]["status_notes"] == f"已合并至诉求 {first.pk}"
    assert (rows[str(third.pk)]["status"], rows[str(third.pk)]["status_notes"]) == ("closed", "已作废")
    assert rows[str(third.pk)]["description"] == ""  # a voided report's text is not published


def test_filters_by_id_code_date_status_and_update_time(geo):
    o311 = geo.o311
    old = report(o311, days_ago=30)
    garbage = report(o311, days_ago=5)
    lamp = report(o311, code="C0102", days_ago=2)
    dirt = report(o311, code="E0103", point=B11, days_ago=1)
    ancient = report(o311, days_ago=120)
    Case.objects.filter(pk=lamp.pk).update(state=CaseState.CLOSED)
    Case.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=20))

    assert ids(geo.get("requests", "json")) == [str(c.pk) for c in (dirt, lamp, garbage, old)]  # 90 days, newest first
    # service_request_id: a comma list, and the other filters no longer apply
    answer = geo.get("requests", "json", service_request_id=f"{ancient.pk},{lamp.pk},nope", status="open")
    assert ids(answer) == [str(lamp.pk), str(ancient.pk)]
    assert ids(geo.get("requests", "json", service_code="C0102,E0103")) == [str(dirt.pk), str(lamp.pk)]
    start = (timezone.now() - dt.timedelta(days=6)).isoformat()
    end = (timezone.now() - dt.timedelta(days=1, hours=12)).isoformat()
    assert ids(geo.get("requests", "json", start_date=start, end_date=end)) == [str(lamp.pk), str(garbage.pk)]
    assert ids(geo.get("requests", "json", start_date="2000-01-01")) == [
        str(c.pk) for c in (dirt, lamp, garbage, old, ancient)]
    assert ids(geo.get("requests", "json", status="closed")) == [str(lamp.pk)]
    assert ids(geo.get("requests", "json", status="open")) == [str(c.pk) for c in (dirt, garbage, old)]
    assert len(ids(geo.get("requests", "json", status="open,closed"))) == 4
    before = (timezone.now() - dt.timedelta(days=10)).isoformat()
    assert ids(geo.get("requests", "json", updated_before=before)) == [str(old.pk)]
    assert str(old.pk) not in ids(geo.get("requests", "json", updated_after=before))
    assert ids(geo.get("requests", "json", jurisdiction_id="410611", service_code="E0103")) == [str(dirt.pk)]
    # XML carries the same
    root = geo.get("requests", "xml", service_code="C0102,E0103").body
    assert [r["service_request_id"] for r in xml_rows(root, "service_requests", "request")] == [str(dirt.pk),
                                                                                               str(lamp.pk)]


def test_dates_are_read_liberally(geo):
    case = report(geo.o311, days_ago=3)
    for value in ["2026-01-01T00:00:00Z", "2020-01-01", "2020-01-01T08:00:00 08:00", "2020-01-01T08:00:00"]:
        assert ids(geo.get("requests", "json", start_date=value)) == [str(case.pk)], value


@pytest.mark.parametrize("query, word", [
    ({"status": "pending"}, "status"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45"}, "end_date"),
    ({"updated_after": "x"}, "updated_after"),
    ({"page": "0"}, "page"),
    ({"page_size": "-5"}, "page_size"),
])
def test_wrong_filters_are_400(geo, query, word):
    answer = geo.get("requests", "xml", **query)
    assert answer.status == 400
    [(code, description)] = xml_errors(answer.body)
    assert code == "400" and word in description
    assert geo.get("servicerequestupdates", "json", **query).status == 400


def test_pages(geo):
    made = [report(geo.o311, days_ago=i + 1) for i in range(7)]  # made[0] is the newest
    expected = [str(c.pk) for c in made]
    pages = [ids(geo.get("requests", "json", page=n, page_size=3)) for n in (1, 2, 3, 4)]
    assert pages == [expected[0:3], expected[3:6], expected[6:7], []]
    root = geo.get("requests", "xml", page=2, page_size=2).body
    assert [r["service_request_id"] for r in xml_rows(root, "service_requests", "request")] == expected[2:4]
    assert ids(geo.get("requests", "json", page_size=100000)) == expected  # clamped to the maximum


def test_sensitive_categories_show_no_position(geo):
    o311 = geo.o311
    dispute = report(o311, code="S0101", description="楼上楼下因漏水发生纠纷，住 3 单元 502")
    security = report(o311, code="S0402", description="3 号楼地下室有可疑人员")
    # a minor category marked plain under a sensitive major category is still hidden
    Category.objects.filter(code="S0403").update(sensitive=False)
    noise = report(o311, code="S0403", description="KTV 噪音扰民")
    plain = report(o311)
    hidden = {dispute.pk, security.pk, noise.pk}

    for fmt in ("xml", "json"):
        answer = geo.get("requests", fmt)
        rows = (xml_rows(answer.body, "service_requests", "request") if fmt == "xml" else answer.body)
        assert len(rows) == 4
        for row in rows:
            if int(row["service_request_id"]) in hidden:
                assert not HIDDEN_WHEN_SENSITIVE & set(row), row
                assert row["description"] == "" and row["agency_responsible"] == ""
                assert row["status"] == "open" and row["service_code"].startswith("S0")
            else:
                assert set(row) >= HIDDEN_WHEN_SENSITIVE and row["service_request_id"] == str(plain.pk)
        for case in (dispute, security, noise):
            single = geo.get(f"requests/{case.pk}", fmt)
            text = single.raw
            assert "<lat>" not in text and '"lat"' not in text and "<long>" not in text and '"long"' not in text
            assert "address" not in text and o311.grid_a11.code not in text and "甲一" not in text
            assert "漏水" not in text and "地下室" not in text and "KTV" not in text
            assert str(A11[0]) not in text and str(A11[1]) not in text


def test_descriptions_never_show_phone_or_identity_card_numbers(geo):
    report(geo.o311, description="请联系 13912345678 或身份证 11010519491231002X 的住户，电话13800001111。")
    [row] = geo.get("requests", "json").body
    assert "13912345678" not in row["description"] and "139****5678" in row["description"]
    assert "11010519491231002X" not in row["description"] and "110105********X" in row["description"]
    assert "138****1111" in row["description"]


def test_control_characters_cannot_break_the_xml(geo):
    report(geo.o311, description="垃圾\x0b堆放\x01在路边")
    [row] = xml_rows(geo.get("requests", "xml").body, "service_requests", "request")
    assert row["description"] == "垃圾堆放在路边"
    assert geo.get("requests", "json").body[0]["description"] == "垃圾堆放在路边"


def test_the_reporter_and_the_staff_are_never_in_any_get_answer(geo, photo):
    o311 = geo.o311
    posted = geo.post("json", **report_data(media=make_photo()))
    case = Case.objects.get(pk=posted.body[0]["service_request_id"])
    qr = Client().post(f"/r/{o311.grid_a12.code}/", {
        "category": "E0103", "description": "路面很脏", "reporter_name": "李四光", "reporter_phone": "13987654321",
        "lon": "", "lat": "", "idempotency_key": "b2c2b93b-7f5c-4b43-9ad6-0c0ab3b1a5d1"})
    assert qr.status_code == 200
    qr_case = Case.objects.get(channel="resident_qr")
    actions.accept(o311.command, case, note="指挥中心张主任内部备注")
    actions.file(o311.command, case)
    actions.dispatch(o311.command, case, departments=[o311.dept_cg], note="请区城管局王科长处理")
    actions.accept_task(o311.handler_cg, case, note="承办人赵六")
    actions.request_extension(o311.handler_cg, case, hours=8, note="需要协调物业")

    secrets = ["王小明", "小明", "13812345678", "138****5678", "wang.xiaoming", "example.cn", "李四光",
               "13987654321", "内部备注", "张主任", "王科长", "赵六", "协调物业", "区城管局", "handler_cg", "command",
               case.tracking_code, qr_case.tracking_code, "/media/", "cases/"]
    paths = ["requests", f"requests/{case.pk}", f"requests/{qr_case.pk}", "servicerequestupdates", "services",
             "discovery"]
    for path in paths:
        for fmt in ("xml", "json"):
            answer = geo.get(path, fmt, service_request_id=f"{case.pk},{qr_case.pk}")
            assert answer.status == 200
            for secret in secrets:
                assert secret not in answer.raw, (path, fmt, secret)
    # the token answer names only the request
    token = geo.get(f"tokens/{case.tracking_code}", "json").body
    assert token == [{"service_request_id": str(case.pk), "token": case.tracking_code}]


def test_tokens_give_the_request_at_once(geo):
    posted = geo.post("xml", **report_data())
    [row] = xml_rows(posted.body, "service_requests", "request")
    root = geo.get(f"tokens/{row['token']}", "xml").body
    assert xml_rows(root, "service_requests", "request") == [{"service_request_id": row["service_request_id"],
                                                              "token": row["token"]}]
    spaced = row["token"][:5].lower() + "-" + row["token"][5:]
    assert geo.get(f"tokens/{spaced}", "json").body[0]["service_request_id"] == row["service_request_id"]
    for unknown in ("ZZZZZZZZZZ", "short", "x" * 30):
        answer = geo.get(f"tokens/{unknown}", "xml")
        assert answer.status == 404 and xml_errors(answer.body)[0][0] == "404"
    assert geo.get(f"tokens/{row['token']}", "json", jurisdiction_id="410611").status == 200


def test_updates_are_the_public_timeline_in_plain_words(geo):
    o311 = geo.o311
    case = report(o311)
    other = report(o311, code="C0102")
    actions.accept(o311.command, case, note="内部备注：先核实")
    actions.file(o311.command, case)
    actions.dispatch(o311.command, case, departments=[o311.dept_cg], note="派区城管局")
    actions.accept_task(o311.handler_cg, case)
    actions.request_extension(o311.handler_cg, case, hours=8, note="需要延期")  # not public
    actions.accept(o311.command, other)
    actions.resolve(o311.command, other, note="已处理，内部说明")

    root = geo.get("servicerequestupdates", "xml").body
    rows = xml_rows(root, "service_request_updates", "request_update")
    assert all(list(r) == UPDATE_FIELDS for r in rows)
    mine = [r for r in rows if r["service_request_id"] == str(case.pk)]
    assert [r["description"] for r in mine] == ["问题已上报。", "已受理。", "已立案。", "已派遣至职能部门处理。",
                                                "职能部门已接单处理。"]
    assert all(r["status"] == "open" for r in mine)
    theirs = [r for r in rows if r["service_request_id"] == str(other.pk)]
    assert [r["status"] for r in theirs] == ["open", "open", "closed"]
    text = geo.get("servicerequestupdates", "json").raw
    for word in ("内部备注", "派区城管局", "需要延期", "内部说明", "command", "handler_cg"):
        assert word not in text
    # oldest first; every update of the filtered requests; by status after the update
    data = geo.get("servicerequestupdates", "json", service_request_id=str(other.pk)).body
    assert [d["status"] for d in data] == ["open", "open", "closed"]
    assert [d["update_id"] for d in data] == sorted((d["update_id"] for d in data), key=int)
    assert len(geo.get("servicerequestupdates", "json", status="closed").body) == 1
    assert len(geo.get("servicerequestupdates", "json", service_code="C0102").body) == 3
    later = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    assert geo.get("servicerequestupdates", "json", start_date=later).body == []
    paged = geo.get("servicerequestupdates", "json", page=2, page_size=3).body
    assert [d["update_id"] for d in paged] == [r["update_id"] for r in rows[3:6]]


def test_list_answers_need_a_fixed_number_of_queries(geo, django_assert_max_num_queries):
    for i in range(12):
        case = report(geo.o311, code="S0101" if i % 3 == 0 else "E0101", point=A11 if i % 2 else B11)
        actions.accept(geo.o311.command, case)
    for path in ("requests", "servicerequestupdates"):
        for fmt in ("xml", "json"):
            with django_assert_max_num_queries(3):
                response = geo.client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "410611"})
            assert response.status_code == 200 and len(parse(response, fmt).raw) > 1000
