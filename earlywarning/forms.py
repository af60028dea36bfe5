from django import forms
from django.utils.translation import gettext_lazy as _

from earlywarning.actions import NOTE_MAX
from earlywarning.choices import WarningKind, WarningState


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("active", _("Open or acknowledged")), *WarningState.choices, ("all", _("All"))])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *WarningKind.choices])


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("What was found or done"), max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Say what was found or done before closing the warning.")})
