"""Granting and revoking roles, creating accounts: audited, in one transaction each."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import ROLE_LEVEL, Role
from accounts.models import RoleAssignment, User
from accounts.scope import forget_scope, get_scope
from core.audit import record, snapshot


def _require(actor, capability: str, area) -> None:
    if actor is None:
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def create_user(actor, *, username: str, password: str | None, full_name: str = "", phone: str = "",
                district=None) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("The username is required.")})
    if actor is not None:
        _require(actor, "role.change", district)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ValidationError({"username": _("The username %(name)s is taken.") % {"name": username}})
        user = User(username=username, full_name=full_name, phone=phone)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        record(actor, "user.create", user, after=snapshot(user, fields=["username", "full_name", "is_active"]))
    return user


def grant_role(actor, *, user: User, role: str, area=None, department=None,
               starts_on: date | None = None, ends_on: date | None = None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    target_area = department.area if department is not None else area
    if target_area is None:
        raise ValidationError(_("A role must be bound to an area or a department."))
    _require(actor, "role.change", target_area)
    assignment = RoleAssignment(user=user, role=role, area=area, department=department,
                                starts_on=starts_on, ends_on=ends_on)
    assignment.clean()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        duplicate = RoleAssignment.objects.active(starts_on).filter(user=user, role=role, area=area, department=department)
        if duplicate.exists():
            raise ValidationError(_("%(user)s already holds this role there.") % {"user": user})
        assignment.save()
        record(actor, "role.grant", assignment, after=_role_snapshot(assignment),
               district_code=target_area.district_code)
    forget_scope(user)
    return assignment


def revoke_role(actor, assignment: RoleAssignment) -> RoleAssignment:
    target_area = assignment.department.area if assignment.department_id else assignment.area
    _require(actor, "role.change", target_area)
    yesterday = timezone.localdate() - timedelta(days=1)
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ends_on is not None and assignment.ends_on <= yesterday:
            raise ValidationError(_("This role has already ended."))
        before = _role_snapshot(assignment)
        assignment.ends_on = yesterday
        if assignment.starts_on and assignment.starts_on > yesterday:
            assignment.starts_on = yesterday
        assignment.save(update_fields=["ends_on", "starts_on"])
        record(actor, "role.revoke", assignment, before=before, after=_role_snapshot(assignment),
               district_code=target_area.district_code)
    forget_scope(assignment.user)
    return assignment


def _role_snapshot(assignment: RoleAssignment) -> dict:
    data = snapshot(assignment, fields=["user", "role", "area", "department", "starts_on", "ends_on"])
    data["level"] = ROLE_LEVEL.get(assignment.role)
    return data


def issue_api_token(actor, user: User, *, note: str = "") -> str:
    """A new API token for `user` (an integration client's service account, or a person), replacing
    the one it had: the old key stops working at once. Needs role.change over every area the user's
    roles cover; audited (the key itself is never recorded, only its first characters). Returns the
    key: it is shown once and not kept anywhere readable."""
    from rest_framework.authtoken.models import Token

    scope = get_scope(user)
    for assignment in scope.roles:
        _require(actor, "role.change", assignment.department.area if assignment.department_id else assignment.area)
    if not user.is_active:
        raise ValidationError(_("This account is disabled."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        record(actor, "user.token.issue", user, note=note[:500],
               after={"key_prefix": token.key[:6], "service_account": not user.has_usable_password()})
    return token.key


def create_service_account(actor, *, username: str, full_name: str, role: str, area=None,
                           department=None) -> User:
    """An integration client (a department's own system, a hotline bridge): an account with no
    password, so it cannot sign in to the pages or get a token with /api/auth/token/; it works only
    with a token from issue_api_token, and sees exactly what its role covers, like any user."""
    with transaction.atomic():
        user = create_user(actor, username=username, password=None, full_name=full_name,
                           district=(department.area if department is not None else area))
        grant_role(actor, user=user, role=role, area=area, department=department)
    return user
