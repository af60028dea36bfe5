"""Party pages: the organization tree, members (masked names), dual check-in of office
organizations and in-service members, service logs with confirmation. Scoped by community.view;
changes need community.change and go through party.actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from core.views import require_capability
from party import actions
from party.choices import MemberKind, ServiceState
from party.forms import MemberEditForm, MemberForm, OfficeForm, OrganizationForm, ServiceForm
from party.models import OfficeOrganization, PartyMember, PartyOrganization, ServiceLog
from volunteers.pages import (
    edit_page,
    form_page,
    get_or_404,
    person_in_scope,
    require_change,
    run_action,
    table_page,
)
from web.utils import paginate


def _tabs():
    return [(_("Party organizations"), reverse("party:organizations")), (_("Party members"), reverse("party:members")),
            (_("Dual check-in"), reverse("party:offices")), (_("Service logs"), reverse("party:services"))]


def _can(user, area=None) -> bool:
    return get_scope(user).can("community.change", area)


@login_required
def organizations(request):
    user = request.user
    require_capability(user, "community.view")
    orgs = list(PartyOrganization.objects.restrict(user).select_related("area").annotate(n=Count("members"))
                .order_by("area_path", "kind", "name")[:1000])
    ids = {o.pk for o in orgs}
    children: dict = {}
    for org in orgs:
        children.setdefault(org.parent_id if org.parent_id in ids else None, []).append(org)
    tree: list = []

    def walk(parent_id, depth):
        for org in children.get(parent_id, ()):
            tree.append((org, depth))
            walk(org.pk, depth + 1)

    walk(None, 0)
    rows = [[{"text": "\u3000" * depth + o.name, "url": reverse("party:organization", args=[o.pk])},
             o.get_kind_display(), o.area.name, o.secretary or "—", o.n] for o, depth in tree]
    return table_page(
        request, title=_("Party organizations"), tabs=_tabs(),
        links=[(_("New party organization"), reverse("party:organization-new"))] if _can(user) else [],
        sections=[{"id": "organizations-table", "empty": _("No party organizations in your area yet."),
                   "columns": [_("Name"), _("Kind"), _("Area"), _("Secretary"), _("Members")], "rows": rows}])


@login_required
def organization_new(request):
    user = request.user
    require_capability(user, "community.change")
    form = OrganizationForm(request.POST or None, user=user,
                            organizations=PartyOrganization.objects.restrict(user).order_by("area_path", "name"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = run_action(form, lambda: actions.save_organization(
            user, name=data["name"], kind=data["kind"], area=data["area"], parent=data["parent"],
            secretary=data["secretary"]))
        if org:
            messages.success(request, _("Party organization saved."))
            return redirect("party:organization", org.pk)
    return form_page(request, title=_("New party organization"), form=form, back=reverse("party:organizations"))


def _member_row(m, can, user):
    action = "—"
    if can and m.kind == MemberKind.IN_SERVICE and not m.checked_in_community_id:
        action = {"post": reverse("party:member-check-in", args=[m.pk]), "label": _("Check in with the community"),
                  "name": "check-in"}
    return [m.person.masked_name, m.get_kind_display(), m.organization.name, m.area.name,
            m.checked_in_community.name if m.checked_in_community_id else "—",
            {"text": m.account.balance, "url": reverse("volunteers:account", args=[m.account.pk])}
            if hasattr(m, "account") else "—", action,
            {"text": _("Edit"), "url": reverse("party:member-edit", args=[m.pk])}
            if can and get_scope(user).can("community.change", m.area) else "—"]


def _member_columns():
    return [_("Name"), _("Kind"), _("Party organization"), _("Grid"), _("Checked in with"), _("Points"), "", ""]


@login_required
def organization_detail(request, pk):
    user = request.user
    org = get_or_404(PartyOrganization.objects.restrict(user).select_related("area", "parent"), pk)
    members = org.members.select_related("person", "area", "organization", "checked_in_community", "account")
    children = org.children.all()
    return table_page(
        request, title=org.name, tabs=_tabs(),
        links=[(_("Edit"), reverse("party:organization-edit", args=[org.pk]))] if _can(user, org.area) else [],
        facts=[(_("Kind"), org.get_kind_display()), (_("Area"), org.area.name),
               (_("Parent organization"), org.parent.name if org.parent_id else "—"),
               (_("Secretary"), org.secretary or "—")],
        sections=[
            {"id": "children-table", "heading": _("Organizations below"), "empty": _("None."),
             "columns": [_("Name"), _("Kind")],
             "rows": [[{"text": c.name, "url": reverse("party:organization", args=[c.pk])}, c.get_kind_display()]
                      for c in children]},
            {"id": "members-table", "heading": _("Party members"), "empty": _("No members yet."),
             "columns": _member_columns(), "rows": [_member_row(m, _can(user, org.area), user) for m in members]},
        ])


@login_required
def members(request):
    user = request.user
    require_capability(user, "community.view")
    qs = PartyMember.objects.restrict(user).select_related("person", "area", "organization",
                                                             "checked_in_community", "account")
    kind = request.GET.get("kind", "")
    if kind in MemberKind.values:
        qs = qs.filter(kind=kind)
    page = paginate(request, qs)
    can = _can(user)
    return table_page(
        request, title=_("Party members"), tabs=_tabs(),
        links=[(_("Add a party member"), reverse("party:member-new"))] if can else [],
        filters=[("kind", _("Kind"), MemberKind.choices, kind)],
        sections=[{"id": "members-table", "page_obj": page, "empty": _("No party members in your area yet."),
                   "columns": _member_columns(), "rows": [_member_row(m, can, user) for m in page]}])


@login_required
def member_new(request):
    user = request.user
    require_capability(user, "community.change")
    form = MemberForm(request.POST or None,
                      organizations=PartyOrganization.objects.restrict(user, "community.change")
                      .order_by("area_path", "name"))
    if request.method == "POST" and form.is_valid():
        person = person_in_scope(form, "person", user)
        data = form.cleaned_data
        if person is not None and run_action(form, lambda: actions.add_member(
                user, person=person, organization=data["organization"], kind=data["kind"],
                joined_on=data["joined_on"], workplace=data["workplace"])):
            messages.success(request, _("Party member added."))
            return redirect("party:members")
    return form_page(request, title=_("Add a party member"), form=form, back=reverse("party:members"))


@login_required
@require_POST
def member_check_in(request, pk):
    user = request.user
    member = get_or_404(PartyMember.objects.restrict(user).select_related("area", "person"), pk)
    try:
        actions.member_check_in(user, member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Checked in with the community."))
    return redirect("party:members")


@login_required
def offices(request):
    user = request.user
    require_capability(user, "community.view")
    can = _can(user)
    form = OfficeForm(request.POST or None, user=user) if can else None
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.register_office(
                user, name=data["name"], community=data["community"], contact=data["contact"]),
                {"community": "community"}):
            messages.success(request, _("Office party organization registered."))
            return redirect("party:offices")
    page = paginate(request, OfficeOrganization.objects.restrict(user).select_related("area"))
    checked_in = PartyMember.objects.restrict(user).filter(checked_in_community__isnull=False).count()
    return table_page(
        request, title=_("Dual check-in"), tabs=_tabs(), form=form, form_title=_("Register an office party organization"),
        intro=_("Office party organizations register with the community they serve; in-service members check in "
                "with the community where they live (%(n)d checked in).") % {"n": checked_in},
        sections=[{"id": "offices-table", "page_obj": page, "empty": _("No office party organizations registered."),
                   "columns": [_("Name"), _("Community"), _("Contact person"), _("Checked in at")],
                   "rows": [[o.name, o.area.name, o.contact or "—", o.registered_at.strftime("%Y-%m-%d")]
                            for o in page]}])


@login_required
def services(request):
    user = request.user
    require_capability(user, "community.view")
    can = _can(user)
    form = None
    if can:
        form = ServiceForm(request.POST or None, user=user,
                           members=PartyMember.objects.restrict(user).filter(checked_in_community__isnull=False)
                           .select_related("person"),
                           offices=OfficeOrganization.objects.restrict(user))
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.log_service(
                user, community=data["community"], served_on=data["served_on"], hours=data["hours"],
                description=data["description"], member=data["member"], office=data["office"])):
            messages.success(request, _("Service logged."))
            return redirect("party:services")
    page = paginate(request, ServiceLog.objects.restrict(user).select_related("area", "member__person", "office"))
    rows = []
    for s in page:
        decide = "—"
        if can and s.state == ServiceState.LOGGED:
            decide = {"post": reverse("party:service-confirm", args=[s.pk]), "label": _("Confirm"), "name": "confirm"}
        rows.append([s.served_on.strftime("%Y-%m-%d"), s.area.name,
                     s.member.person.masked_name if s.member_id else s.office.name, s.hours, s.description,
                     s.get_state_display(), decide])
    return table_page(
        request, title=_("Service logs"), tabs=_tabs(), form=form, form_title=_("Log a service"),
        sections=[{"id": "services-table", "page_obj": page, "empty": _("No service logged yet."),
                   "columns": [_("Served on"), _("Community"), _("Given by"), _("Hours"), _("Description"),
                               _("State"), ""], "rows": rows}])


@login_required
@require_POST
def service_confirm(request, pk):
    user = request.user
    log = get_or_404(ServiceLog.objects.restrict(user).select_related("area"), pk)
    try:
        actions.confirm_service(user, log, approve=request.POST.get("reject") != "1")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("party:services")


@login_required
def organization_edit(request, pk):
    user = request.user
    org = get_or_404(PartyOrganization.objects.restrict(user).select_related("area", "parent"), pk)
    require_change(user, org.area)
    form = OrganizationForm(request.POST or None, user=user,
                            organizations=PartyOrganization.objects.restrict(user).exclude(pk=org.pk)
                            .order_by("area_path", "name"),
                            initial={"name": org.name, "kind": org.kind, "parent": org.parent_id, "area": org.area_id,
                                     "secretary": org.secretary})
    return edit_page(
        request, form, lambda data: actions.save_organization(
            user, name=data["name"], kind=data["kind"], area=data["area"], parent=data["parent"],
            building=org.building, secretary=data["secretary"], organization=org),
        title=_("Edit %(name)s") % {"name": org.name}, back=reverse("party:organization", args=[org.pk]),
        done=reverse("party:organization", args=[org.pk]))


@login_required
def member_edit(request, pk):
    user = request.user
    member = get_or_404(PartyMember.objects.restrict(user).select_related("person", "area"), pk)
    require_change(user, member.area)
    form = MemberEditForm(request.POST or None,
                          organizations=PartyOrganization.objects.restrict(user, "community.change")
                          .order_by("area_path", "name"),
                          initial={"organization": member.organization_id, "kind": member.kind,
                                   "joined_on": member.joined_on, "workplace": member.workplace})
    return edit_page(
        request, form, lambda data: actions.update_member(
            user, member, organization=data["organization"], kind=data["kind"], joined_on=data["joined_on"],
            workplace=data["workplace"]),
        title=_("Edit party member %(name)s") % {"name": member.person.masked_name}, back=reverse("party:members"),
        done=reverse("party:members"))
