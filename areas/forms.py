"""Forms of the area pages. They validate input; the changes themselves go through areas.actions."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import DateInput, UserField
from areas import geo
from areas.choices import Duty
from areas.models import Area
from web.utils import read_json_upload

MAX_BOUNDARY_BYTES = 5 * 1024 * 1024
MAX_IMPORT_BYTES = 50 * 1024 * 1024
# Boundaries longer than this are not put into the edit textarea (upload a file instead).
MAX_BOUNDARY_TEXTAREA = 200_000


class BoundaryForm(forms.Form):
    """A boundary given as pasted GeoJSON or as an uploaded .geojson file (the file wins)."""

    boundary = forms.CharField(
        label=_("Boundary (GeoJSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("A GeoJSON Polygon or MultiPolygon (or a Feature holding one), longitude/latitude."),
    )
    boundary_file = forms.FileField(
        label=_("or upload a boundary file"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("boundary_file")
        field = "boundary_file" if upload else "boundary"
        try:
            text = read_json_upload(upload, MAX_BOUNDARY_BYTES) if upload else (cleaned.get("boundary") or "")
            if text.strip():
                geo.parse_geometry(text)  # the same check the action makes; shows the error on the field
                cleaned["geometry"] = json.loads(text)
            else:
                cleaned["geometry"] = None
        except ValidationError as exc:
            self.add_error(field, exc)
        return cleaned


class AreaEditForm(BoundaryForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=24)
    households = forms.IntegerField(label=_("Households"), min_value=0, required=False)
    illustrative = forms.BooleanField(label=_("Illustrative boundary (not surveyed)"), required=False)
    remove_boundary = forms.BooleanField(label=_("Remove the boundary"), required=False)

    field_order = ["name", "code", "households", "illustrative", "boundary", "boundary_file", "remove_boundary"]

    def __init__(self, *args, area: Area, **kwargs):
        self.area = area
        initial = {"name": area.name, "code": area.code, "households": area.households,
                   "illustrative": area.illustrative}
        boundary_text = json.dumps(area.boundary) if area.boundary is not None else ""
        self.boundary_too_large = len(boundary_text) > MAX_BOUNDARY_TEXTAREA
        if not self.boundary_too_large:
            initial["boundary"] = boundary_text
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        """Keyword arguments for areas.actions.update_area: only what the user changed."""
        data = self.cleaned_data
        changes = {"name": data["name"], "households": data["households"], "illustrative": data["illustrative"]}
        if data["code"].strip() != self.area.code:
            changes["code"] = data["code"].strip()
        if data["remove_boundary"]:
            changes["boundary"] = None
        elif data.get("geometry") is not None and data["geometry"] != self.area.boundary:
            changes["boundary"] = data["geometry"]
        return changes


class AreaCreateForm(BoundaryForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"))
    code = forms.CharField(
        label=_("Code"), max_length=24, required=False,
        help_text=_("Leave empty to generate the next free code under the parent."),
    )
    official_code = forms.BooleanField(label=_("Official statistical code"), required=False)
    households = forms.IntegerField(label=_("Households"), min_value=0, required=False)
    illustrative = forms.BooleanField(label=_("Illustrative boundary (not surveyed)"), required=False)

    field_order = ["name", "level", "code", "official_code", "households", "illustrative", "boundary", "boundary_file"]

    def __init__(self, *args, levels: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = levels
        if len(levels) == 1:
            self.fields["level"].initial = levels[0][0]


class AssignStaffForm(forms.Form):
    user = UserField(label=_("Person"))
    duty = forms.ChoiceField(label=_("Duty"), choices=Duty.choices)
    starts_on = forms.DateField(label=_("Starts on"), initial=timezone.localdate, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EndAssignmentForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day"), required=False, widget=DateInput(),
        help_text=_("Leave empty to end it yesterday."),
    )


class ImportForm(forms.Form):
    root = forms.ModelChoiceField(
        label=_("Within"), queryset=Area.objects.none(), required=False,
        help_text=_("Only areas under this one may be created or changed."),
    )
    file = forms.FileField(
        label=_("GeoJSON file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
        help_text=_("A FeatureCollection; each feature's properties: code, and for new areas name, level and parent_code."),
    )

    def __init__(self, *args, roots, root_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].queryset = Area.objects.filter(pk__in=[r.pk for r in roots]).order_by("path")
        self.fields["root"].required = root_required
        self.fields["root"].empty_label = None if root_required else _("(no limit)")
        if len(roots) == 1:
            self.fields["root"].initial = roots[0].pk

    def clean_file(self):
        return read_json_upload(self.cleaned_data["file"], MAX_IMPORT_BYTES)
