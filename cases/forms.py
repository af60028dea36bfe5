"""Forms of the case pages: one form per workflow action (built from the transition table), the
operator's intake, the grid worker's phone report and the standard editor.

Forms only check the shape of the input; the rules live in cases.actions, whose ValidationError
messages are put back on the form (web.utils.add_action_errors)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from areas.choices import DepartmentKind
from cases.choices import OPERATOR_CHANNELS
from cases.models import Category, Standard
from cases.workflow import TRANSITIONS

MAX_PHOTOS = 9
PHOTO_ACTIONS = {"resolve", "report_back", "verify_pass", "verify_fail"}
PHOTO_REQUIRED = {"verify_pass", "verify_fail"}
TASK_ACTIONS = {"accept_task", "return_task", "report_back", "request_extension"}
EXTENSION_DECISIONS = {"approve_extension", "refuse_extension"}


class PhotoInput(forms.FileInput):
    """A camera-friendly file input taking several photos at once."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        base = {"accept": "image/*", "capture": "environment"}
        base.update(attrs or {})
        super().__init__(base)


class PhotosField(forms.FileField):
    """Zero or more uploaded photos as a list (the actions re-encode and check them)."""

    widget = PhotoInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos at once.") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def category_choices(blank: bool = True) -> list:
    """Minor categories grouped under their major category, for a <select> with <optgroup>s."""
    groups: dict[int, tuple[str, list]] = {}
    for category in (Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
                     .select_related("parent").order_by("parent__kind", "parent__code", "code")):
        major = category.parent
        groups.setdefault(major.pk, (f"{major.code} {major.name}", []))[1].append(
            (category.code, f"{category.code} {category.name}"))
    choices = [("", "---------")] if blank else []
    return choices + list(groups.values())


# --- workflow actions ------------------------------------------------------------------------


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.extension_requested_hours:
            return _("%(department)s (asks for %(hours)d more working hours: %(reason)s)") % {
                "department": obj.department.name, "hours": obj.extension_requested_hours,
                "reason": obj.extension_reason}
        return obj.department.name


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class ActionForm(forms.Form):
    """The form of one workflow action on one case. Built with the action's name, the tasks and
    departments the user may pick from (already scoped by the view)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, name: str, *args, tasks=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name
        self.transition = TRANSITIONS[name]
        fields = self.fields
        if name == "merge":
            fields["into"] = forms.CharField(label=_("Merge into case number"), max_length=20,
                                             help_text=_("The number of the open case that this report repeats."))
        if name == "dispatch":
            fields["departments"] = DepartmentsField(
                queryset=departments, label=_("Departments"), widget=forms.CheckboxSelectMultiple,
                help_text=_("Choose one department, or several to summon them together (联合派遣)."))
        if name in TASK_ACTIONS or name in EXTENSION_DECISIONS:
            tasks = tasks if tasks is not None else []
            from cases.models import CaseTask

            fields["task"] = TaskChoiceField(
                queryset=CaseTask.objects.filter(pk__in=[t.pk for t in tasks]).select_related("department"),
                label=_("Department task"), empty_label=None,
                widget=forms.HiddenInput if len(tasks) == 1 else forms.Select)
            if len(tasks) == 1:
                fields["task"].initial = tasks[0].pk
        if name == "request_extension":
            fields["hours"] = forms.IntegerField(label=_("Extra working hours"), min_value=1, max_value=24 * 30)
        if name == "suspend":
            fields["review_on"] = forms.DateField(label=_("Review date"),
                                                  widget=forms.DateInput(attrs={"type": "date"}))
        if name == "callback":
            fields["satisfied"] = forms.TypedChoiceField(
                label=_("Is the caller satisfied?"), widget=forms.RadioSelect,
                choices=[("yes", _("Satisfied")), ("no", _("Not satisfied")), ("", _("No answer"))],
                coerce=lambda v: {"yes": True, "no": False}.get(v), empty_value=None, required=False)
        note_label = _("Reason") if self.transition.needs_reason and name not in ("report_back", "resolve") \
            else _("Result") if name in ("report_back", "resolve") else _("Note")
        fields["note"] = forms.CharField(label=note_label, required=self.transition.needs_reason,
                                         max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
        if name in PHOTO_ACTIONS:
            fields["photos"] = PhotosField(
                label=_("Photos taken on site") if name in PHOTO_REQUIRED else _("Photos"),
                required=name in PHOTO_REQUIRED)
        if self.transition.danger:
            fields["confirm"] = forms.BooleanField(
                label=_("I have checked: this step cannot simply be undone."), required=True)

    @property
    def danger(self) -> bool:
        return self.transition.danger


# --- intake ----------------------------------------------------------------------------------


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class LocationFields(forms.Form):
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())


class IntakeForm(LocationFields):
    """An operator's order from the 12345 hotline, a walk-in or an online form."""

    field_order = ["channel", "category", "description", "address", "lon", "lat", "grid", "reporter_name",
                   "reporter_phone", "external_id", "photos"]

    channel = forms.ChoiceField(label=_("Channel"), choices=[(c.value, c.label) for c in OPERATOR_CHANNELS])
    category = forms.ChoiceField(label=_("Category"))
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    grid = forms.ModelChoiceField(label=_("Grid (when the exact place is not known)"), queryset=None, required=False)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False)
    external_id = forms.CharField(label=_("External order number"), max_length=64, required=False,
                                  help_text=_("The 12345 work order number, if any."))
    photos = PhotosField(label=_("Photos"), required=False, widget=PhotoInput(attrs={"capture": False}))

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["grid"].queryset = grids
        self.fields["grid"].label_from_instance = lambda area: f"{area.name} ({area.code})"

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            if not data.get("grid"):
                raise ValidationError(_("Click the place on the map (or enter longitude and latitude), "
                                        "or choose the grid."))
            data["lon"] = data["lat"] = None
        return data


class GridReportForm(LocationFields):
    """A grid worker's report from the phone: photos, the GPS point, what it is."""

    field_order = ["photos", "category", "description", "address", "self_resolved", "after_photos", "lon", "lat"]

    photos = PhotosField(label=_("Photos"), required=True)
    category = forms.ChoiceField(label=_("Category"))
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    self_resolved = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    after_photos = PhotosField(label=_("Photos after solving it"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["lon"].widget = forms.HiddenInput()
        self.fields["lat"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            raise ValidationError(_("No location yet: allow the phone to use its position, or tap the place on "
                                    "the map."))
        if data.get("self_resolved") and not data.get("after_photos"):
            self.add_error("after_photos", _("Resolving on the spot needs a photo after."))
        return data


# --- catalog ---------------------------------------------------------------------------------


class StandardForm(forms.ModelForm):
    department_kinds = forms.MultipleChoiceField(label=_("Responsible departments (kinds)"),
                                                 choices=DepartmentKind.choices, widget=forms.CheckboxSelectMultiple,
                                                 required=False)

    class Meta:
        model = Standard
        fields = ["department_kinds", "accept_hours", "dispatch_hours", "handle_limit", "handle_unit",
                  "verify_hours", "close_level", "quality_standard", "filing_conditions"]
        widgets = {"quality_standard": forms.Textarea(attrs={"rows": 3}),
                   "filing_conditions": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        for name in ("accept_hours", "dispatch_hours", "handle_limit", "verify_hours"):
            if data.get(name) == 0:
                self.add_error(name, _("A time limit must be at least 1."))
        return data

