"""Home page and audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.choices import ROLE_CAPABILITIES
from accounts.scope import get_scope
from areas.choices import Level
from areas.models import Area, StaffAssignment
from areas.selectors import visible_roots
from core.models import AuditLog
from web.utils import paginate

MAX_ROOTS_ON_HOME = 50

# Labels for the audit log's action codes; unknown codes are shown as they are.
AUDIT_ACTIONS = {
    "auth.login": _("Log in"),
    "auth.logout": _("Log out"),
    "auth.login_failed": _("Failed login"),
    "user.create": _("Create user"),
    "role.grant": _("Grant role"),
    "role.revoke": _("Revoke role"),
    "area.create": _("Create area"),
    "area.update": _("Change area"),
    "area.delete": _("Delete area"),
    "department.create": _("Create department"),
    "department.update": _("Change department"),
    "staff.assign": _("Assign staff"),
    "staff.end": _("End staff assignment"),
}


@login_required
def home(request):
    scope = get_scope(request.user)
    roots = visible_roots(request.user)[:MAX_ROOTS_ON_HOME]
    cards = []
    for root in roots:
        counts = dict(
            Area.objects.filter(path__startswith=root.path, level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
            .exclude(pk=root.pk).values_list("level").annotate(n=Count("id"))
        )
        cards.append({"area": root, "streets": counts.get(Level.STREET, 0),
                      "communities": counts.get(Level.COMMUNITY, 0), "grids": counts.get(Level.GRID, 0)})
    duties = (StaffAssignment.objects.active().filter(user=request.user)
              .select_related("area").order_by("area__path"))
    return render(request, "web/home.html", {"scope": scope, "cards": cards, "duties": duties})


def audit_districts(scope) -> set[str]:
    """District codes of the areas where the user's roles carry audit.view."""
    codes = set()
    for assignment in scope.roles:
        if "audit.view" in ROLE_CAPABILITIES.get(assignment.role, ()):
            area = assignment.department.area if assignment.department_id else assignment.area
            codes.add(area.district_code)
    return codes


@login_required
def audit_log(request):
    scope = get_scope(request.user)
    if not scope.can("audit.view"):
        raise Http404
    entries = AuditLog.objects.all()
    if not scope.is_superuser:
        entries = entries.filter(district_code__in=audit_districts(scope))
    action_codes = sorted(entries.order_by().values_list("action", flat=True).distinct())
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_repr__icontains=actor)
    page = paginate(request, entries)
    for entry in page:
        entry.action_label = AUDIT_ACTIONS.get(entry.action, entry.action)
    return render(request, "web/audit.html", {
        "page_obj": page,
        "actions": [(code, AUDIT_ACTIONS.get(code, code)) for code in action_codes],
        "action": action,
        "actor": actor,
    })
