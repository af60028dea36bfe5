from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def my_open_task_parts(context) -> int:
    """How many open task parts the grids of the current user have (the phone page's link)."""
    from gridtasks.selectors import my_open_parts

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return my_open_parts(request.user).count()
