from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import GridReportForm
from patrols.choices import Finding


class PatrolReportForm(GridReportForm):
    """The phone report of a problem found on patrol: like cases' grid report, photos optional."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].required = False


class VisitForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int)
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices, initial=Finding.NONE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [("", "---------")] + [(h.pk, label) for h, label in households]


class CoverageFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError(_("The end date comes before the start date."))
            if (data["end"] - data["start"]).days > 92:
                raise forms.ValidationError(_("Choose at most 92 days."))
        return data


class VisitEditForm(forms.Form):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)
