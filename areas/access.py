"""Fetch-or-404 within the user's scope (Zulip's access_* helpers)."""

from django.http import Http404

from areas.models import Area, Department, StaffAssignment


def access_area(user, area_id, capability: str = "view") -> Area:
    try:
        return Area.objects.restrict(user, capability).select_related("parent").get(pk=int(area_id))
    except (Area.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_department(user, department_id, capability: str = "view") -> Department:
    try:
        return Department.objects.restrict(user, capability).select_related("area").get(pk=int(department_id))
    except (Department.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_staff_assignment(user, assignment_id, capability: str = "view") -> StaffAssignment:
    try:
        return StaffAssignment.objects.restrict(user, capability).select_related("area", "user").get(pk=int(assignment_id))
    except (StaffAssignment.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
