"""The endpoint form. It validates input; the change itself goes through integrations.actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserField
from integrations.choices import EndpointKind, EventType


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=EndpointKind.choices, initial=EndpointKind.WEBHOOK)
    district = forms.ChoiceField(label=_("District"))
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Where events are POSTed (for a 12345 bridge: the hotline platform's "
                                     "address for order updates)."))
    event_types = forms.MultipleChoiceField(label=_("Events"), choices=EventType.choices, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("Webhooks only: the events this endpoint receives."))
    operator = UserField(label=_("Operator account"), required=False, widget=forms.TextInput,
                         help_text=_("12345 bridge only: the district command center account orders are "
                                     "entered as."))
    secret = forms.CharField(label=_("Signing secret"), required=False, max_length=200,
                             widget=forms.PasswordInput(render_value=False),
                             help_text=_("Leave empty to keep the current one (a new endpoint gets a "
                                         "generated secret, shown once)."))
    inbound_secret = forms.CharField(label=_("12345 inbound secret"), required=False, max_length=200,
                                     widget=forms.PasswordInput(render_value=False),
                                     help_text=_("12345 bridge only: the secret the hotline signs orders with. "
                                                 "Leave empty to keep (or generate) it."))

    def __init__(self, *args, districts=(), endpoint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [(str(d.pk), f"{d.name} ({d.code})") for d in districts]
        if endpoint is not None:
            # kind and district are fixed once the endpoint exists
            del self.fields["kind"]
            del self.fields["district"]
            if endpoint.kind != EndpointKind.HOTLINE:
                del self.fields["operator"]
                del self.fields["inbound_secret"]
            else:
                del self.fields["event_types"]
