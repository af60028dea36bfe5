from django import forms
from django.utils.translation import gettext_lazy as _

from cobuilding.choices import Category, EntryKind, MatchState, ProjectState
from volunteers.pages import CommunityField


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=EntryKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None, required=False)

    def __init__(self, *args, user, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.fields["organization"].queryset = organizations
        self.order_fields(["community", "kind"])


class MatchForm(forms.Form):
    need = forms.ModelChoiceField(label=_("Need"), queryset=None)
    resource = forms.ModelChoiceField(label=_("Resource"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, needs, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = needs
        self.fields["resource"].queryset = resources


class MatchMoveForm(forms.Form):
    to = forms.ChoiceField(choices=MatchState.choices)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    owner = forms.CharField(label=_("Owner"), max_length=60)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"},
                                                                             format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("Ends on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    state = forms.ChoiceField(label=_("State"), choices=ProjectState.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"] = CommunityField(user)
        self.order_fields(["community"])


class EntryEditForm(EntryForm):
    """An entry stays on its list (needs or resources)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
