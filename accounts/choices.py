"""Roles, the area level each binds to, and what each role may do (capabilities)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_COMMAND = "district_command", _("District command center")
    DISTRICT_LEADER = "district_leader", _("District leader")
    STREET_OFFICER = "street_officer", _("Street officer")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    GRID_CHIEF = "grid_chief", _("Grid chief")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# The area level a role is bound to; department_handler is bound to a department instead.
ROLE_LEVEL = {
    Role.DISTRICT_COMMAND: "district",
    Role.DISTRICT_LEADER: "district",
    Role.SYSTEM_ADMIN: "district",
    Role.STREET_OFFICER: "street",
    Role.COMMUNITY_OFFICER: "community",
    Role.GRID_CHIEF: "grid",
    Role.GRID_WORKER: "grid",
    Role.DEPARTMENT_HANDLER: None,
}

# Capabilities: "view" is implied by every role. Each capability holds within the role's area.
CAPABILITIES = {
    "view": _("view areas, staff and departments"),
    "area.change": _("edit the area tree and boundaries"),
    "staff.change": _("assign grid staff"),
    "department.change": _("edit departments"),
    "role.change": _("grant and revoke roles"),
    "audit.view": _("read the audit log"),
    "case.view": _("see the cases of the area"),
    "registry.view": _("see the registry of the area (masked)"),
    "registry.places": _("see dwellings, organizations and components (no people)"),
    "registry.sensitive": _("see masked id numbers, phones and special-group tags"),
    "registry.unmask": _("unmask personal data, with a stated purpose"),
    "registry.export": _("export the registry to Excel"),
    "registry.change": _("edit and import the registry"),
    "integration.change": _("manage webhooks and the 12345 bridge, read their delivery log"),
}

_REGISTRY_FULL = {"registry.view", "registry.places", "registry.sensitive", "registry.unmask", "registry.export",
                  "registry.change"}

ROLE_CAPABILITIES: dict[str, set[str]] = {
    Role.SYSTEM_ADMIN: {"view", "area.change", "staff.change", "department.change", "role.change", "audit.view",
                        "case.view", "registry.view", "registry.places", "registry.export", "registry.change"},
    Role.DISTRICT_COMMAND: {"view", "staff.change", "audit.view", "case.view", *_REGISTRY_FULL},
    Role.DISTRICT_LEADER: {"view", "case.view", "registry.view", "registry.places"},
    Role.STREET_OFFICER: {"view", "staff.change", "case.view", *_REGISTRY_FULL},
    Role.COMMUNITY_OFFICER: {"view", "staff.change", "case.view", *_REGISTRY_FULL},
    Role.GRID_CHIEF: {"view", "case.view", "registry.view", "registry.places", "registry.sensitive",
                      "registry.change"},
    Role.GRID_WORKER: {"view", "case.view", "registry.view", "registry.places", "registry.sensitive",
                       "registry.change"},
    # a department sees the area tree it serves, the cases it has a task on, and places (dwellings,
    # organizations, components) but no people: no id number, phone or special-group tag
    Role.DEPARTMENT_HANDLER: {"view", "case.task", "registry.places"},
}

# Webhooks and the 12345 bridge (integrations/): the district's administrators and command center.
ROLE_CAPABILITIES[Role.SYSTEM_ADMIN].add("integration.change")
ROLE_CAPABILITIES[Role.DISTRICT_COMMAND].add("integration.change")
# Community work (disputes/, meetings/, gridtasks/): appended as one block so it merges cleanly.
CAPABILITIES.update({
    "dispute.view": _("see the disputes of the area (parties masked)"),
    "dispute.change": _("register and mediate disputes"),
    "dispute.mediate": _("(departments) mediate the disputes handed to the department"),
    "meeting.view": _("see the joint meetings of the area"),
    "meeting.change": _("convene joint meetings and record their decisions"),
    "meeting.decide": _("(departments) see and complete the meeting decisions the department owns"),
    "gridtask.send": _("send tasks down to grids"),
    "gridtask.work": _("complete the tasks sent to one's grid"),
})
for _role, _caps in {
    Role.DISTRICT_COMMAND: {"dispute.view", "dispute.change", "meeting.view", "meeting.change", "gridtask.send"},
    Role.DISTRICT_LEADER: {"dispute.view", "meeting.view", "gridtask.send"},
    Role.STREET_OFFICER: {"dispute.view", "dispute.change", "meeting.view", "meeting.change", "gridtask.send"},
    Role.COMMUNITY_OFFICER: {"dispute.view", "dispute.change", "meeting.view", "meeting.change", "gridtask.send"},
    Role.GRID_CHIEF: {"dispute.view", "dispute.change", "gridtask.work"},
    Role.GRID_WORKER: {"dispute.view", "dispute.change", "gridtask.work"},
    Role.DEPARTMENT_HANDLER: {"dispute.mediate", "meeting.decide"},
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _caps
# --- engagement (patrols, party, volunteers, co-building; docs/engagement.md) -------------------
CAPABILITIES.update({
    "patrol.do": _("patrol a grid and record home visits"),
    "patrol.view": _("see patrols, home visits and patrol coverage"),
    "community.view": _("see party organizations, volunteers, activities and co-building lists"),
    "community.change": _("manage party organizations, volunteers, activities, the charity store and co-building lists"),
    "points.rules": _("edit the point rules"),
})
for _role, _caps in {
    Role.SYSTEM_ADMIN: {"patrol.view", "community.view", "points.rules"},
    Role.DISTRICT_COMMAND: {"patrol.view", "community.view", "community.change", "points.rules"},
    Role.DISTRICT_LEADER: {"patrol.view", "community.view"},
    Role.STREET_OFFICER: {"patrol.view", "community.view", "community.change"},
    Role.COMMUNITY_OFFICER: {"patrol.view", "community.view", "community.change"},
    Role.GRID_CHIEF: {"patrol.do", "patrol.view", "community.view"},
    Role.GRID_WORKER: {"patrol.do", "patrol.view", "community.view"},
}.items():
    ROLE_CAPABILITIES[_role] |= _caps
del _role, _caps
