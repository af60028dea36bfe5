import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from volunteers.choices import CONSENT_TEXT, PointAction
from volunteers.models import PointRule
from volunteers.pages import CommunityField, PersonField


class VolunteerForm(forms.Form):
    person = PersonField()
    skills = forms.CharField(label=_("Skills"), required=False, max_length=200)
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)


class TeamForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.fields["name"] = forms.CharField(label=_("Name"), max_length=100)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=10000)
    rule = forms.ModelChoiceField(label=_("Point rule"), required=False,
                                  queryset=PointRule.objects.filter(active=True))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.order_fields(["community"])


class SignUpForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=None)

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    price = forms.IntegerField(label=_("Price in points"), min_value=1, max_value=100000)
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=100000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.order_fields(["community"])


class RedeemForm(forms.Form):
    account = forms.ModelChoiceField(label=_("Points account"), queryset=None)
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        if not self.is_bound:
            self.initial["key"] = uuid.uuid4().hex


class RuleForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=PointAction.choices)
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=10000)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class VolunteerEditForm(forms.Form):
    """What a volunteer's record holds besides the resident (whose data stays in the registry)."""

    skills = forms.CharField(label=_("Skills"), required=False, max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False)


class TeamEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    members = forms.ModelMultipleChoiceField(label=_("Members"), queryset=None, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = volunteers


class ActivityEditForm(ActivityForm):
    """The activity form without the community (an activity stays in its community), with its team."""

    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=None)

    def __init__(self, *args, user, teams, rule=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["community"]
        self.fields["team"].queryset = teams
        if rule is not None:  # keep the activity's rule even if it was switched off since
            self.fields["rule"].queryset = PointRule.objects.filter(Q(active=True) | Q(pk=rule.pk))


class ItemEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    price = forms.IntegerField(label=_("Price in points"), min_value=1, max_value=100000)
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=100000)
    active = forms.BooleanField(label=_("On sale"), required=False)
