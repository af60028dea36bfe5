"""Excel: import templates, row-by-row validated and idempotent imports (in the background with a
progress bar), audited and masked exports, and the report-once statistics."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.models import AuditLog
from registry import excel, imports
from registry.models import Dwelling, Household, ImportJob, Organization, Person
from registry.search import search_people
from registry.tests.conftest import IDS

pytestmark = pytest.mark.django_db

RESIDENT_HEADERS = [c.header for c in imports.RESIDENT_COLUMNS]
GOOD_NEW_ID = IDS[3]  # 410611199505050011
PASSPORT = "E12345678"
NEW_HEAD_ID = "110101198001010053"


def xlsx(rows, headers=RESIDENT_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def resident(name="", id_number="", grid="", address="", household="", relation="", id_type="", phone="",
             status="", gender="", birth=""):
    values = {"姓名": name, "证件类型": id_type, "证件号码": id_number, "性别": gender, "出生日期": birth,
              "联系电话": phone, "人口类型": status, "网格编码": grid, "地址": address, "单元": "", "房号": "",
              "户号": household, "与户主关系": relation}
    return [values[h] for h in RESIDENT_HEADERS]


def upload(client, kind, content, name="import.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("registry_excel:import"),
                       {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=excel_type())})


def excel_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def login(client, user):
    client.force_login(user)
    return client


def last_job() -> ImportJob:
    return ImportJob.objects.latest("id")


def errors_by_row(job) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for e in job.errors:
        found.setdefault(e["row"], []).append((e["column"], e["reason"]))
    return found


def sheet_rows(content: bytes, title: str | None = None):
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[title] if title else workbook.worksheets[0]
    return workbook, [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads and error files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"


# --- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ImportJob.Kind.values)
def test_templates_open_with_the_importers_headers(client, registry, kind):
    response = login(client, registry.worker_a11).get(reverse("registry_excel:template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == excel_type()
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers == [c.header for c in imports.COLUMNS[kind]]
    assert len(workbook.worksheets) == 2  # the data sheet and how to fill it in
    notes = " ".join(str(c) for row in workbook.worksheets[1].iter_rows(values_only=True) for c in row if c)
    assert "必填" in notes or "必须" in notes


def test_templates_and_imports_need_registry_change(client, registry):
    login(client, registry.handler_cg)
    assert client.get(reverse("registry_excel:template", args=["residents"])).status_code == 403
    assert client.get(reverse("registry_excel:import")).status_code == 403
    assert client.get(reverse("registry_excel:template", args=["nonsense"])).status_code in (403, 404)


# --- importing residents -------------------------------------------------------------------------


def mixed_residents(cast) -> bytes:
    a11, a12, b11 = cast.grid_a11.code, cast.grid_a12.code, cast.grid_b11.code
    return xlsx([
        # 2: good, joins the registered household A-0001 in its dwelling
        resident("王小红", GOOD_NEW_ID, a11, "甲一小区1号楼1单元101", "A-0001", "配偶", phone="13700001111"),
        # 3: good, a new dwelling and household in grid A1-2, its head
        resident("赵大山", NEW_HEAD_ID, a12, "甲一小区9号楼101", "A-0900", "户主", status="户籍人口"),
        # 4: wrong check digit
        resident("李四", "110101199003070055", a11),
        # 5: the document of row 3 again
        resident("赵小山", NEW_HEAD_ID, a12),
        # 6: the document of a resident registered in another street (the canary)
        resident("冒名", IDS[1], a11),
        # 7: a grid outside the importer's scope
        resident("孙七", "110101199001010015", b11),
        # 8: no name
        resident("", "110101199001010023", a11),
        # 9: good, a passport, no dwelling
        resident("Anna Schmidt", PASSPORT, a11, id_type="护照", gender="女"),
        # 10: already registered, unchanged
        resident("张晓明", IDS[0], a11, "甲一小区1号楼1单元101", "A-0001", "户主", phone="13812345678",
                 status="常住人口"),
        # 11: empty: ignored
        resident(),
        # 12: an unknown grid code, a bad phone and an unknown relation
        resident("周八", "110101199001010031", "999", phone="12ab", relation="邻居"),
    ])


def test_import_brings_in_the_good_rows_and_reports_each_bad_one(client, registry):
    people_before = Person.objects.count()
    canary_before = Person.objects.values().get(pk=registry.canary.pk)
    response = upload(login(client, registry.officer_a), "residents", mixed_residents(registry))
    job = last_job()
    assert response.status_code == 302 and response["Location"] == reverse("registry_excel:job", args=[job.pk])
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created, job.updated, job.skipped, job.failed) == (3, 0, 1, 6)
    assert Person.objects.count() == people_before + 3

    errors = errors_by_row(job)
    assert sorted(errors) == [4, 5, 6, 7, 8, 12]
    assert errors[4] == [("证件号码", "身份证号码校验位错误。")]
    assert errors[5] == [("证件号码", "与第 3 行的证件重复。")]
    assert errors[6] == [("证件号码", "该证件号码的居民已登记。")]
    assert errors[7] == [("网格编码", "无权在该网格导入。")]
    assert errors[8][0][0] == "姓名" and "姓名" in errors[8][0][1]
    assert {c for c, _ in errors[12]} == {"网格编码", "联系电话", "与户主关系"}
    for e in job.errors:  # reasons are Chinese and never quote the row's personal data
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e["reason"]), e
        assert not any(secret in e["reason"] for secret in (IDS[1], NEW_HEAD_ID, "110101199003070055"))

    # the good rows, complete: encrypted documents, blind-indexed, placed, in their households
    wang = Person.objects.get(name="王小红")
    assert wang.id_number == GOOD_NEW_ID and wang.phone == "13700001111"
    assert wang.household == registry.household_a and wang.dwelling == registry.dwelling_a
    assert wang.relation == "spouse" and wang.gender == "male" and wang.birth_date == dt.date(1995, 5, 5)
    assert wang.residences.filter(moved_out_on__isnull=True).count() == 1
    assert [p.pk for p in search_people(registry.officer_a, GOOD_NEW_ID, audit=False)[1]] == [wang.pk]
    zhao = Person.objects.get(name="赵大山")
    assert zhao.grid == registry.grid_a12 and zhao.residence_status == "registered"
    assert zhao.dwelling.address == "甲一小区9号楼101" and zhao.dwelling.grid == registry.grid_a12
    assert zhao.household.number == "A-0900" and zhao.household.head == zhao
    anna = Person.objects.get(id_type="passport")
    assert anna.id_number == PASSPORT and anna.gender == "female" and anna.dwelling is None
    assert anna.name_pinyin == "anna schmidt"  # as Person.set_name has it
    assert job.notes == {"dwellings": 1, "households": 1}
    # nothing else moved: the canary is untouched, no resident for the refused rows
    assert Person.objects.values().get(pk=registry.canary.pk) == canary_before
    assert not Person.objects.filter(name__in=["李四", "赵小山", "冒名", "孙七", "周八"]).exists()
    # audited: one row for the batch with the new ids (no personal data), one for the job
    batch = AuditLog.objects.get(action="registry.person.import")
    assert sorted(batch.after["created"]) == sorted([wang.pk, zhao.pk, anna.pk])
    assert GOOD_NEW_ID not in str(batch.after) + batch.note + batch.object_repr
    summary = AuditLog.objects.get(action="registry.import")
    assert summary.actor == registry.officer_a and summary.after["created"] == 3
    # the upload is not kept
    assert not job.file or not imports.media_path(job.file).exists()

    page = client.get(reverse("registry_excel:job", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "身份证号码校验位错误" in html and "无权在该网格导入" in html and "hx-trigger" not in html


def test_importing_the_same_file_again_changes_nothing(client, registry):
    content = mixed_residents(registry)
    login(client, registry.officer_a)
    upload(client, "residents", content)
    first = last_job()
    people = list(Person.objects.order_by("id").values())
    dwellings, households = Dwelling.objects.count(), Household.objects.count()
    last_audit = AuditLog.objects.latest("id").pk

    upload(client, "residents", content)
    again = last_job()
    assert again.pk != first.pk and again.status == ImportJob.Status.DONE
    assert (again.created, again.updated, again.skipped, again.failed) == (0, 0, 4, 6)
    assert errors_by_row(again) == errors_by_row(first)
    people_after = list(Person.objects.order_by("id").values())
    assert [{k: v for k, v in p.items() if k != "updated_at"} for p in people_after] == \
        [{k: v for k, v in p.items() if k != "updated_at"} for p in people]
    assert (Dwelling.objects.count(), Household.objects.count()) == (dwellings, households)
    # the only new audit row is the job's own
    assert list(AuditLog.objects.filter(pk__gt=last_audit).values_list("action", flat=True)) == ["registry.import"]
    assert "同一文件" in client.get(reverse("registry_excel:job", args=[again.pk])).content.decode()


def test_large_files_are_read_in_a_second_process_with_the_same_outcome(client, registry, monkeypatch):
    login(client, registry.officer_a)
    upload(client, "residents", mixed_residents(registry))
    here = last_job()
    Person.objects.filter(pk__gt=registry.canary.pk).delete()  # start over
    Household.objects.filter(number="A-0900").delete()
    Dwelling.objects.filter(address="甲一小区9号楼101").delete()
    monkeypatch.setattr(imports, "PARALLEL_ROWS", 0)
    upload(client, "residents", mixed_residents(registry))
    beside = last_job()
    assert beside.status == ImportJob.Status.DONE, beside.message
    assert (beside.created, beside.updated, beside.skipped, beside.failed) == (3, 0, 1, 6)
    assert errors_by_row(beside) == errors_by_row(here)
    zhao = Person.objects.get(name="赵大山")
    assert zhao.id_number == NEW_HEAD_ID and zhao.name_pinyin == "zhaodashan" and zhao.household.head == zhao
    assert [p.pk for p in search_people(registry.officer_a, NEW_HEAD_ID, audit=False)[1]] == [zhao.pk]


def test_a_changed_row_updates_the_registered_resident_through_the_action(client, registry):
    login(client, registry.officer_a)
    row = resident("张晓明", IDS[0], registry.grid_a11.code, "甲一小区1号楼1单元101", "A-0001", "户主",
                   phone="13812345678", status="流动人口")
    upload(client, "residents", xlsx([row]))
    job = last_job()
    assert (job.created, job.updated, job.skipped, job.failed) == (0, 1, 0, 0)
    person = Person.objects.get(pk=registry.resident.pk)
    assert person.residence_status == "floating" and person.household == registry.household_a
    assert AuditLog.objects.filter(action="registry.person.save", object_id=str(person.pk)).count() == 2


def test_bad_files_are_refused_whole(client, registry, monkeypatch):
    login(client, registry.officer_a)
    response = upload(client, "residents", b"name,id\n", name="people.csv")
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    response = upload(client, "residents", b"this is not a workbook at all", name="people.xlsx")
    assert response.status_code == 400 and "xlsx" in response.content.decode()
    broken = mixed_residents(registry)
    response = upload(client, "residents", broken[: len(broken) // 2], name="broken.xlsx")
    assert response.status_code == 400
    response = upload(client, "residents", xlsx([["张三", "x"]], headers=["名字", "身份证"]))
    assert response.status_code == 400 and "表头缺少" in response.content.decode()
    assert "姓名" in response.content.decode()
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [resident(f"人{i}", "", registry.grid_a11.code) for i in range(5)]
    response = upload(client, "residents", xlsx(rows))
    assert response.status_code == 400 and "拆分" in response.content.decode()
    assert ImportJob.objects.count() == 0
    assert Person.objects.count() == 2


def test_a_sheet_damaged_past_its_first_rows_imports_nothing(registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    good = [resident(f"甲{i}", doc, registry.grid_a11.code) for i, doc in
            enumerate(["110101199001010015", "110101199001010023"])]
    content = xlsx(good)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row r=\"9\"><c r=\"A9\"><v>1</v></sheetData>")
            target.writestr(info, data)
    path = tmp_path / "imports" / "damaged.xlsx"
    path.parent.mkdir()
    path.write_bytes(out.getvalue())
    job = imports.create_job(path, "residents", registry.officer_a)
    result = imports.run_import(job.pk)
    assert result["status"] == "failed" and "损坏" in result["message"]
    assert Person.objects.count() == 2


def test_large_imports_run_in_the_background_with_a_progress_bar(client, registry, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(imports, "INLINE_ROWS", 0)
    login(client, registry.officer_a)
    upload(client, "residents", xlsx([resident("钱一", "110101199001010015", registry.grid_a11.code)]))
    job = last_job()
    assert job.status == ImportJob.Status.QUEUED and job.total == 1
    page = client.get(reverse("registry_excel:job", args=[job.pk])).content.decode()
    assert "hx-trigger=\"every 1s\"" in page and "<progress" in page
    from registry.tasks import run_import_task

    run_import_task.call(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == 1 and job.percent == 100
    partial = client.get(reverse("registry_excel:job-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in partial and 'value="100"' in partial
    # a job is its importer's only
    login(client, registry.officer_b)
    assert client.get(reverse("registry_excel:job", args=[job.pk])).status_code == 404


def test_the_immediate_backend_runs_the_task(client, registry, settings, monkeypatch,
                                             django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(imports, "INLINE_ROWS", 0)
    login(client, registry.officer_a)
    with django_capture_on_commit_callbacks(execute=True):  # enqueued once the upload commits
        upload(client, "residents", xlsx([resident("钱一", "110101199001010015", registry.grid_a11.code)]))
    job = last_job()
    assert job.status == ImportJob.Status.DONE and job.created == 1


def test_many_errors_are_all_kept(client, registry, monkeypatch):
    monkeypatch.setattr(imports, "ERROR_CAP", 3)
    login(client, registry.officer_a)
    upload(client, "residents", xlsx([resident(f"人{i}", "", registry.grid_a11.code) for i in range(7)]))
    job = last_job()
    assert job.failed == 7 and job.error_count == 7 and len(job.errors) == 3 and job.error_file
    response = client.get(reverse("registry_excel:job-errors", args=[job.pk]))
    _, rows = sheet_rows(b"".join(response.streaming_content))
    assert [r[0] for r in rows[1:]] == list(range(2, 9)) and all(r[1] == "证件号码" for r in rows[1:])


def test_the_reader_handles_excel_files(registry, tmp_path):
    """Shared strings with rich text and phonetic runs, a date style, a namespace prefix, a dimension
    that undercounts, cells without references: as Excel and WPS write them."""
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       '<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<x:workbook {ns} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                           'relationships"><x:sheets><x:sheet name="人口" sheetId="1" r:id="rId3"/></x:sheets>'
                           '</x:workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      'relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats'
                                      '.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s.xml"/>'
                                      '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/'
                                      'officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>'
                                      '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/'
                                      'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                                      '</Relationships>',
        "xl/strings.xml": f'<x:sst {ns}><x:si><x:t>姓名</x:t></x:si><x:si><x:t>出生日期</x:t></x:si>'
                          '<x:si><x:r><x:t>张</x:t></x:r><x:r><x:t xml:space="preserve">晓明</x:t></x:r>'
                          '<x:rPh sb="0" eb="1"><x:t>ちょう</x:t></x:rPh></x:si><x:si><x:t>A&amp;B</x:t></x:si></x:sst>',
        "xl/styles.xml": f'<x:styleSheet {ns}><x:numFmts><x:numFmt numFmtId="176" formatCode="yyyy/m/d"/>'
                         '</x:numFmts><x:cellXfs><x:xf numFmtId="0"/><x:xf numFmtId="176"/></x:cellXfs>'
                         '</x:styleSheet>',
        "xl/worksheets/s.xml": f'<x:worksheet {ns}><x:dimension ref="A1:B1"/><x:sheetData>'
                               '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
                               '</x:row><x:row r="3"><x:c t="s"><x:v>2</x:v></x:c><x:c s="1"><x:v>32875</x:v></x:c>'
                               '<x:c r="D3" t="s"><x:v>3</x:v></x:c><x:c r="E3"><x:v>13812345678</x:v></x:c>'
                               '<x:c r="F3"><x:v>1.5</x:v></x:c><x:c r="G3" t="b"><x:v>1</x:v></x:c>'
                               '<x:c r="H3" t="inlineStr"><x:is><x:t>内联</x:t></x:is></x:c></x:row>'
                               '</x:sheetData></x:worksheet>',
    }
    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    book = imports.XlsxFile(path)
    assert book.count_rows() == 2
    rows = list(book.rows())
    assert rows[0] == (1, {1: "姓名", 2: "出生日期"})
    assert rows[1] == (3, {1: "张晓明", 2: dt.datetime(1990, 1, 2), 4: "A&B", 5: 13812345678, 6: 1.5, 7: True,
                           8: "内联"})


def test_rows_below_a_title_row_and_numbers_typed_as_numbers(client, registry):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["甲一社区人口登记表"])
    sheet.append(RESIDENT_HEADERS)
    sheet.append(resident("钱一", "110101199001010015", int(registry.grid_a11.code), phone=13812340000))
    # typed as a number, Excel keeps 15 significant digits of an 18-digit document number
    sheet.append(resident("钱二", 110101199001010023, float(registry.grid_a11.code)))
    out = io.BytesIO()
    workbook.save(out)
    login(client, registry.officer_a)
    upload(client, "residents", out.getvalue())
    job = last_job()
    assert job.created == 1 and job.failed == 1, (job.message, job.errors)
    assert errors_by_row(job) == {4: [("证件号码", "请以文本格式填写此值：数字格式下 Excel 只保留 15 位有效数字。")]}
    assert Person.objects.get(name="钱一").phone == "13812340000"


# --- importing dwellings and organizations -------------------------------------------------------

DWELLING_HEADERS = [c.header for c in imports.DWELLING_COLUMNS]
ORGANIZATION_HEADERS = [c.header for c in imports.ORGANIZATION_COLUMNS]


def test_dwellings_import_checks_the_point_lies_in_its_grid(client, registry):
    a11 = registry.grid_a11.code
    content = xlsx([
        [a11, "甲一小区2号楼", "1", "201", 114.05, 35.6, "FW-1"],  # good
        [a11, "甲一小区3号楼", "", "", 114.2, 35.6, ""],  # in grid A1-2, not A1-1
        [a11, "区外房屋", "", "", 120.0, 30.0, ""],  # outside the district
        [a11, "半个坐标", "", "", 114.05, "", ""],  # longitude without latitude
        [registry.grid_b11.code, "乙一小区", "", "", 114.4, 35.6, ""],  # out of scope
        [a11, "甲一小区2号楼", "1", "201", 114.05, 35.6, "FW-1"],  # row 2 again
        ["", "", "", "", "", "", ""],  # nothing: ignored
        [a11, "", "1", "", "", "", ""],  # no address
    ], headers=DWELLING_HEADERS)
    login(client, registry.officer_a)
    upload(client, "dwellings", content)
    job = last_job()
    assert (job.created, job.skipped, job.failed) == (1, 0, 6), job.errors
    errors = errors_by_row(job)
    assert errors[3] == [("经度", "该位置不在所选网格“甲一第一网格”内。")]
    assert errors[4] == [("经度", "该位置不在本区任何网格内。")]
    assert errors[5][0][0] == "纬度"
    assert errors[6] == [("网格编码", "无权在该网格导入。")]
    assert errors[7] == [("外部编号", "与第 2 行的房屋重复。")]
    assert errors[9][0][0] == "地址"
    dwelling = Dwelling.objects.get(external_key="FW-1")
    assert dwelling.grid == registry.grid_a11 and (dwelling.unit, dwelling.room) == ("1", "201")
    assert AuditLog.objects.filter(action="registry.dwelling.save", object_id=str(dwelling.pk)).exists()

    upload(client, "dwellings", content)
    again = last_job()
    assert (again.created, again.updated, again.skipped, again.failed) == (0, 0, 1, 6)
    assert Dwelling.objects.filter(external_key="FW-1").count() == 1


def test_organizations_import(client, registry):
    a11 = registry.grid_a11.code
    content = xlsx([
        ["甲一便利店", "商铺门头", a11, "91110108551385082Q", "零售", "甲一路8号", 114.05, 35.6, "李四", "13900001111"],
        ["甲一工地", "工地", a11, "", "", "", "", "", "", ""],
        ["坏代码", "企业", a11, "91110108551385082A", "", "", "", "", "", ""],
        ["错位", "企业", a11, "", "", "", 114.2, 35.6, "", ""],
        ["未知类型", "小卖部", a11, "", "", "", "", "", "", ""],
    ], headers=ORGANIZATION_HEADERS)
    login(client, registry.officer_a)
    upload(client, "organizations", content)
    job = last_job()
    assert (job.created, job.failed) == (2, 3), job.errors
    errors = errors_by_row(job)
    assert errors[4] == [("统一社会信用代码", "统一社会信用代码无效。")]
    assert errors[5][0][0] == "经度" and errors[6][0][0] == "类型"
    shop = Organization.objects.get(credit_code="91110108551385082Q")
    assert shop.kind == "shop" and shop.grid == registry.grid_a11
    upload(client, "organizations", content)
    again = last_job()
    assert (again.created, again.updated, again.skipped, again.failed) == (0, 0, 2, 3)


# --- export --------------------------------------------------------------------------------------


def test_export_needs_the_permission_and_a_purpose(client, registry):
    login(client, registry.worker_a11)  # grid workers may not export
    assert client.get(reverse("registry_excel:export")).status_code == 403
    assert client.post(reverse("registry_excel:export"), {"kind": "residents", "purpose": "走访"}).status_code == 403
    login(client, registry.officer_a)
    response = client.post(reverse("registry_excel:export"), {"kind": "residents", "purpose": ""})
    assert response.status_code == 400
    assert not AuditLog.objects.filter(action="registry.export").exists()
    # an area outside the export scope is not offered
    response = client.post(reverse("registry_excel:export"),
                           {"kind": "residents", "purpose": "入户走访", "area": str(registry.street_b.pk)})
    assert response.status_code == 400


def test_export_is_scoped_masked_watermarked_and_audited(client, registry):
    login(client, registry.officer_a)
    response = client.post(reverse("registry_excel:export"), {"kind": "residents", "purpose": "入户走访核对"})
    assert response.status_code == 200 and response["Content-Type"] == excel_type()
    content = b"".join(response.streaming_content)
    workbook, rows = sheet_rows(content)
    mark = rows[0][0]
    assert "officer_a" in mark and timezone.localtime().strftime("%Y-%m-%d") in mark and "入户走访核对" in mark
    assert "仅限工作使用" in mark
    assert workbook.properties.creator == "officer_a" and "officer_a" in workbook.properties.description
    assert "officer_a" in workbook.worksheets[0].oddHeader.center.text
    header, data = rows[1], rows[2:]
    assert header[:3] == ["序号", "姓名", "性别"]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["姓名"] == "张*明" and row["证件号码"] == "1101**********0054" and row["联系电话"] == "138****5678"
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    for secret in ("张晓明", IDS[0], "13812345678", "金丝雀", "金*雀", IDS[1], "13900009999"):
        assert secret not in text
    entry = AuditLog.objects.get(action="registry.export")
    assert entry.actor == registry.officer_a and entry.note == "入户走访核对"
    assert entry.after == {"count": 1, "ids": [registry.resident.pk]}


def test_export_rows_are_capped(registry, monkeypatch):
    monkeypatch.setattr(excel, "EXPORT_CAP", 1)
    content, name, count, total = excel.export_workbook(registry.command, "residents", "全区核对抽查")
    assert (count, total) == (1, 2) and name.endswith(".xlsx")
    _, rows = sheet_rows(content)
    assert "共 2 行" in rows[0][0] and "共 2 行" in rows[-1][0]
    assert len([r for r in rows[2:] if isinstance(r[0], int)]) == 1


def test_export_of_places(registry):
    content, _name, count, _total = excel.export_workbook(registry.command, "dwellings", "房屋核查")
    _, rows = sheet_rows(content)
    assert count == 2 and {r[1] for r in rows[2:]} == {registry.dwelling_a.address, registry.dwelling_b.address}
    _, _, count, _ = excel.export_workbook(registry.officer_b, "dwellings", "房屋核查", registry.community_b1)
    assert count == 1
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        excel.export_workbook(registry.officer_b, "dwellings", "房屋核查", registry.community_a1)


# --- report once ---------------------------------------------------------------------------------


def sheet_dicts(rows):
    header = rows[1]
    return [dict(zip(header, r, strict=False)) for r in rows[2:]]


def test_report_once_counts_equal_the_registry(client, registry):
    from registry import actions

    extra = actions.save_person(None, name="钱多多", id_number="110101199001010015", household=registry.household_a,
                                relation="child", residence_status="floating")
    actions.tag_person(None, extra, kind="disabled")
    actions.tag_person(None, registry.canary, kind="disabled")
    actions.save_organization(None, kind="shop", name="小店", grid=registry.grid_a11)
    actions.save_organization(None, kind="enterprise", name="乙厂", grid=registry.grid_b11)
    gone = actions.save_person(None, name="迁走了", id_number="110101199001010023", dwelling=registry.dwelling_a)
    actions.move_out(None, gone)

    login(client, registry.command)
    response = client.post(reverse("registry_excel:report"), {"purpose": "月度统计上报"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    titles = workbook.sheetnames
    assert titles[0] == "说明" and len(titles) == 8

    def rows_of(title):
        return sheet_dicts([list(r) for r in workbook[title].iter_rows(values_only=True)])

    by_grid = {r["网格"]: r for r in rows_of("人口（网格）") if r["街道"] != "合计"}
    for grid in (registry.grid_a11, registry.grid_b11):
        current = Person.objects.filter(grid=grid, moved_out_on__isnull=True)
        row = by_grid[grid.name]
        assert row["户籍人口"] == current.filter(residence_status="registered").count()
        assert row["常住人口"] == current.filter(residence_status="permanent").count()
        assert row["流动人口"] == current.filter(residence_status="floating").count()
        assert row["合计"] == current.count()
    streets = {r["街道"]: r for r in rows_of("人口（街道）")}
    assert streets["合计"]["合计"] == Person.objects.filter(moved_out_on__isnull=True).count() == 3
    tags = {r["社区"]: r for r in rows_of("特殊人群（社区）")}
    assert tags[registry.community_a1.name]["独居老人"] == 1 and tags[registry.community_a1.name]["残疾人"] == 1
    assert tags[registry.community_b1.name]["残疾人"] == 1
    households = {r["网格"]: r["户数"] for r in rows_of("户数（网格）") if r["街道"] != "合计"}
    assert households == {registry.grid_a11.name: Household.objects.filter(grid=registry.grid_a11).count()}
    sizing = {r["网格"]: r for r in rows_of("网格规模")}
    assert sizing[registry.grid_a11.name]["人数"] == 2 and sizing[registry.grid_a11.name]["户数"] == 1
    assert sizing[registry.grid_a12.name]["人数"] == 0
    organizations = {r["社区"]: r for r in rows_of("单位（社区）")}
    assert organizations[registry.community_a1.name]["商铺门头"] == 1
    assert organizations[registry.community_b1.name]["企业"] == 1
    entry = AuditLog.objects.get(action="registry.export")
    assert entry.object_type == "registry.report" and entry.note == "月度统计上报"


def test_report_once_covers_only_what_the_user_sees(client, registry):
    _content, _name, sheets = excel.report_workbook(registry.officer_a, "统计")
    text = str(sheets)
    assert registry.grid_b11.name not in text and registry.community_b1.name not in text
    by_title = {title: rows for title, _headers, rows in sheets}
    assert by_title["人口（街道）"][-1][-1] == 1
    # no special groups without registry.sensitive: system administrators see the registry masked
    titles = [t for t, _h, _r in excel.report_workbook(registry.admin, "统计")[2]]
    assert "特殊人群（社区）" not in titles
    login(client, registry.handler_cg)
    assert client.post(reverse("registry_excel:report"), {"purpose": "统计"}).status_code == 403
    login(client, registry.worker_a11)
    assert client.get(reverse("registry_excel:report")).status_code == 200


@pytest.mark.parametrize("name", ["张晓明", "曾国藩", "单田芳", "解缙", "仇英", "朴树", "区小兰", "阿依古丽·买买提",
                                  "Anna Schmidt", "王𠀀", "〇一", "李 四", "欧阳娜娜", "长孙无忌", "尉迟恭"])
def test_the_imports_pinyin_is_person_set_names(name):
    from registry.models import Person

    person = Person()
    person.set_name(name)
    assert imports.pinyin_fields(name) == (person.name, person.name_pinyin, person.name_initials)
