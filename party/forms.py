from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import Area
from party.choices import MemberKind, OrgKind
from volunteers.pages import CommunityField, PersonField


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    parent = forms.ModelChoiceField(label=_("Parent organization"), queryset=None, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=None)
    secretary = forms.CharField(label=_("Secretary"), max_length=50, required=False)

    def __init__(self, *args, user, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organizations
        self.fields["area"].queryset = Area.objects.restrict(user, "community.change") \
            .filter(level__in=("street", "community", "grid")).defer("boundary").order_by("path")


class MemberForm(forms.Form):
    person = PersonField()
    organization = forms.ModelChoiceField(label=_("Party organization"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    joined_on = forms.DateField(label=_("Joined the party on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    workplace = forms.CharField(label=_("Workplace"), max_length=120, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)


class ServiceForm(forms.Form):
    served_on = forms.DateField(label=_("Served on"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1, min_value=0.1, max_value=24)
    description = forms.CharField(label=_("Description"), max_length=300)
    member = forms.ModelChoiceField(label=_("Party member"), queryset=None, required=False)
    office = forms.ModelChoiceField(label=_("Office party organization"), queryset=None, required=False)

    def __init__(self, *args, user, members, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.fields["member"].queryset = members
        self.fields["office"].queryset = offices
        self.order_fields(["community"])


class MemberEditForm(forms.Form):
    """The member's place in the party (the resident's personal data stays in the registry)."""

    organization = forms.ModelChoiceField(label=_("Party organization"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    joined_on = forms.DateField(label=_("Joined the party on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    workplace = forms.CharField(label=_("Workplace"), max_length=120, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
