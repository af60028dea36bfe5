from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from areas.models import Area, Department
from meetings.choices import CONVENER_LEVELS


class DepartmentField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MeetingForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Convened by"), queryset=None)
    title = forms.CharField(label=_("Topic"), max_length=100)
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}))
    held_at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    departments = DepartmentField(label=_("Departments invited"), queryset=None, widget=forms.CheckboxSelectMultiple)
    usernames = forms.CharField(label=_("Other attendees (user names, comma-separated)"), required=False)
    case_numbers = forms.CharField(label=_("Cases discussed (numbers, comma-separated)"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (Area.objects.restrict(user, "meeting.change")
                                        .filter(level__in=CONVENER_LEVELS).order_by("path"))
        self.fields["departments"].queryset = Department.objects.restrict(user).order_by("name")

    def clean_usernames(self):
        names = [n.strip() for n in self.cleaned_data["usernames"].replace("，", ",").split(",") if n.strip()]
        users = list(get_user_model().objects.filter(username__in=names, is_active=True))
        missing = set(names) - {u.username for u in users}
        if missing:
            raise forms.ValidationError(_("Unknown user: %(names)s") % {"names": ", ".join(sorted(missing))})
        return users


def split_numbers(value: str) -> list[str]:
    return [n.strip() for n in (value or "").replace("，", ",").split(",") if n.strip()]


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 5}))


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_department = DepartmentChoiceField(label=_("Owner department"), queryset=None)
    working_days = forms.IntegerField(label=_("Deadline (working days)"), min_value=1, max_value=120, initial=5)
    case_numbers = forms.CharField(label=_("Linked cases (numbers, comma-separated)"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_department"].queryset = Department.objects.restrict(user).order_by("name")


class DoneForm(forms.Form):
    note = forms.CharField(label=_("How it was done"), max_length=2000)


class MeetingEditForm(MeetingForm):
    """Correct a meeting: the convening area and the cases discussed stay as they are; once the
    minutes are recorded the agenda, the time and the attendees are shown but cannot change."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, meeting, version: str = "", **kwargs):
        from django.utils import timezone

        attendees = list(meeting.attendees.select_related("user"))
        kwargs["initial"] = {
            "title": meeting.title, "agenda": meeting.agenda, "place": meeting.place,
            "held_at": timezone.localtime(meeting.held_at).replace(second=0, microsecond=0),
            "departments": [a.department_id for a in attendees if a.department_id],
            "usernames": ", ".join(a.user.username for a in attendees if a.user_id and not a.department_id),
            "version": version}
        super().__init__(*args, user=user, **kwargs)
        del self.fields["area"]
        del self.fields["case_numbers"]
        self.fields["held_at"].widget.format = "%Y-%m-%dT%H:%M"
        if meeting.minutes:
            for name in ("agenda", "held_at", "departments", "usernames"):
                self.fields[name].disabled = True


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)
