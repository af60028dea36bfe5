from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.forms import LoginForm


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
