"""The warnings pages: the list (scoped, filtered, paginated) and one warning with its cases and
the acknowledge / close forms (each POST calls one action)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from earlywarning import actions
from earlywarning.access import access_warning
from earlywarning.choices import ACTIVE_STATES, KIND_COLORS
from earlywarning.forms import CloseForm, FilterForm, NoteForm
from earlywarning.models import DetectionState
from earlywarning.selectors import visible_warnings, warning_cases
from web.utils import add_action_errors, paginate


def _require_case_view(user):
    if not get_scope(user).can("case.view"):
        raise PermissionDenied


@login_required
def warning_list(request):
    _require_case_view(request.user)
    form = FilterForm(request.GET)
    state, kind = "active", ""
    if form.is_valid():
        state = form.cleaned_data["state"] or "active"
        kind = form.cleaned_data["kind"]
    states = ACTIVE_STATES if state == "active" else (() if state == "all" else (state,))
    page = paginate(request, visible_warnings(request.user, states=states, kind=kind))
    last = DetectionState.objects.filter(pk=1).values_list("last_run_at", flat=True).first()
    return render(request, "earlywarning/list.html", {"form": form, "page_obj": page, "colors": KIND_COLORS,
                                                       "last_run_at": last})


def _detail(request, warning, note_form=None, close_form=None, status=200):
    return render(request, "earlywarning/detail.html", {
        "warning": warning, "cases": warning_cases(request.user, warning),
        "note_form": note_form or NoteForm(), "close_form": close_form or CloseForm(),
        "colors": KIND_COLORS}, status=status)


@login_required
def warning_detail(request, pk: int):
    return _detail(request, access_warning(request.user, pk))


def _note_action(request, pk: int, form_class, act, done: str, form_name: str):
    """Acknowledge or close: the form, the action, and on an error the page again with the input."""
    warning = access_warning(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(request.user, warning.pk, form.cleaned_data["note"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(warning.get_absolute_url())
    return _detail(request, access_warning(request.user, pk), status=400, **{form_name: form})


@login_required
@require_POST
def warning_acknowledge(request, pk: int):
    return _note_action(request, pk, NoteForm, actions.acknowledge_warning, _("The warning is acknowledged."),
                        "note_form")


@login_required
@require_POST
def warning_close(request, pk: int):
    return _note_action(request, pk, CloseForm, actions.close_warning, _("The warning is closed."), "close_form")
