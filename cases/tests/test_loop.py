"""The whole loop through the action functions, and the rules at each step."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import actions
from cases.access import allowed_actions
from cases.actions import CaseConflict
from cases.models import Case, CaseEvent, CaseTask
from core.models import AuditLog, Notification

pytestmark = pytest.mark.django_db(transaction=True)

A11 = (114.07, 35.6)


def report(loop, photo, **kwargs):
    values = dict(channel="grid_worker", category_code="E0101", description="路边有一堆生活垃圾",
                  lon=A11[0], lat=A11[1], photos=[photo()])
    values.update(kwargs)
    case, created = actions.report_case(loop.worker_a11, **values)
    return case


def test_the_whole_loop_with_two_departments(loop, photo):
    case = report(loop, photo)
    assert case.state == "reported" and case.grid == loop.grid_a11 and case.owner_level == "grid"
    assert case.due_at is not None and len(case.number) == 15
    assert allowed_actions(loop.worker_a11, case) == []
    assert "accept" in allowed_actions(loop.command, case)

    actions.accept(loop.command, case)
    actions.file(loop.command, case)
    case.refresh_from_db()
    assert case.owner_level == "district"  # the command center took it over
    actions.dispatch(loop.command, case, departments=[loop.dept_cg, loop.dept_sz], note="联合派遣")
    case.refresh_from_db()
    assert case.state == "dispatched" and case.tasks.count() == 2 and case.handle_due_at is not None

    actions.accept_task(loop.handler_cg, case)
    actions.accept_task(loop.handler_sz, case)
    actions.report_back(loop.handler_cg, case, note="已清运", photos=[photo()])
    case.refresh_from_db()
    assert case.state == "handling"  # one department is still working
    actions.report_back(loop.handler_sz, case, note="已修复", photos=[photo()])
    case.refresh_from_db()
    assert case.state == "verifying"

    with pytest.raises(ValidationError):
        actions.verify(loop.worker_a11, case, passed=True)  # a photo is required
    actions.verify(loop.worker_a11, case, passed=True, photos=[photo()], note="现场已整改")
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved_level == "district" and case.closed_on_time is True

    actions.rate(case.tracking_code, rating=5, comment="很快")
    case.refresh_from_db()
    assert case.rating == 5
    with pytest.raises(CaseConflict):
        actions.rate(case.tracking_code, rating=4)
    steps = list(case.events.values_list("action", flat=True))
    assert steps == ["report", "accept", "file", "dispatch", "accept_task", "accept_task", "report_back",
                     "report_back", "verify_pass", "rate"]
    assert AuditLog.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == len(steps)
    assert Notification.objects.filter(user=loop.handler_cg, kind="case.dispatched").exists()
    assert Notification.objects.filter(user=loop.worker_a11, kind="case.verify").exists()


def test_grid_level_resolution_counts_as_in_grid(loop, photo):
    case = report(loop, photo)
    actions.accept(loop.chief_a11, case)
    actions.resolve(loop.chief_a11, case, note="网格内处理完毕")
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved_level == "grid"


def test_a_resident_who_left_a_phone_gets_an_sms_on_closure_and_the_phone_is_encrypted(loop, photo):
    from core.models import SmsMessage

    case, _ = actions.report_case(None, channel="resident_qr", category_code="E0101", description="楼下垃圾",
                                  grid=loop.grid_a11, reporter_phone="13812345678")
    assert "13812345678" not in case.reporter_phone  # encrypted at rest
    actions.accept(loop.chief_a11, case)
    actions.resolve(loop.chief_a11, case, note="已清理")
    sms = SmsMessage.objects.get()
    assert sms.phone_masked == "138****5678" and case.tracking_code in sms.text


def test_categories_with_a_higher_close_level_cannot_be_resolved_in_the_grid(loop, photo):
    case = report(loop, photo, category_code="S0101", description="楼上楼下漏水纠纷")
    actions.accept(loop.chief_a11, case)
    assert "resolve" not in allowed_actions(loop.chief_a11, case)
    with pytest.raises(PermissionDenied):
        actions.resolve(loop.chief_a11, case, note="调解")
    actions.escalate(loop.chief_a11, case, note="需社区调解")
    case.refresh_from_db()
    assert case.owner_level == "community"
    actions.resolve(loop.officer_a1, case, note="社区调解成功")
    case.refresh_from_db()
    assert case.resolved_level == "community"


def test_self_resolved_on_the_spot_closes_at_once(loop, photo):
    with pytest.raises(ValidationError):
        report(loop, photo, self_resolved=True)
    case = report(loop, photo, self_resolved=True, after_photos=[photo()])
    assert case.state == "closed" and case.self_resolved and case.resolved_level == "grid"
    assert sorted(case.photos.values_list("kind", flat=True)) == ["after", "before"]


def test_a_return_sends_the_case_back_to_dispatch(loop, photo):
    case = report(loop, photo)
    actions.accept(loop.command, case)
    actions.file(loop.command, case)
    actions.dispatch(loop.command, case, departments=[loop.dept_cg])
    with pytest.raises(ValidationError):
        actions.return_task(loop.handler_cg, case, note="")
    actions.return_task(loop.handler_cg, case, note="不属于本部门职责")
    case.refresh_from_db()
    assert case.state == "filed" and case.return_count == 1
    actions.dispatch(loop.command, case, departments=[loop.dept_sz])
    case.refresh_from_db()
    assert case.dispatch_count == 2


def test_rework_and_extension(loop, photo):
    case = report(loop, photo)
    for step in (actions.accept, actions.file):
        step(loop.command, case)
    actions.dispatch(loop.command, case, departments=[loop.dept_cg])
    actions.accept_task(loop.handler_cg, case)
    actions.request_extension(loop.handler_cg, case, hours=8, note="需要采购配件")
    task = CaseTask.objects.get(case=case)
    old_due = task.due_at
    actions.decide_extension(loop.command, case, task=task, approve=True)
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.due_at > old_due and case.due_at == task.due_at and case.extension_count == 1
    actions.report_back(loop.handler_cg, case, note="处理完毕")
    actions.verify(loop.worker_a11, case, passed=False, note="仍有垃圾", photos=[photo()])
    case.refresh_from_db()
    task.refresh_from_db()
    assert case.state == "handling" and case.rework_count == 1 and task.state == "handling"


def test_refused_actions_change_nothing(loop, photo):
    case = report(loop, photo)
    before = (Case.objects.get(pk=case.pk).version, CaseEvent.objects.count(), AuditLog.objects.count())
    with pytest.raises(PermissionDenied):
        actions.accept(loop.worker_b11, case)  # another grid's worker
    with pytest.raises(PermissionDenied):
        actions.accept(loop.handler_cg, case)
    with pytest.raises(CaseConflict):
        actions.file(loop.command, case)  # not accepted yet
    with pytest.raises(CaseConflict):
        actions.accept(loop.command, case, expected_version=case.version + 5)  # a stale form
    assert (Case.objects.get(pk=case.pk).version, CaseEvent.objects.count(), AuditLog.objects.count()) == before


def test_idempotency_key_makes_one_case(loop, photo):
    first = report(loop, photo, idempotency_key="abc-123")
    again, created = actions.report_case(loop.worker_a11, channel="grid_worker", category_code="E0101",
                                         description="重复提交", lon=A11[0], lat=A11[1], photos=[photo()],
                                         idempotency_key="abc-123")
    assert again.pk == first.pk and created is False
    assert Case.objects.count() == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"category_code": ""}, "category"),
    ({"category_code": "E01"}, "category"),  # a major category
    ({"lon": 120.0, "lat": 30.0}, "lon"),  # outside the district
    ({"description": "  "}, "description"),
])
def test_bad_intake_is_refused_with_a_message(loop, photo, kwargs, field):
    with pytest.raises(ValidationError) as error:
        report(loop, photo, **kwargs)
    assert field in error.value.message_dict
    assert Case.objects.count() == 0


def test_uploads_must_be_images_and_lose_their_exif(loop, photo):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    with pytest.raises(ValidationError):
        report(loop, photo, photos=[SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")])
    case = report(loop, photo, photos=[photo(exif_gps=True)])
    stored = case.photos.get()
    with Image.open(stored.image.path) as image:
        assert not image.getexif()


def test_duplicates_are_found_and_merged(loop, photo):
    original = report(loop, photo)
    second = report(loop, photo, description="同一堆垃圾", lon=A11[0] + 0.0005)
    far = report(loop, photo, lon=A11[0] + 0.05)
    found = actions.find_duplicates(second.category, second.lon, second.lat, exclude_id=second.pk)
    assert [c.pk for c in found] == [original.pk]
    assert far.pk not in [c.pk for c in found]
    actions.merge(loop.command, second, into=original, note="重复上报")
    second.refresh_from_db()
    assert second.state == "merged" and second.merged_into == original


def test_the_reporter_rates_once_and_a_bad_rating_reopens_once(loop, photo):
    case = report(loop, photo)
    actions.accept(loop.chief_a11, case)
    actions.resolve(loop.chief_a11, case, note="已处理")
    actions.rate(case.tracking_code, rating=1, comment="没解决")
    case.refresh_from_db()
    assert case.state == "filed" and case.reopen_count == 1
    actions.resolve(loop.chief_a11, case, note="再次处理")
    actions.rate(case.tracking_code, rating=2)
    case.refresh_from_db()
    assert case.state == "closed" and case.rating == 2  # the second bad rating does not reopen


def test_a_reporter_rates_again_only_after_their_bad_rating_reopened_the_case(loop, photo):
    case = report(loop, photo)
    actions.accept(loop.chief_a11, case)
    actions.resolve(loop.chief_a11, case, note="已处理")
    actions.rate(case.tracking_code, rating=1)  # reopens
    actions.resolve(loop.chief_a11, case, note="再处理")
    actions.rate(case.tracking_code, rating=4)  # the second chance
    actions.reopen(loop.chief_a11, case, note="复查发现问题")
    actions.resolve(loop.chief_a11, case, note="三次处理")
    with pytest.raises(CaseConflict):
        actions.rate(case.tracking_code, rating=5)  # no third rating


def test_a_merged_reporter_rates_their_own_report_without_touching_the_original(loop, photo):
    original = report(loop, photo)
    merged = report(loop, photo, description="同一问题")
    actions.merge(loop.command, merged, into=original, note="重复")
    with pytest.raises(CaseConflict):
        actions.rate(merged.tracking_code, rating=5)  # the original is not closed yet
    actions.accept(loop.chief_a11, original)
    actions.resolve(loop.chief_a11, original, note="已处理")
    actions.rate(merged.tracking_code, rating=1)
    original.refresh_from_db()
    merged.refresh_from_db()
    assert merged.rating == 1 and original.rating is None and original.state == "closed"
    actions.rate(original.tracking_code, rating=5)
    original.refresh_from_db()
    assert original.rating == 5


def test_idempotency_keys_are_private_to_their_submitter(loop, photo):
    mine = report(loop, photo, idempotency_key="same-key")
    other, created = actions.report_case(loop.chief_a11, channel="grid_worker", category_code="E0101",
                                         description="另一人", lon=A11[0], lat=A11[1], idempotency_key="same-key")
    assert created and other.pk != mine.pk and other.tracking_code != mine.tracking_code


def test_a_qr_report_trusts_a_nearby_gps_point_and_falls_back_to_the_qr_grid(loop):
    nearby, _ = actions.report_case(None, channel="resident_qr", category_code="E0101", description="隔壁网格",
                                    grid=loop.grid_a11, lon=114.2, lat=35.6)  # grid A1-2, same street
    assert nearby.grid == loop.grid_a12
    far, _ = actions.report_case(None, channel="resident_qr", category_code="E0101", description="定位漂移",
                                 grid=loop.grid_a11, lon=114.4, lat=35.6)  # street B: not trusted
    assert far.grid == loop.grid_a11
    missing, _ = actions.report_case(None, channel="resident_qr", category_code="E0101", description="无定位",
                                     grid=loop.grid_a11)
    assert missing.grid == loop.grid_a11
