"""The dashboard's community-work panel: disputes settled, patrols, overdue meeting decisions and
grid-task items not done, each counted only within the viewer's scope and the area shown."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes import actions as disputes
from patrols import actions as patrols
from patrols.models import Patrol

pytestmark = pytest.mark.django_db


def settle(grid, title):
    dispute = disputes.register_dispute(None, grid=grid, title=title, description="噪音", kind="neighbour",
                                        source="patrol", parties=[{"name": "张三", "role": "applicant"}])
    disputes.start_mediation(None, dispute, kind="people", mediators="调委会")
    return disputes.conclude(None, dispute, outcome="settled", agreement_text="协议")


def panel(user, **params):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("indicators:dashboard"), {"period": "month", **params})
    assert response.status_code == 200
    return {key: str(item["display"]) for item in response.context["community"] for key in [item["key"]]}


def test_the_panel_counts_within_the_scope_and_the_area(cast):
    settle(cast.grid_a11, "甲一纠纷一")
    settle(cast.grid_a11, "甲一纠纷二")
    settle(cast.grid_b11, "乙一纠纷")
    unsettled = disputes.register_dispute(None, grid=cast.grid_a11, title="未结", description="x", kind="family",
                                          source="walk_in", parties=[{"name": "李四", "role": "applicant"}])
    disputes.start_mediation(None, unsettled, kind="people", mediators="调委会")
    disputes.conclude(None, unsettled, outcome="not_settled", note="未达成")
    patrol = patrols.start_patrol(cast.worker_a11, grid=cast.grid_a11)
    patrols.end_patrol(cast.worker_a11, patrol)
    Patrol.objects.filter(pk=patrol.pk).update(distance_m=2500)

    a = panel(cast.officer_a)
    assert (a["disputes_mediated"], a["disputes_settled"], a["settlement_rate"]) == ("3", "2", "66.7%")
    assert (a["patrols"], a["patrol_km"]) == ("1", "2.5")
    b = panel(cast.officer_b)
    assert (b["disputes_mediated"], b["disputes_settled"], b["settlement_rate"]) == ("1", "1", "100.0%")
    assert (b["patrols"], b["patrol_km"]) == ("0", "0.0")
    district = panel(cast.command)
    assert district["disputes_mediated"] == "4" and district["patrols"] == "1"
    # the area shown narrows it
    only_b = panel(cast.command, area=cast.street_b.code)
    assert only_b["disputes_mediated"] == "1" and only_b["patrols"] == "0"
    # a department handler sees no dispute or patrol figures at all
    assert "disputes_mediated" not in panel(cast.handler_cg) and "patrols" not in panel(cast.handler_cg)


def test_last_months_work_is_not_this_months(cast):
    settle(cast.grid_a11, "旧纠纷")
    from disputes.models import Dispute

    Dispute.objects.update(concluded_at=timezone.now() - dt.timedelta(days=70))
    assert panel(cast.officer_a)["disputes_mediated"] == "0"


def test_volunteer_party_and_cobuilding_figures_within_the_scope(cast):
    """Volunteer hours, confirmed party service hours, needs raised and met: street A's officer
    sees community A1's only, the district all; a department handler (no community.view) none."""
    from decimal import Decimal

    from cobuilding.models import ListEntry, Match
    from party.models import OfficeOrganization, ServiceLog
    from registry import actions as registry
    from volunteers.models import Activity, SignUp, Volunteer

    now = timezone.now()

    def placed(model, area, **fields):
        row = model(**fields)
        row.place_in(area)
        row.save()
        return row

    for community, grid, hours, id_number, lon in [
            (cast.community_a1, cast.grid_a11, "2.5", "110101199003070054", 114.07),
            (cast.community_b1, cast.grid_b11, "4", "410611198512120028", 114.4)]:
        dwelling = registry.save_dwelling(None, address=f"{grid.name}1号", grid=grid, lon=lon, lat=35.6)
        person = registry.save_person(None, name="志愿者", id_number=id_number, phone="13800000000",
                                      household=registry.save_household(None, dwelling=dwelling, number=id_number[-4:]),
                                      relation="head")
        volunteer = placed(Volunteer, grid, person=person, consent_at=now, consent_version="v1")
        activity = placed(Activity, community, title="活动", place="广场", starts_at=now - dt.timedelta(hours=3),
                          ends_at=now - dt.timedelta(hours=1), capacity=5)
        SignUp.objects.create(activity=activity, volunteer=volunteer, state="done", checked_in_at=activity.starts_at,
                              checked_out_at=now - dt.timedelta(hours=1), hours=Decimal(hours))
        office = placed(OfficeOrganization, community, name="机关党支部")
        placed(ServiceLog, community, office=office, served_on=timezone.localdate(), hours=Decimal("1.5"),
               description="服务", state="confirmed")
        need = placed(ListEntry, community, kind="need", title="需求")
        resource = placed(ListEntry, community, kind="resource", title="资源")
        placed(Match, community, need=need, resource=resource, state="done")

    keys = ("volunteer_hours", "party_service_hours", "needs_raised", "needs_met")
    a = panel(cast.officer_a)
    assert tuple(a[k] for k in keys) == ("2.5", "1.5", "1", "1")
    district = panel(cast.command)
    assert tuple(district[k] for k in keys) == ("6.5", "3.0", "2", "2")
    assert "volunteer_hours" not in panel(cast.handler_cg)
