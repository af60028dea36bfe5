"""Grid task pages: the sender's list, the send form, the task with live progress per grid (htmx
polling) and what is not done; the grid worker's phone page /gridtasks/mine/ to complete items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from core.views import require_capability
from gridtasks import actions, selectors
from gridtasks.choices import ItemState
from gridtasks.forms import CancelForm, CompleteForm, EditForm, SendForm
from gridtasks.models import GridTask, GridTaskItem
from web.utils import add_action_errors, paginate


def access_task(user, pk) -> GridTask:
    try:
        return GridTask.objects.restrict(user).select_related("sender_area", "created_by").get(pk=int(pk))
    except (GridTask.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_item(user, pk) -> GridTaskItem:
    try:
        return (GridTaskItem.objects.restrict(user, "gridtask.work").select_related("part__grid", "part__task")
                .get(pk=int(pk)))
    except (GridTaskItem.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


@login_required
def task_list(request):
    require_capability(request.user, "gridtask.send")
    page_obj = paginate(request, GridTask.objects.restrict(request.user).select_related("sender_area"))
    selectors.task_totals(page_obj.object_list)
    return render(request, "gridtasks/list.html", {"page_obj": page_obj})


@login_required
def task_new(request):
    user = request.user
    require_capability(user, "gridtask.send")
    form = SendForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data.get("person"):
            from registry.access import access_person

            try:
                person = access_person(user, data["person"])
            except Http404:
                form.add_error("person", _("This person is not in your area."))
        if not form.errors:
            try:
                task = actions.send_task(
                    user, sender_area=data["sender_area"], title=data["title"], instructions=data["instructions"],
                    kind=data["kind"], due_at=data["due_at"], grids=list(data["grids"]),
                    items=data["items"].splitlines(), special_group=data["special_group"], person=person)
            except ValidationError as exc:
                add_action_errors(form, exc, {"due_at": "due_date"})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The task was sent to %(n)d grids.") % {"n": task.parts.count()})
                return redirect(task)
    return render(request, "gridtasks/form.html", {"form": form})


def _progress_context(task):
    return {"task": task, "progress": selectors.progress(task), "open_items": selectors.open_items(task)}


def _may_change(user, task) -> bool:
    return not task.cancelled and get_scope(user).can("gridtask.send", task.sender_area)


@login_required
def task_detail(request, pk):
    task = access_task(request.user, pk)
    return render(request, "gridtasks/detail.html", {**_progress_context(task),
                                                     "can_change": _may_change(request.user, task)})


@login_required
def task_progress(request, pk):
    """The progress fragment the task page polls (htmx)."""
    task = access_task(request.user, pk)
    return render(request, "gridtasks/_progress.html", _progress_context(task))


@login_required
def mine(request):
    """The grid worker's phone page: open parts of my grids and their open items."""
    user = request.user
    require_capability(user, "gridtask.work")
    parts = list(selectors.my_open_parts(user)[:30])
    items = {}
    for item in (GridTaskItem.objects.filter(part__in=parts, state=ItemState.OPEN)
                 .select_related("person__dwelling").order_by("id")):
        items.setdefault(item.part_id, []).append(item)
    for part in parts:
        part.open_items = items.get(part.pk, [])[:100]
    return render(request, "gridtasks/mine.html", {"parts": parts, "form": CompleteForm()})


@login_required
@require_POST
def item_complete(request, pk):
    user = request.user
    item = access_item(user, pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            actions.complete_item(user, item, result=form.cleaned_data["result"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, _("Choose the result: done or not found."))
    return redirect(f"{_mine_url()}#part-{item.part_id}")


def _mine_url():
    from django.urls import reverse

    return reverse("gridtasks:mine")


def _changeable(user, pk) -> GridTask:
    """The task, for its edit or cancel page: 404 out of scope or without gridtask.send on the sender area."""
    task = access_task(user, pk)
    if not get_scope(user).can("gridtask.send", task.sender_area):
        raise Http404
    return task


@login_required
def task_edit(request, pk):
    """Correct the title or instructions, extend the deadline (gridtasks.actions.update_task)."""
    user = request.user
    task = _changeable(user, pk)
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                due_at = data["due_at"]
                if due_at.replace(second=0, microsecond=0) == task.due_at.replace(second=0, microsecond=0):
                    due_at = None  # unchanged: the form has no seconds
                actions.update_task(user, task, title=data["title"], instructions=data["instructions"],
                                    due_at=due_at, version=data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc, {"due_at": "due_date"})
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect(task)
        return render(request, "gridtasks/edit.html", {"task": task, "form": form}, status=400)
    if task.cancelled:
        messages.error(request, _("This task was cancelled: it can no longer be changed."))
        return redirect(task)
    return render(request, "gridtasks/edit.html", {"task": task, "form": EditForm.for_task(task, actions.task_version(task))})


@login_required
def task_cancel(request, pk):
    """Confirm, then cancel the task with a reason (gridtasks.actions.cancel_task)."""
    user = request.user
    task = _changeable(user, pk)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                actions.cancel_task(user, task, reason=form.cleaned_data["reason"],
                                    version=form.cleaned_data["version"])
            except ValidationError as exc:
                add_action_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The task was cancelled."))
                return redirect(task)
        return render(request, "gridtasks/cancel.html", {"task": task, "form": form,
                                                         "progress": selectors.progress(task)}, status=400)
    if task.cancelled:
        messages.error(request, _("This task was already cancelled."))
        return redirect(task)
    return render(request, "gridtasks/cancel.html", {
        "task": task, "form": CancelForm(initial={"version": actions.task_version(task)}),
        "progress": selectors.progress(task)})
