"""Volunteer pages: volunteers (masked), teams, activities with sign-up and check-in, the charity
store with redemptions, points accounts and the point rules. Scoped by community.view; changes
need community.change (points.rules for the rules) and go through volunteers.actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import get_scope
from core.views import require_capability
from volunteers import actions
from volunteers.choices import ActivityState, SignUpState
from volunteers.forms import (
    ActivityEditForm,
    ActivityForm,
    ItemEditForm,
    ItemForm,
    RedeemForm,
    RuleForm,
    SignUpForm,
    TeamEditForm,
    TeamForm,
    VolunteerEditForm,
    VolunteerForm,
)
from volunteers.models import (
    Activity,
    PointRule,
    PointsAccount,
    PointsEntry,
    Redemption,
    SignUp,
    StoreItem,
    Team,
    Volunteer,
)
from volunteers.pages import (
    edit_page,
    form_page,
    get_or_404,
    person_in_scope,
    post_action,
    require_change,
    run_action,
    table_page,
)
from web.utils import paginate


def _tabs():
    return [(_("Volunteers"), reverse("volunteers:list")), (_("Teams"), reverse("volunteers:teams")),
            (_("Activities"), reverse("volunteers:activities")), (_("Charity store"), reverse("volunteers:store")),
            (_("Redemptions"), reverse("volunteers:redemptions")), (_("Point rules"), reverse("volunteers:rules"))]


def _can_change(user, area=None) -> bool:
    return get_scope(user).can("community.change", area)


@login_required
def volunteer_list(request):
    user = request.user
    require_capability(user, "community.view")
    rows = Volunteer.objects.restrict(user).select_related("person", "area", "account")
    page = paginate(request, rows)
    can = _can_change(user)
    return table_page(
        request, title=_("Volunteers"), tabs=_tabs(),
        links=[(_("Register a volunteer"), reverse("volunteers:new"))] if can else [],
        sections=[{"id": "volunteers-table", "page_obj": page, "empty": _("No volunteers in your area yet."),
                   "columns": [_("Name"), _("Grid"), _("Skills"), _("Consent given at"), _("Active"), _("Points"), ""],
                   "rows": [[v.person.masked_name, v.area.name, v.skills or "—",
                             timezone.localtime(v.consent_at).strftime("%Y-%m-%d"), _("Yes") if v.active else _("No"),
                             {"text": v.account.balance, "url": reverse("volunteers:account", args=[v.account.pk])}
                             if hasattr(v, "account") else "—",
                             {"text": _("Edit"), "url": reverse("volunteers:edit", args=[v.pk])}
                             if can and _can_change(user, v.area) else "—"]
                            for v in page]}])


@login_required
def volunteer_new(request):
    user = request.user
    require_capability(user, "community.change")
    form = VolunteerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = person_in_scope(form, "person", user)
        if person is not None and run_action(form, lambda: actions.register_volunteer(
                user, person=person, consent=form.cleaned_data["consent"], skills=form.cleaned_data["skills"]),
                {"consent": "consent", "person": "person"}):
            messages.success(request, _("Volunteer registered."))
            return redirect("volunteers:list")
    return form_page(request, title=_("Register a volunteer"), form=form, back=reverse("volunteers:list"))


@login_required
def teams(request):
    user = request.user
    require_capability(user, "community.view")
    can = _can_change(user)
    form = TeamForm(request.POST or None, user=user) if can else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and run_action(form, lambda: actions.save_team(
                user, area=form.cleaned_data["community"], name=form.cleaned_data["name"])):
            messages.success(request, _("Team saved."))
            return redirect("volunteers:teams")
    page = paginate(request, Team.objects.restrict(user).select_related("area").annotate(n=Count("members")).order_by("area_path", "name"))
    return table_page(
        request, title=_("Teams"), tabs=_tabs(), form=form, form_title=_("New team"),
        sections=[{"id": "teams-table", "page_obj": page, "empty": _("No teams yet."),
                   "columns": [_("Name"), _("Community"), _("Members"), ""],
                   "rows": [[t.name, t.area.name, t.n,
                             {"text": _("Edit"), "url": reverse("volunteers:team-edit", args=[t.pk])}
                             if can and _can_change(user, t.area) else "—"]
                            for t in page]}])


@login_required
def activity_list(request):
    user = request.user
    require_capability(user, "community.view")
    page = paginate(request, Activity.objects.restrict(user).select_related("area"))
    return table_page(
        request, title=_("Activities"), tabs=_tabs(),
        links=[(_("Publish an activity"), reverse("volunteers:activity-new"))] if _can_change(user) else [],
        sections=[{"id": "activities-table", "page_obj": page, "empty": _("No activities yet."),
                   "columns": [_("Title"), _("Community"), _("Starts at"), _("Place"), _("Capacity"), _("State")],
                   "rows": [[{"text": a.title, "url": reverse("volunteers:activity", args=[a.pk])}, a.area.name,
                             timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"), a.place, a.capacity,
                             a.get_state_display()] for a in page]}])


@login_required
def activity_new(request):
    user = request.user
    require_capability(user, "community.change")
    form = ActivityForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = run_action(form, lambda: actions.publish_activity(
            user, area=data["community"], title=data["title"], place=data["place"], starts_at=data["starts_at"],
            ends_at=data["ends_at"], capacity=data["capacity"], rule=data["rule"]), {"area": "community"})
        if activity:
            messages.success(request, _("Activity published."))
            return redirect("volunteers:activity", activity.pk)
    return form_page(request, title=_("Publish an activity"), form=form, back=reverse("volunteers:activities"))


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = get_or_404(Activity.objects.restrict(user).select_related("area", "rule"), pk)
    can = _can_change(user, activity.area) and activity.state == ActivityState.PUBLISHED
    volunteers = Volunteer.objects.restrict(user).filter(area_path__startswith=activity.area_path, active=True) \
        .select_related("person")
    form = SignUpForm(request.POST or None, volunteers=volunteers) if can else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and run_action(form, lambda: actions.sign_up(user, activity, form.cleaned_data["volunteer"])):
            messages.success(request, _("Signed up."))
            return redirect("volunteers:activity", activity.pk)
    signups = list(activity.signups.select_related("volunteer__person"))
    rows = []
    for s in signups:
        act = "—"
        if can and s.state == SignUpState.SIGNED_UP:
            act = {"post": reverse("volunteers:signup-action", args=[s.pk, "check-in"]), "label": _("Check in"),
                   "name": "check-in"}
        elif can and s.state == SignUpState.CHECKED_IN:
            act = {"post": reverse("volunteers:signup-action", args=[s.pk, "check-out"]), "label": _("Check out"),
                   "name": "check-out"}
        rows.append([s.volunteer.person.masked_name, s.get_state_display(),
                     timezone.localtime(s.checked_in_at).strftime("%H:%M") if s.checked_in_at else "—",
                     timezone.localtime(s.checked_out_at).strftime("%H:%M") if s.checked_out_at else "—", s.hours, act])
    links, buttons = [], []
    if can:
        links.append((_("Edit"), reverse("volunteers:activity-edit", args=[activity.pk])))
        buttons.append({"post": reverse("volunteers:activity-cancel", args=[activity.pk]), "name": "cancel",
                        "label": _("Cancel the activity"),
                        "confirm": _("Cancel this activity? Volunteers who signed up will not be able to take part.")})
    return table_page(
        request, title=activity.title, tabs=_tabs(), links=links, buttons=buttons,
        facts=[(_("Community"), activity.area.name), (_("Place"), activity.place),
               (_("Starts at"), timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")),
               (_("Ends at"), timezone.localtime(activity.ends_at).strftime("%Y-%m-%d %H:%M")),
               (_("Capacity"), f"{len([s for s in signups if s.state != SignUpState.WITHDRAWN])}/{activity.capacity}"),
               (_("State"), activity.get_state_display()),
               (_("Point rule"), str(activity.rule) if activity.rule_id else _("Default rules"))],
        sections=[{"id": "signups-table", "heading": _("Sign-ups"), "empty": _("Nobody has signed up yet."),
                   "columns": [_("Volunteer"), _("State"), _("Checked in at"), _("Checked out at"), _("Service hours"),
                               ""], "rows": rows}],
        form=form, form_title=_("Sign a volunteer up"), submit_label=_("Sign up"))


@login_required
@require_POST
def signup_action(request, pk, action):
    user = request.user
    signup = get_or_404(SignUp.objects.filter(activity__in=Activity.objects.restrict(user))
                        .select_related("activity__area"), pk)
    try:
        if action == "check-in":
            actions.check_in(user, signup)
        elif action == "check-out":
            actions.check_out(user, signup)
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("volunteers:activity", signup.activity_id)


@login_required
def store(request):
    user = request.user
    require_capability(user, "community.view")
    can = _can_change(user)
    form = ItemForm(request.POST or None, user=user) if can else None
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.save_item(user, area=data["community"], name=data["name"],
                                                                price=data["price"], stock=data["stock"]),
                               {"area": "community"}):
            messages.success(request, _("Item saved."))
            return redirect("volunteers:store")
    page = paginate(request, StoreItem.objects.restrict(user).select_related("area"))
    return table_page(
        request, title=_("Charity store"), tabs=_tabs(), form=form, form_title=_("New item"),
        intro=_("Volunteers and party members exchange their points for items of their community's store."),
        sections=[{"id": "items-table", "page_obj": page, "empty": _("The store has no items yet."),
                   "columns": [_("Item"), _("Community"), _("Price in points"), _("Stock"), _("On sale"), "", "", ""],
                   "rows": [[i.name, i.area.name, i.price, i.stock, _("Yes") if i.active else _("No"),
                             {"text": _("Redeem"), "url": reverse("volunteers:redeem", args=[i.pk])}
                             if can and i.stock > 0 and i.active else "—",
                             {"text": _("Edit"), "url": reverse("volunteers:item-edit", args=[i.pk])}
                             if can and _can_change(user, i.area) else "—",
                             {"post": reverse("volunteers:item-withdraw", args=[i.pk]), "name": "withdraw",
                              "label": _("Remove from sale"),
                              "confirm": _("Remove %(item)s from sale?") % {"item": i.name}}
                             if can and i.active and _can_change(user, i.area) else "—"] for i in page]}])


@login_required
def redeem(request, pk):
    user = request.user
    item = get_or_404(StoreItem.objects.restrict(user).select_related("area"), pk)
    require_capability(user, "community.change", item.area)
    accounts = PointsAccount.objects.restrict(user).filter(area_path__startswith=item.area_path) \
        .select_related("volunteer__person", "party_member__person")
    form = RedeemForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        result = run_action(form, lambda: actions.redeem(user, account=form.cleaned_data["account"], item=item,
                                                         key=form.cleaned_data["key"]))
        if result:
            redemption, created = result
            if created:
                messages.success(request, _("Redeemed: %(item)s for %(points)d points.")
                                 % {"item": item.name, "points": redemption.points})
            else:
                messages.info(request, _("This redemption was already recorded."))
            return redirect("volunteers:store")
    return form_page(request, title=_("Redeem %(item)s (%(price)d points)") % {"item": item.name, "price": item.price},
                     form=form, form_id="redeem-form", back=reverse("volunteers:store"), submit_label=_("Redeem"))


@login_required
def redemptions(request):
    user = request.user
    require_capability(user, "community.view")
    page = paginate(request, Redemption.objects.restrict(user).select_related(
        "item", "area", "account__volunteer__person", "account__party_member__person"))
    return table_page(
        request, title=_("Redemptions"), tabs=_tabs(),
        sections=[{"id": "redemptions-table", "page_obj": page, "empty": _("No redemptions yet."),
                   "columns": [_("Time"), _("Item"), _("Community"), _("Points account"), _("Points")],
                   "rows": [[timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"), r.item.name, r.area.name,
                             {"text": str(r.account), "url": reverse("volunteers:account", args=[r.account_id])},
                             r.points] for r in page]}])


@login_required
def account(request, pk):
    user = request.user
    acc = get_or_404(PointsAccount.objects.restrict(user).select_related("area", "volunteer__person",
                                                                        "party_member__person"), pk)
    page = paginate(request, PointsEntry.objects.filter(account=acc))
    return table_page(
        request, title=_("Points account"), tabs=_tabs(),
        facts=[(_("Owner"), str(acc)), (_("Grid"), acc.area.name), (_("Balance"), acc.balance)],
        sections=[{"id": "entries-table", "page_obj": page, "empty": _("No points yet."),
                   "columns": [_("Time"), _("Reason"), _("Note"), _("Points"), _("Balance after")],
                   "rows": [[timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"), e.get_reason_display(),
                             e.note or "—", f"{e.amount:+d}", e.balance_after] for e in page]}])


@login_required
def rules(request):
    user = request.user
    require_capability(user, "community.view")
    can = get_scope(user).can("points.rules")
    form = RuleForm(request.POST or None) if can else None
    if request.method == "POST":
        if form is None:
            raise Http404
        data = form.cleaned_data if form.is_valid() else None
        if data and run_action(form, lambda: actions.save_point_rule(user, action=data["action"],
                                                                      points_=data["points"], active=data["active"])):
            messages.success(request, _("Point rule saved."))
            return redirect("volunteers:rules")
    return table_page(
        request, title=_("Point rules"), tabs=_tabs(), form=form, form_title=_("Set a rule"),
        intro=_("Points per hour for the hourly actions, per occasion for the others."),
        sections=[{"id": "rules-table", "empty": _("No point rules yet."),
                   "columns": [_("Action"), _("Points"), _("Active")],
                   "rows": [[r.get_action_display(), r.points, _("Yes") if r.active else _("No")]
                            for r in PointRule.objects.all()]}])


@login_required
def volunteer_edit(request, pk):
    user = request.user
    volunteer = get_or_404(Volunteer.objects.restrict(user).select_related("person", "area"), pk)
    require_change(user, volunteer.area)
    form = VolunteerEditForm(request.POST or None, initial={"skills": volunteer.skills, "active": volunteer.active})
    return edit_page(
        request, form, lambda data: actions.update_volunteer(user, volunteer, skills=data["skills"],
                                                             active=data["active"]),
        title=_("Edit volunteer %(name)s") % {"name": volunteer.person.masked_name},
        intro=_("Consent given at %(at)s (text version %(version)s).")
        % {"at": timezone.localtime(volunteer.consent_at).strftime("%Y-%m-%d %H:%M"),
           "version": volunteer.consent_version},
        back=reverse("volunteers:list"), done=reverse("volunteers:list"))


@login_required
def team_edit(request, pk):
    user = request.user
    team = get_or_404(Team.objects.restrict(user).select_related("area"), pk)
    require_change(user, team.area)
    volunteers = Volunteer.objects.restrict(user).filter(area_path__startswith=team.area_path) \
        .select_related("person").order_by("area_path", "id")
    form = TeamEditForm(request.POST or None, volunteers=volunteers,
                        initial={"name": team.name, "members": list(team.members.values_list("pk", flat=True))})
    return edit_page(
        request, form, lambda data: actions.save_team(user, area=team.area, name=data["name"],
                                                      members=list(data["members"]), team=team),
        title=_("Edit team %(name)s") % {"name": team.name}, back=reverse("volunteers:teams"),
        done=reverse("volunteers:teams"))


@login_required
def activity_edit(request, pk):
    user = request.user
    activity = get_or_404(Activity.objects.restrict(user).select_related("area"), pk)
    require_change(user, activity.area)
    if activity.state != ActivityState.PUBLISHED:
        messages.error(request, _("This activity was cancelled."))
        return redirect("volunteers:activity", activity.pk)
    form = ActivityEditForm(request.POST or None, user=user, teams=Team.objects.filter(area=activity.area),
                            rule=activity.rule,
                            initial={"title": activity.title, "place": activity.place,
                                     "starts_at": timezone.localtime(activity.starts_at),
                                     "ends_at": timezone.localtime(activity.ends_at), "capacity": activity.capacity,
                                     "rule": activity.rule_id, "team": activity.team_id})
    return edit_page(
        request, form, lambda data: actions.update_activity(
            user, activity, title=data["title"], place=data["place"], starts_at=data["starts_at"],
            ends_at=data["ends_at"], capacity=data["capacity"], team=data["team"], rule=data["rule"]),
        title=_("Edit %(name)s") % {"name": activity.title}, back=reverse("volunteers:activity", args=[activity.pk]),
        done=reverse("volunteers:activity", args=[activity.pk]))


@login_required
@require_POST
def activity_cancel(request, pk):
    user = request.user
    activity = get_or_404(Activity.objects.restrict(user).select_related("area"), pk)
    require_change(user, activity.area)
    post_action(request, lambda: actions.cancel_activity(user, activity), _("The activity was cancelled."))
    return redirect("volunteers:activity", activity.pk)


@login_required
def item_edit(request, pk):
    user = request.user
    item = get_or_404(StoreItem.objects.restrict(user).select_related("area"), pk)
    require_change(user, item.area)
    form = ItemEditForm(request.POST or None, initial={"name": item.name, "price": item.price, "stock": item.stock,
                                                       "active": item.active})
    return edit_page(
        request, form, lambda data: actions.save_item(user, area=item.area, name=data["name"], price=data["price"],
                                                      stock=data["stock"], active=data["active"], item=item),
        title=_("Edit %(name)s") % {"name": item.name}, back=reverse("volunteers:store"),
        done=reverse("volunteers:store"))


@login_required
@require_POST
def item_withdraw(request, pk):
    user = request.user
    item = get_or_404(StoreItem.objects.restrict(user).select_related("area"), pk)
    require_change(user, item.area)
    post_action(request, lambda: actions.withdraw_item(user, item), _("The item was removed from sale."))
    return redirect("volunteers:store")
