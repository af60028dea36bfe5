"""Template helpers of the case pages: the nav's case links with the unread count, lights."""

from django import template
from django.utils.html import format_html

from cases.choices import Light

register = template.Library()

DESK_ROLES = ("district_command", "district_leader", "system_admin", "street_officer", "community_officer",
              "grid_chief")
OPERATOR_ROLES = ("district_command", "street_officer", "community_officer", "grid_chief")


@register.simple_tag(takes_context=True)
def case_nav(context) -> dict:
    """Which case pages the nav offers this user, and how many unread messages they have
    (one COUNT query per page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    scope = context.get("gridgov_scope")
    if user is None or not user.is_authenticated or scope is None:
        return {}
    from core.models import Notification

    superuser = scope.is_superuser
    return {
        "desk": superuser or scope.has_role(*DESK_ROLES),
        "intake": scope.has_role(*OPERATOR_ROLES),
        "department": scope.has_role("department_handler"),
        "mobile": scope.has_role("grid_worker", "grid_chief"),
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }


@register.simple_tag
def light_badge(light) -> str:
    """A traffic light (green / yellow / red) as a coloured dot with its label."""
    if not light or light == Light.NONE:
        return ""
    return format_html('<span class="light light-{}" title="{}">{}</span>', light, Light(light).label,
                       Light(light).label)
