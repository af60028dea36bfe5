"""Forms of the dispute pages: shape of the input and choices within scope; the rules are in
disputes.actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from areas.models import Department
from disputes.choices import DisputeKind, MediationKind, PartyRole, Risk, Satisfaction, Source
from registry.forms import GridChoiceField, grid_queryset

PARTY_SLOTS = 3


class DisputeForm(forms.Form):
    grid = GridChoiceField(label=_("Grid"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DisputeKind.choices)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_queryset(user, "dispute.change")
        for i in range(1, PARTY_SLOTS + 1):
            self.fields[f"party{i}_role"] = forms.ChoiceField(
                label=_("Party %(n)d") % {"n": i}, choices=PartyRole.choices, required=False,
                initial=PartyRole.APPLICANT if i == 1 else PartyRole.RESPONDENT)
            self.fields[f"party{i}_person"] = forms.IntegerField(
                label=_("Resident number in the registry (optional)"), required=False, min_value=1)
            self.fields[f"party{i}_name"] = forms.CharField(label=_("Name"), max_length=50, required=False,
                                                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
            self.fields[f"party{i}_phone"] = forms.CharField(
                label=_("Phone"), max_length=20, required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def party_rows(self):
        return [(self[f"party{i}_role"], self[f"party{i}_person"], self[f"party{i}_name"], self[f"party{i}_phone"])
                for i in range(1, PARTY_SLOTS + 1)]


def _departments(user):
    return Department.objects.restrict(user).select_related("area").order_by("area__path", "name")


class MediationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Mediation kind"), choices=MediationKind.choices)
    mediators = forms.CharField(label=_("Mediators"), max_length=200,
                                help_text=_("Mediation committee members, lawyers, police officers…"))
    department = forms.ModelChoiceField(label=_("Mediating department"), queryset=None, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user)


class HandOverForm(MediationForm):
    reason = forms.CharField(label=_("Reason for the hand-over"), widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Held at"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    summary = forms.CharField(label=_("Record of the session"), widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Mediation outcome"), choices=[
        ("settled", _("Settled")), ("not_settled", _("Not settled")),
        ("referred", _("Referred to court or petition"))])
    agreement_text = forms.CharField(label=_("Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FulfilmentForm(forms.Form):
    fulfilled = forms.TypedChoiceField(label=_("Agreement fulfilled?"), coerce=lambda v: v == "yes",
                                       choices=[("yes", _("Fulfilled")), ("no", _("Not fulfilled"))])
    note = forms.CharField(label=_("Note"), required=False)


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("Parties' satisfaction"), choices=Satisfaction.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TurnIntoCaseForm(forms.Form):
    note = forms.CharField(label=_("Note for the case"), required=False)


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200)


class FiguresForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (exclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    state = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    risk = forms.CharField(required=False)


class DisputeEditForm(forms.Form):
    """Correct a dispute: the record's text fields, and until the mediation is concluded its kind and
    its parties. A party's current name and phone are shown masked; a blank name or phone keeps it."""

    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DisputeKind.choices)
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, dispute, parties, version: str = "", **kwargs):
        from disputes import workflow

        kwargs.setdefault("initial", {
            "title": dispute.title, "description": dispute.description, "kind": dispute.kind, "risk": dispute.risk,
            "place": dispute.place, "version": version})
        super().__init__(*args, **kwargs)
        open_ = workflow.editable("parties", dispute.state)
        self.fields["kind"].disabled = not workflow.editable("kind", dispute.state)
        self.parties = parties
        for party in parties:
            prefix = f"party{party.pk}"
            self.fields[f"{prefix}_role"] = forms.ChoiceField(
                label=_("Role of %(name)s") % {"name": party.masked_name}, choices=PartyRole.choices,
                initial=party.role, disabled=not open_)
            if party.person_id:
                continue
            self.fields[f"{prefix}_name"] = forms.CharField(
                label=_("New name for %(name)s") % {"name": party.masked_name}, max_length=50, required=False,
                disabled=not open_, help_text=_("Leave blank to keep it."),
                widget=forms.TextInput(attrs={"autocomplete": "off"}))
            self.fields[f"{prefix}_phone"] = forms.CharField(
                label=_("New phone for %(name)s") % {"name": party.masked_name}, max_length=20, required=False,
                disabled=not open_, help_text=_("Now: %(phone)s. Leave blank to keep it.")
                % {"phone": party.masked_phone or "—"},
                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def party_changes(self) -> list[dict]:
        data = self.cleaned_data
        return [{"id": p.pk, "role": data.get(f"party{p.pk}_role"), "name": data.get(f"party{p.pk}_name", ""),
                 "phone": data.get(f"party{p.pk}_phone", "")} for p in self.parties]
