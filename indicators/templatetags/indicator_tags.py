"""Showing indicator values on the pages."""

from django import template

from indicators.definitions import INDICATORS, as_display
from indicators.export import column_label, is_rate

register = template.Library()


@register.simple_tag
def indicator_value(values: dict, key: str) -> str:
    """A value of a row as the page shows it: rates in percent, hours and counts as numbers."""
    value = values.get(key)
    if key in INDICATORS:
        return as_display(key, value)
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if is_rate(key) else f"{value:,}"


@register.simple_tag
def indicator_label(key: str) -> str:
    return column_label(key)


@register.filter
def points(value) -> str:
    return "—" if value is None else f"{value:.1f}"
