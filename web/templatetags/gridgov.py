"""Template helpers: ask the current user's scope what it may do, and build page links."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def scope_can(context, capability: str, area=None) -> bool:
    """`{% scope_can "area.change" area as can_edit %}`: may the user do this (here)?"""
    scope = context.get("gridgov_scope")
    if scope is None:
        return False
    return scope.can(capability, area)


@register.simple_tag(takes_context=True)
def page_url(context, page_number) -> str:
    """The current URL with `page` replaced, other query parameters kept."""
    request = context["request"]
    params = request.GET.copy()
    params["page"] = page_number
    return "?" + params.urlencode()
