"""The engagement world: the test cast (conftest.py) plus residents, volunteers, a party tree, a
store and co-building lists in community A1 (street A), and one resident/volunteer in B1."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

IDS = ["110101199003070054", "410611198512120028", "410611201001010024", "410611199505050011"]


def build_world(cast):
    from cobuilding import actions as cb
    from party import actions as party
    from registry import actions as registry
    from volunteers import actions as vol

    dwelling_a = registry.save_dwelling(None, address="甲一小区1号楼1单元101", grid=cast.grid_a11, lon=114.07, lat=35.6)
    household_a = registry.save_household(None, dwelling=dwelling_a, number="A-0001")
    resident_a = registry.save_person(None, name="张晓明", id_number=IDS[0], phone="13812345678",
                                      household=household_a, relation="head")
    household_a.head = resident_a
    household_a.save(update_fields=["head"])
    resident_a2 = registry.save_person(None, name="李红梅", id_number=IDS[2], household=household_a, relation="spouse")
    dwelling_b = registry.save_dwelling(None, address="乙一小区2号楼2单元202", grid=cast.grid_b11, lon=114.4, lat=35.6)
    household_b = registry.save_household(None, dwelling=dwelling_b, number="B-0001")
    resident_b = registry.save_person(None, name="王大山", id_number=IDS[1], household=household_b, relation="head")

    vol.save_point_rule(None, action="volunteer_hour", points_=10)
    vol.save_point_rule(None, action="activity_check_in", points_=5)
    vol.save_point_rule(None, action="party_service_hour", points_=8)
    volunteer_a = vol.register_volunteer(None, person=resident_a, consent=True, skills="理发")
    volunteer_b = vol.register_volunteer(None, person=resident_b, consent=True)
    now = timezone.now()
    activity_a = vol.publish_activity(None, area=cast.community_a1, title="敬老院义剪", place="社区活动室",
                                      starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
                                      capacity=2)
    activity_b = vol.publish_activity(None, area=cast.community_b1, title="河道清洁", place="乙一河边",
                                      starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
                                      capacity=5)
    item_a = vol.save_item(None, area=cast.community_a1, name="洗衣液", price=30, stock=5)
    item_b = vol.save_item(None, area=cast.community_b1, name="大米", price=50, stock=3)

    street_org = party.save_organization(None, name="甲街道党工委", kind="street_committee", area=cast.street_a)
    community_org = party.save_organization(None, name="甲一社区党委", kind="community_committee",
                                            area=cast.community_a1, parent=street_org)
    branch = party.save_organization(None, name="甲一第一网格党支部", kind="branch", area=cast.grid_a11,
                                     parent=community_org)
    street_b = party.save_organization(None, name="乙街道党工委", kind="street_committee", area=cast.street_b)
    member_a = party.add_member(None, person=resident_a2, organization=branch, kind="in_service")
    office_a = party.register_office(None, name="区城管局机关党支部", community=cast.community_a1)

    need_a = cb.save_entry(None, area=cast.community_a1, kind="need", title="老人助餐", category="elderly")
    resource_a = cb.save_entry(None, area=cast.community_a1, kind="resource", title="餐馆提供午餐", category="elderly")
    need_b = cb.save_entry(None, area=cast.community_b1, kind="need", title="儿童托管", category="children")
    match_a = cb.propose_match(None, need=need_a, resource=resource_a)
    project_a = cb.save_project(None, area=cast.community_a1, title="长者食堂", owner="甲一社区",
                                starts_on=timezone.localdate())
    project_b = cb.save_project(None, area=cast.community_b1, title="四点半课堂", owner="乙一社区",
                                starts_on=timezone.localdate())
    return SimpleNamespace(**locals())


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.cast = cast
    return w
