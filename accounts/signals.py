"""Logins, logouts and failed logins go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.audit import record


def _district_of(user) -> str:
    from accounts.scope import get_scope

    for assignment in get_scope(user).roles:
        area = assignment.department.area if assignment.department_id else assignment.area
        return area.district_code
    return ""


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(user, "auth.login", user, district_code=_district_of(user))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "auth.logout", user, district_code=_district_of(user))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    record(None, "auth.login_failed", object_type="accounts.user", object_repr=username,
           object_id=str(user.pk) if user else "", district_code=_district_of(user) if user else "")
