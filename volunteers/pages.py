"""Page helpers shared by the engagement apps (party, volunteers, cobuilding): fetch-or-404
through a restricted queryset, the generic table and form pages, and area/person pickers."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from areas.models import Area
from registry.access import access_person
from web.utils import add_action_errors


def get_or_404(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def communities(user, capability: str = "community.change"):
    """Communities the user may act on (their own, or those below their street/district)."""
    from accounts.scope import get_scope

    scope = get_scope(user)
    qs = Area.objects.filter(level="community").defer("boundary")
    if scope.is_superuser:
        return qs
    paths = scope.paths_for(capability)
    from django.db.models import Q

    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
        # a grid's staff act for the community it lies in
        parts = [p for p in path.strip("/").split("/") if p]
        for i in range(1, len(parts)):
            condition |= Q(path="/" + "/".join(parts[:i]) + "/")
    return qs.filter(condition)


class CommunityField(forms.ModelChoiceField):
    def __init__(self, user, capability: str = "community.change", **kwargs):
        kwargs.setdefault("label", _("Community"))
        super().__init__(queryset=communities(user, capability).order_by("path"), **kwargs)


class PersonField(forms.IntegerField):
    """A resident by their registry number (the number in the resident page's address)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Resident number"))
        kwargs.setdefault("help_text", _("The number of the resident in the registry (Base data → Residents)."))
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


def person_in_scope(form, field: str, user):
    """The resident named in form.cleaned_data[field] if the user's registry scope covers them."""
    pk = form.cleaned_data.get(field)
    if pk is None:
        return None
    try:
        return access_person(user, pk)
    except Http404:
        form.add_error(field, _("No resident with this number in your area."))
        return None


def run_action(form, call, field_map=None):
    """Call the action; a ValidationError goes onto the form (input kept). Returns the result or None."""
    try:
        return call()
    except ValidationError as exc:
        add_action_errors(form, exc, field_map)
        return None


def require_change(user, area) -> None:
    """403 on a page that changes a row the user sees but may not change (the row itself is fetched
    through the restricted queryset first, so out of scope is already a 404)."""
    from django.core.exceptions import PermissionDenied

    from accounts.scope import get_scope

    if not get_scope(user).can("community.change", area):
        raise PermissionDenied


def can_change(user, area=None) -> bool:
    from accounts.scope import get_scope

    return get_scope(user).can("community.change", area)


def edit_page(request, form, call, *, title, back, done, field_map=None, intro=None):
    """The GET/POST body of an edit page: a valid form goes through the action `call(cleaned_data)`;
    a refusal re-renders the form with the user's input and the action's messages."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.utils.translation import gettext

    if request.method == "POST" and form.is_valid() \
            and run_action(form, lambda: call(form.cleaned_data), field_map) is not None:
        messages.success(request, gettext("Saved."))
        return redirect(done)
    return form_page(request, title=title, form=form, back=back, intro=intro, form_id="edit-form")


def post_action(request, call, success: str):
    """A POST-only state change from a button: the action's refusal becomes an error message."""
    from django.contrib import messages

    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)


def table_page(request, **context):
    return render(request, "engagement/table.html", context)


def form_page(request, **context):
    return render(request, "engagement/form.html", context)
