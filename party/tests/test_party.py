"""Party: the organization tree follows the area tree, members live where their organization is,
dual check-in, and confirmed service pays points once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from party import actions
from volunteers.models import PointsEntry


def test_the_tree_follows_the_kinds_and_the_areas(world):
    cast = world.cast
    with pytest.raises(ValidationError):  # a branch directly under a street committee
        actions.save_organization(None, name="x", kind="branch", area=cast.grid_a11, parent=world.street_org)
    with pytest.raises(ValidationError):  # a community committee outside its parent's street
        actions.save_organization(None, name="x", kind="community_committee", area=cast.community_b1,
                                  parent=world.street_org)
    with pytest.raises(ValidationError):  # wrong level for the kind
        actions.save_organization(None, name="x", kind="street_committee", area=cast.community_a1)
    with pytest.raises(PermissionDenied):
        actions.save_organization(cast.officer_b, name="x", kind="branch", area=cast.grid_a12,
                                  parent=world.community_org)
    group = actions.save_organization(cast.officer_a1, name="1号楼党小组", kind="building_group",
                                      area=cast.grid_a11, parent=world.branch)
    assert group.area_path == cast.grid_a11.path


def test_members_live_in_their_organizations_community_unless_mobile(world):
    with pytest.raises(ValidationError):
        actions.add_member(None, person=world.resident_b, organization=world.branch, kind="retired")
    member = actions.add_member(None, person=world.resident_b, organization=world.branch, kind="mobile")
    assert member.area_path == world.resident_b.area_path
    with pytest.raises(ValidationError):
        actions.add_member(None, person=world.resident_b, organization=world.branch, kind="mobile")


def test_dual_check_in_and_confirmed_service_pay_points_once(world):
    cast = world.cast
    member = world.member_a
    with pytest.raises(ValidationError):  # not checked in yet
        actions.log_service(cast.officer_a1, community=cast.community_a1, served_on=timezone.localdate(), hours=2,
                            description="清理楼道", member=member)
    actions.member_check_in(cast.officer_a1, member)
    member.refresh_from_db()
    assert member.checked_in_community == cast.community_a1
    log = actions.log_service(cast.officer_a1, community=cast.community_a1, served_on=timezone.localdate(),
                              hours="2.5", description="清理楼道", member=member)
    with pytest.raises(ValidationError):
        actions.log_service(cast.officer_a1, community=cast.community_a1,
                            served_on=timezone.localdate() + dt.timedelta(days=1), hours=30, description="",
                            member=member)
    actions.confirm_service(cast.officer_a1, log)
    with pytest.raises(ValidationError):
        actions.confirm_service(cast.officer_a1, log)
    member.account.refresh_from_db()
    assert member.account.balance == 20  # 2.5 h × 8
    assert PointsEntry.objects.filter(account=member.account).count() == 1
    office_log = actions.log_service(cast.officer_a1, community=cast.community_a1, served_on=timezone.localdate(),
                                     hours=3, description="普法宣传", office=world.office_a)
    actions.confirm_service(cast.officer_a1, office_log)
    with pytest.raises(PermissionDenied):
        actions.register_office(cast.officer_b, name="某局支部", community=cast.community_a1)
