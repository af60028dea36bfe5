"""Helpers shared by the engagement write APIs (party, volunteers, cobuilding).

Order of the checks on a write: the target out of the user's scope is a 404 (a detail route's
object through the restricted queryset; a new row's area outside the areas the user may change);
a user without community.change on it is a 403; then the input is validated (400, nothing
written) and the action function of the app does the change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from accounts.scope import get_scope
from volunteers.actions import CHANGE


def require_change(user, area=None) -> None:
    """403 unless the user holds community.change on `area` (anywhere when None)."""
    if not get_scope(user).can(CHANGE, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def area_to_change(user, pk, levels=("community",)):
    """The area a new row is attached to: 403 without community.change anywhere, 404 when the area
    does not exist or lies outside the areas the user may change."""
    from areas.models import Area

    require_change(user)
    area = Area.objects.filter(pk=pk, level__in=levels).defer("boundary").first()
    if area is None or not get_scope(user).can(CHANGE, area):
        raise NotFound(_("No such area in your scope."))
    return area


def pick(queryset, pk, label: str):
    """The row `pk` of a restricted queryset, or a 404 naming what was not found (None → None)."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("No such %(what)s in your scope.") % {"what": label})
    return obj


def pick_many(queryset, pks, label: str) -> list:
    pks = list(dict.fromkeys(pks or []))
    found = list(queryset.filter(pk__in=pks))
    if len(found) != len(pks):
        raise NotFound(_("No such %(what)s in your scope.") % {"what": label})
    return found


def merged(instance, validated: dict, fields: dict) -> dict:
    """The current values of `instance` (fields: name → attribute) overridden by a PATCH's input."""
    values = {name: getattr(instance, attr) for name, attr in fields.items()}
    values.update(validated)
    return values
