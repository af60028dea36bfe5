from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.models import Area
from gridtasks.actions import SENDER_LEVELS
from gridtasks.choices import TaskKind
from registry.choices import SpecialGroup
from registry.forms import GridChoiceField, grid_queryset


class GridMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SendForm(forms.Form):
    sender_area = GridChoiceField(label=_("Sent by"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=100)
    instructions = forms.CharField(label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("What the grids are to do"), choices=TaskKind.choices)
    due_date = forms.DateField(label=_("Deadline (day)"), widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(label=_("Deadline (time)"), initial=dt.time(18, 0),
                               widget=forms.TimeInput(attrs={"type": "time"}))
    grids = GridMultipleChoiceField(label=_("Grids"), queryset=None, required=False,
                                    widget=forms.CheckboxSelectMultiple)
    items = forms.CharField(label=_("Items (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    special_group = forms.ChoiceField(label=_("Special group"), required=False,
                                      choices=[("", "—"), *SpecialGroup.choices])
    person = forms.IntegerField(label=_("Resident number in the registry"), required=False, min_value=1)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sender_area"].queryset = (Area.objects.restrict(user, "gridtask.send")
                                               .filter(level__in=SENDER_LEVELS).only("id", "name", "code", "path")
                                               .order_by("path"))
        self.fields["grids"].queryset = grid_queryset(user, "gridtask.send")

    def clean(self):
        data = super().clean()
        if data.get("due_date") and data.get("due_time"):
            data["due_at"] = timezone.make_aware(dt.datetime.combine(data["due_date"], data["due_time"]))
        return data


class CompleteForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=[("done", _("Done")), ("not_found", _("Not found"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class EditForm(forms.Form):
    """Correct the title or the instructions, extend the deadline."""

    title = forms.CharField(label=_("Title"), max_length=100)
    instructions = forms.CharField(label=_("Instructions"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Deadline (day)"), widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(label=_("Deadline (time)"), widget=forms.TimeInput(attrs={"type": "time"}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_task(cls, task, version: str):
        local = timezone.localtime(task.due_at)
        return cls(initial={"title": task.title, "instructions": task.instructions, "due_date": local.date(),
                            "due_time": local.time().replace(second=0, microsecond=0), "version": version})

    def clean(self):
        data = super().clean()
        if data.get("due_date") and data.get("due_time"):
            data["due_at"] = timezone.make_aware(dt.datetime.combine(data["due_date"], data["due_time"]))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.CharField(widget=forms.HiddenInput, required=False)
