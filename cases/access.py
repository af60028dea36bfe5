"""Who a user is to a case (owner, dispatcher, department, grid staff, superior), and fetching
cases within scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts.scope import get_scope
from cases.choices import LEVEL_RANK, OPEN_TASK_STATES, OPERATOR_CHANNELS
from cases.models import Case, Standard
from cases.workflow import DISPATCH_LEVELS, GRID_STAFF_ROLES, OWNER_ROLES, TRANSITIONS


@dataclass
class Standing:
    owner: object = None  # the RoleAssignment through which the user owns the case
    dispatcher: object = None
    departments: tuple = ()  # department ids with an open task the user may act for
    grid_staff: object = None
    superior: object = None

    def acting_as(self, who: str):
        return {"owner": self.owner, "dispatcher": self.dispatcher, "grid_staff": self.grid_staff,
                "superior": self.superior, "department": self.departments or None}.get(who)


def standard_of(category) -> Standard:
    """The category's standard, or the defaults where none was entered."""
    try:
        return category.standard
    except Standard.DoesNotExist:
        return Standard(category=category)


def access_case(user, case_id) -> Case:
    try:
        return (Case.objects.restrict(user).select_related("category__standard", "grid", "owner_area")
                .get(pk=int(case_id)))
    except (Case.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def closest_owner_role(roles, path: str):
    """Of the user's owning roles (grid chief, community/street officer, district command) whose
    area contains `path`, the one closest to it: the level that acts as owner there."""
    best = None
    for assignment in roles:
        area = assignment.area
        if area is not None and assignment.role in OWNER_ROLES.get(area.level, ()) and path.startswith(area.path) \
                and (best is None or area.depth > best.area.depth):
            best = assignment
    return best


def standing(user, case: Case) -> Standing:
    result = Standing()
    if user is None or not user.is_authenticated:
        return result
    roles = get_scope(user).roles
    owner_path = case.owner_area.path
    best_owner = closest_owner_role(roles, owner_path)
    for assignment in roles:
        area = assignment.area
        if area is None:
            continue
        if assignment.role in GRID_STAFF_ROLES and case.area_path.startswith(area.path):
            result.grid_staff = assignment
        if case.area_path.startswith(area.path) and (
            (area.path != owner_path and owner_path.startswith(area.path) and assignment.role != "grid_worker")
            or assignment.role == "district_leader"
        ):
            result.superior = assignment
    result.owner = best_owner
    if best_owner is not None and best_owner.area.level in DISPATCH_LEVELS:
        result.dispatcher = best_owner
    department_ids = {a.department_id for a in roles if a.department_id}
    if department_ids:
        result.departments = tuple(sorted(
            t.department_id for t in case.tasks.all() if t.department_id in department_ids
        ))
    return result


def owner_level_of(area) -> str:
    return {"cell": "grid"}.get(area.level, area.level)


def allowed_actions(user, case: Case) -> list[str]:
    """The workflow actions this user may take on this case now (for buttons and the API)."""
    me = standing(user, case)
    allowed = []
    open_tasks = [t for t in case.tasks.all() if t.state in OPEN_TASK_STATES]
    for name, transition in TRANSITIONS.items():
        if case.state not in transition.from_states or transition.who == "reporter":
            continue
        who = me.acting_as(transition.who)
        if not who:
            continue
        if transition.task_from:
            mine = [t for t in case.tasks.all() if t.department_id in me.departments and t.state in transition.task_from]
            if not mine:
                continue
            if name == "request_extension" and all(t.extension_requested_hours for t in mine):
                continue
        if name in ("approve_extension", "refuse_extension") and not any(t.extension_requested_hours for t in open_tasks):
            continue
        if name == "escalate" and case.owner_level == "district":
            continue
        if name == "resolve" and LEVEL_RANK[me.owner.area.level] < LEVEL_RANK[standard_of(case.category).close_level]:
            continue
        if name == "callback" and case.channel not in OPERATOR_CHANNELS:
            continue
        allowed.append(name)
    return allowed
