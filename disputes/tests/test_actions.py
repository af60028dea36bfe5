"""The dispute state machine, the hand-over chain between the three kinds of mediation, the link
to cases both ways, and the figures (checked by hand)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditLog
from disputes import actions, selectors
from disputes.models import Dispute, DisputeParty


def register(cast, actor=None, **kw):
    values = {"grid": cast.grid_a11, "title": "楼上漏水", "description": "楼上装修漏水，双方争执",
              "kind": "neighbour", "source": "visit", "risk": "low",
              "parties": [{"name": "刘大海", "phone": "13811112222", "role": "applicant"},
                          {"name": "陈小红", "phone": "", "role": "respondent"}]}
    values.update(kw)
    return actions.register_dispute(actor, **values)


@pytest.mark.django_db
def test_it_runs_the_whole_chain_with_hand_overs(cast):
    officer = cast.officer_a1
    dispute = register(cast, officer)
    assert dispute.state == "registered" and dispute.number.startswith("J")
    actions.start_mediation(officer, dispute, kind="people", mediators="人民调解委员会 王主任")
    actions.record_session(officer, dispute, summary="第一次调解，未达成一致")
    with pytest.raises(ValidationError):  # a hand-over goes to another kind
        actions.hand_over(officer, dispute, kind="people", mediators="x", reason="y")
    with pytest.raises(ValidationError):  # and needs a reason
        actions.hand_over(officer, dispute, kind="judicial", mediators="x", reason="")
    actions.hand_over(officer, dispute, kind="administrative", mediators="街道司法所", reason="涉及物业责任认定")
    actions.hand_over(officer, dispute, kind="judicial", mediators="法院驻所法官", reason="需司法确认")
    stages = list(dispute.stages.order_by("started_at", "id"))
    assert [s.kind for s in stages] == ["people", "administrative", "judicial"]
    assert [s.end_reason for s in stages] == ["涉及物业责任认定", "需司法确认", ""]
    assert stages[0].ended_at and stages[1].ended_at and stages[2].ended_at is None
    assert stages[0].sessions.count() == 1
    with pytest.raises(ValidationError):  # settled needs the agreement
        actions.conclude(officer, dispute, outcome="settled")
    actions.conclude(officer, dispute, outcome="settled", agreement_text="楼上赔偿2000元并修复防水")
    dispute.refresh_from_db()
    assert dispute.state == "settled" and dispute.concluded_at is not None
    assert dispute.stages.filter(ended_at__isnull=True).count() == 0
    with pytest.raises(ValidationError):  # no more mediation after the end
        actions.record_session(officer, dispute, summary="x")
    actions.check_fulfilment(officer, dispute, fulfilled=True)
    actions.follow_up(officer, dispute, satisfaction="satisfied", note="双方满意")
    dispute.refresh_from_db()
    assert dispute.fulfilment == "fulfilled"
    assert list(dispute.events.values_list("action", flat=True)) == [
        "register", "start_mediation", "record_session", "hand_over", "hand_over", "conclude",
        "check_fulfilment", "follow_up"]
    assert AuditLog.objects.filter(action="dispute.hand_over", object_id=str(dispute.pk)).count() == 2


@pytest.mark.django_db
def test_it_refuses_what_the_state_does_not_allow(cast):
    dispute = register(cast)
    with pytest.raises(ValidationError):
        actions.conclude(None, dispute, outcome="not_settled", note="x")
    with pytest.raises(ValidationError):
        actions.follow_up(None, dispute, satisfaction="satisfied")
    with pytest.raises(ValidationError):
        actions.check_fulfilment(None, dispute, fulfilled=True)
    actions.start_mediation(None, dispute, kind="people", mediators="调委会")
    with pytest.raises(ValidationError):
        actions.start_mediation(None, dispute, kind="judicial", mediators="x")
    with pytest.raises(ValidationError):  # not settled needs a reason
        actions.conclude(None, dispute, outcome="not_settled")
    actions.conclude(None, dispute, outcome="referred", note="引导至法院诉讼")
    with pytest.raises(ValidationError):  # fulfilment only for a settled one
        actions.check_fulfilment(None, dispute, fulfilled=False, note="x")
    assert Dispute.objects.get(pk=dispute.pk).state == "referred"


@pytest.mark.django_db
def test_it_checks_scope_and_input(people):
    cast = people
    with pytest.raises(PermissionDenied):
        register(cast, cast.worker_b11)  # grid A1-1 is not theirs
    with pytest.raises(PermissionDenied):
        register(cast, cast.handler_cg)
    with pytest.raises(ValidationError) as exc:
        register(cast, cast.worker_a11, title="", kind="nonsense", parties=[])
    assert {"title", "kind"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):  # a resident of another street cannot be a party
        register(cast, cast.worker_a11, parties=[{"person": cast.resident_b, "role": "applicant"}])
    with pytest.raises(ValidationError):
        register(cast, cast.worker_a11, parties=[{"name": "某某", "phone": "13a", "role": "applicant"}])
    dispute = register(cast, cast.worker_a11, parties=[{"person": cast.resident_a, "role": "applicant"},
                                                       {"name": "陈小红", "phone": "13900001111", "role": "respondent"}])
    assert dispute.parties.count() == 2
    with pytest.raises(ValidationError):  # a street-B department does not serve grid A1-1
        actions.start_mediation(cast.worker_a11, dispute, kind="administrative", mediators="x",
                                department=cast.dept_bcg)


@pytest.mark.django_db
def test_parties_are_stored_encrypted_and_masked(people):
    cast = people
    dispute = register(cast, parties=[{"person": cast.resident_a, "role": "applicant"},
                                      {"name": "陈小红", "phone": "13900001111", "role": "respondent"}])
    free = DisputeParty.objects.get(dispute=dispute, person__isnull=True)
    assert "陈小红" not in free.name_enc and "13900001111" not in free.phone_enc
    assert free.masked_name == "陈*红" and free.masked_phone == "139****1111"
    linked = DisputeParty.objects.get(dispute=dispute, person__isnull=False)
    assert linked.masked_name == "张*明"
    with pytest.raises(PermissionDenied):  # grid workers have no registry.unmask
        actions.reveal_parties(cast.worker_a11, dispute, purpose="核实")
    shown = actions.reveal_parties(cast.officer_a1, dispute, purpose="联系当事人")
    assert {p["name"] for p in shown} == {"张晓明", "陈小红"}
    assert AuditLog.objects.filter(action="dispute.unmask", note="联系当事人").count() == 1


@pytest.mark.django_db
def test_a_dispute_turns_into_a_case_and_a_department_mediates(loop):
    cast = loop
    dispute = register(cast, cast.worker_a11)
    case = actions.turn_into_case(cast.worker_a11, dispute)
    dispute.refresh_from_db()
    assert dispute.to_case == case and case.category.code == "S0101" and case.grid == cast.grid_a11
    with pytest.raises(ValidationError):
        actions.turn_into_case(cast.worker_a11, dispute)
    # a dispute registered from a case keeps the link
    second = register(cast, cast.officer_a1, from_case=case, source="case")
    assert list(case.disputes.all()) == [second]
    # a district department mediates: its handler then sees the dispute and may record sessions
    assert not Dispute.objects.restrict(cast.handler_cg).exists()
    actions.start_mediation(cast.officer_a1, second, kind="administrative", mediators="城管执法队", department=cast.dept_cg)
    assert list(Dispute.objects.restrict(cast.handler_cg)) == [second]
    actions.record_session(cast.handler_cg, second, summary="现场调解")
    with pytest.raises(PermissionDenied):
        actions.follow_up(cast.handler_cg, second, satisfaction="satisfied")
    actions.hand_over(cast.handler_cg, second, kind="people", mediators="社区调委会", reason="属邻里矛盾")
    with pytest.raises(PermissionDenied):  # no longer theirs
        actions.record_session(cast.handler_cg, second, summary="x")


@pytest.mark.django_db
def test_the_figures_hand_checked(cast):
    """Period [2026-03-01, 2026-04-01): 4 concluded in it (3 settled), one concluded before and one
    still mediating do not count; 2 of the 4 are high risk, one of them revisited; follow-ups in the
    period: 3, of which 2 satisfied or basically satisfied."""
    def at(day, hour=10):
        return timezone.make_aware(dt.datetime(2026, 3, day, hour))

    def concluded(outcome, day, risk="low"):
        d = register(cast, risk=risk, registered_at=at(1, 8))
        actions.start_mediation(None, d, kind="people", mediators="调委会", at=at(1, 9))
        extra = {"agreement_text": "协议"} if outcome == "settled" else {"note": "未达成"}
        return actions.conclude(None, d, outcome=outcome, at=at(day) if day else
                                timezone.make_aware(dt.datetime(2026, 2, 20, 10)), **extra)

    s1 = concluded("settled", 2, risk="high")
    s2 = concluded("settled", 10)
    concluded("settled", 20, risk="high")
    n1 = concluded("not_settled", 25)
    early = concluded("settled", None)
    mediating = register(cast)
    actions.start_mediation(None, mediating, kind="people", mediators="调委会")
    actions.follow_up(None, s1, satisfaction="satisfied", at=at(5))
    actions.follow_up(None, s2, satisfaction="basically", at=at(15))
    actions.follow_up(None, n1, satisfaction="dissatisfied", at=at(28))
    actions.follow_up(None, early, satisfaction="dissatisfied", at=timezone.make_aware(dt.datetime(2026, 2, 25)))
    f = selectors.figures(Dispute.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert (f.mediated, f.settled, f.settlement_rate) == (4, 3, 0.75)
    assert (f.major, f.major_revisited, f.major_revisit_rate) == (2, 1, 0.5)
    assert (f.follow_ups, f.satisfied, f.satisfaction_rate) == (3, 2, 0.6667)
    empty = selectors.figures(Dispute.objects.none(), dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    assert empty.settlement_rate is None and empty.mediated == 0
