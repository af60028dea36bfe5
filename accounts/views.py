from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import actions
from accounts.choices import Role
from accounts.forms import GrantRoleForm, LoginForm
from accounts.models import RoleAssignment, User
from accounts.scope import get_scope
from web.utils import add_action_errors, paginate

USER_SEARCH_LIMIT = 15


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def lockout(request, credentials=None, *args, **kwargs):
    """Shown by django-axes when an account is locked (pages and API alike)."""
    message = _("Too many failed logins: this account is locked for 15 minutes.")
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": message}, status=403)
    return render(request, "registration/locked.html", {"message": message}, status=403)


@login_required
def role_list(request):
    """Role assignments in the user's scope, with filters; grant/revoke for role.change."""
    assignments = (RoleAssignment.objects.restrict(request.user)
                   .select_related("user", "area", "department__area").order_by("user__username", "role", "id"))
    role = request.GET.get("role", "")
    q = request.GET.get("q", "").strip()
    show_ended = request.GET.get("ended") == "1"
    if role in Role.values:
        assignments = assignments.filter(role=role)
    if q:
        assignments = assignments.filter(Q(user__username__icontains=q) | Q(user__full_name__icontains=q))
    if not show_ended:
        assignments = assignments.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
    page = paginate(request, assignments)
    scope = get_scope(request.user)
    for assignment in page:
        target = assignment.department.area if assignment.department_id else assignment.area
        assignment.can_revoke = scope.can("role.change", target) and (
            assignment.ends_on is None or assignment.ends_on >= timezone.localdate())
    return render(request, "accounts/roles.html", {
        "page_obj": page,
        "roles": Role.choices,
        "role": role,
        "q": q,
        "show_ended": show_ended,
        "can_grant": scope.can("role.change"),
    })


@login_required
def role_grant(request):
    if not get_scope(request.user).can("role.change"):
        raise PermissionDenied(_("Only system administrators grant roles."))
    if request.method == "POST":
        form = GrantRoleForm(request.POST, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = actions.grant_role(
                    request.user, user=data["user"], role=data["role"], area=data["area"],
                    department=data["department"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                )
            except ValidationError as exc:
                add_action_errors(form, exc, {"area": "area_code"})
            else:
                messages.success(request, _("Granted: %(assignment)s.") % {"assignment": assignment})
                return redirect("roles")
    else:
        form = GrantRoleForm(actor=request.user, initial={"role": request.GET.get("role", "")})
    return render(request, "accounts/role_grant.html", {"form": form})


@login_required
def role_revoke(request, pk):
    try:
        assignment = (RoleAssignment.objects.restrict(request.user)
                      .select_related("user", "area", "department__area").get(pk=int(pk)))
    except (RoleAssignment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    target = assignment.department.area if assignment.department_id else assignment.area
    if not get_scope(request.user).can("role.change", target):
        raise PermissionDenied(_("Only system administrators revoke roles."))
    errors: list[str] = []
    if request.method == "POST":
        try:
            actions.revoke_role(request.user, assignment)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Revoked: %(assignment)s.") % {"assignment": assignment})
            return redirect("roles")
    return render(request, "accounts/role_revoke.html", {"assignment": assignment, "errors": errors})


@login_required
@require_GET
def user_search(request):
    """<option>s of active users matching ?q= (or the field's own name), for the person pickers."""
    scope = get_scope(request.user)
    if not (scope.can("staff.change") or scope.can("role.change")):
        raise PermissionDenied
    term = (request.GET.get("q") or request.GET.get("user") or "").strip()
    users = []
    if term:
        users = (User.objects.filter(is_active=True)
                 .filter(Q(username__istartswith=term) | Q(full_name__icontains=term))
                 .order_by("username").only("username", "full_name")[:USER_SEARCH_LIMIT])
    return render(request, "accounts/_user_options.html", {"users": users})
