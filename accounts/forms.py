from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from areas.models import Area, Department


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. After 5 failed attempts the account is locked for 15 minutes."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class UserSearchInput(forms.TextInput):
    """A username box that offers matching users as you type (htmx fills the datalist)."""

    def __init__(self, attrs=None):
        defaults = {
            "autocomplete": "off",
            "list": "user-options",
            "placeholder": _("Username or name"),
            "hx-get": reverse_lazy("user-search"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#user-options",
            "hx-swap": "innerHTML",
        }
        super().__init__({**defaults, **(attrs or {})})


class UserField(forms.CharField):
    """A username, typed or picked from the search list; resolves to an active user."""

    widget = UserSearchInput
    default_error_messages = {"unknown": _("No active user has the username %(value)s.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        user = User.objects.filter(username=value.strip(), is_active=True).first()
        if user is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        return user


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class GrantRoleForm(forms.Form):
    user = UserField(label=_("User"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area_code = forms.CharField(
        label=_("Area code"), max_length=24, required=False,
        help_text=_("The code of the area the role is bound to (district, street, community or grid, by role)."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False,
        help_text=_("Only for department handlers."),
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (Department.objects.restrict(actor, "role.change")
                                              .select_related("area").order_by("area__path", "code"))

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        cleaned["area"] = None
        if role == Role.DEPARTMENT_HANDLER:
            if not cleaned.get("department"):
                self.add_error("department", _("Choose the department of the handler."))
        elif role:
            cleaned["department"] = None
            code = (cleaned.get("area_code") or "").strip()
            if not code:
                self.add_error("area_code", _("Enter the code of the area this role is bound to."))
            else:
                area = Area.objects.restrict(self.actor).filter(code=code).first()
                if area is None:
                    self.add_error("area_code", _("No area with the code %(code)s among your areas.") % {"code": code})
                cleaned["area"] = area
        return cleaned
