"""Forms of the registry pages.

Forms only check the shape of the input and offer choices within the user's scope; the rules
(check digits, credit codes, a point inside its grid, permissions) live in registry.actions,
whose Chinese ValidationError messages are put back on the form (web.utils.add_action_errors).
Personal data is never put into a form's initial values: an id number or phone left empty on the
edit form keeps the stored one.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.choices import Level
from areas.models import Area
from registry.choices import Gender, IdType, OrganizationKind, Relation, ResidenceStatus, SpecialGroup
from registry.models import Building, Dwelling, Household

# how many dwellings/households a <select> offers before the address search must narrow it down
PICK_LIMIT = 300
GRID_LEVELS = (Level.GRID, Level.CELL)


def grid_queryset(user, capability: str):
    return (Area.objects.restrict(user, capability).filter(level__in=GRID_LEVELS)
            .only("id", "name", "code", "path", "level").order_by("path"))


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class DwellingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.address


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        address = obj.dwelling.address if obj.dwelling_id else ""
        return f"{address} · {obj.number or '#' + str(obj.pk)}"


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=50,
                           error_messages={"required": _("The name is required (at most 50 characters).")})
    id_type = forms.ChoiceField(label=_("Document type"), choices=IdType.choices, initial=IdType.ID_CARD)
    id_number = forms.CharField(label=_("Document number"), max_length=30, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    gender = forms.ChoiceField(label=_("Gender"), required=False,
                               choices=[("", _("From the identity card number"))] + list(Gender.choices),
                               help_text=_("Gender and birth date follow from an identity card number."))
    birth_date = forms.DateField(label=_("Birth date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    residence_status = forms.ChoiceField(label=_("Residence status"), choices=ResidenceStatus.choices,
                                         initial=ResidenceStatus.PERMANENT)
    dwelling_q = forms.CharField(label=_("Find a dwelling by address"), required=False, max_length=100)
    dwelling = DwellingChoiceField(label=_("Dwelling"), queryset=Dwelling.objects.none(), required=False)
    household = HouseholdChoiceField(label=_("Household"), queryset=Household.objects.none(), required=False,
                                     help_text=_("A household of the chosen dwelling."))
    new_household = forms.BooleanField(label=_("Start a new household in this dwelling"), required=False)
    household_number = forms.CharField(label=_("Number of the new household"), required=False, max_length=40)
    relation = forms.ChoiceField(label=_("Relation to the head of household"), choices=Relation.choices,
                                 initial=Relation.HEAD)
    grid = GridChoiceField(label=_("Grid"), queryset=Area.objects.none(), required=False,
                           help_text=_("Only needed when no dwelling is chosen."))
    address_text = forms.CharField(label=_("Address (without a dwelling)"), required=False, max_length=200)

    def __init__(self, *args, user, person=None, sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.person = user, person
        dwellings = (Dwelling.objects.restrict(user, "registry.change")
                     .select_related(None).only("id", "address", "grid_id", "area_path"))
        self.fields["dwelling"].queryset = dwellings
        self.fields["household"].queryset = (Household.objects.restrict(user, "registry.change")
                                             .select_related("dwelling"))
        self.fields["grid"].queryset = grid_queryset(user, "registry.change")
        if person is not None:
            self.fields["id_number"].help_text = _("Leave empty to keep the stored number.")
            self.fields["phone"].help_text = _("Leave empty to keep the stored phone.")
            if sensitive:
                self.fields["id_number"].help_text = _("Stored: %(value)s. Leave empty to keep it.") % {
                    "value": person.masked_id_number or "—"}
                self.fields["phone"].help_text = _("Stored: %(value)s. Leave empty to keep it.") % {
                    "value": person.masked_phone or "—"}
        self._limit_pick_lists(dwellings)

    def _value(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name, "")

    def _limit_pick_lists(self, dwellings) -> None:
        """Offer at most PICK_LIMIT dwellings (those matching the address search) and their
        households; any dwelling in scope still validates, and a chosen one stays offered."""
        query = (self._value("dwelling_q") or "").strip()
        shown = dwellings.order_by("address")
        if query:
            shown = shown.filter(address__icontains=query)
        shown = list(shown[:PICK_LIMIT + 1])
        self.too_many_dwellings = len(shown) > PICK_LIMIT
        shown = shown[:PICK_LIMIT]
        chosen = str(self._value("dwelling") or "")
        if chosen.isdigit() and all(str(d.pk) != chosen for d in shown):
            shown = list(dwellings.filter(pk=int(chosen))) + shown
        self.fields["dwelling"].widget.choices = [("", "---------")] + [(d.pk, d.address) for d in shown]
        households = (self.fields["household"].queryset.filter(dwelling__in=[d.pk for d in shown])
                      .order_by("dwelling__address", "number")[:PICK_LIMIT * 2])
        field = self.fields["household"]
        field.widget.choices = [("", "---------")] + [(h.pk, field.label_from_instance(h)) for h in households]

    def clean(self):
        data = super().clean()
        dwelling, household = data.get("dwelling"), data.get("household")
        if household is not None and dwelling is not None and household.dwelling_id != dwelling.pk:
            self.add_error("household", _("This household does not live in the chosen dwelling."))
        if data.get("new_household"):
            if dwelling is None:
                self.add_error("new_household", _("Choose the dwelling of the new household."))
            elif household is not None:
                self.add_error("new_household", _("Choose a household or start a new one, not both."))
        if dwelling is None and household is None and data.get("grid") is None:
            self.add_error("grid", _("Choose a dwelling, or the grid the resident belongs to."))
        return data


class UnmaskForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=500,
                              error_messages={"required": _("State the purpose of viewing the full personal data.")},
                              help_text=_("Why the full id number and phone are needed; this is logged."))


class MoveOutForm(forms.Form):
    on = forms.DateField(label=_("Moved out on"), initial=timezone.localdate,
                         widget=forms.DateInput(attrs={"type": "date"}))


class TagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Special group"), choices=[("", "---------")] + list(SpecialGroup.choices),
                             error_messages={"required": _("Choose a special group.")})
    starts_on = forms.DateField(label=_("Starts on"), initial=timezone.localdate,
                                widget=forms.DateInput(attrs={"type": "date"}))
    carer = forms.ModelChoiceField(label=_("Carer"), queryset=get_user_model().objects.none(), required=False,
                                   help_text=_("The staff member who looks after this person."))

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # staff of the person's grid and of the areas above it
        area_ids = [int(part) for part in person.area_path.strip("/").split("/") if part]
        today = timezone.localdate()
        active_staff = (Q(staff_assignments__area_id__in=area_ids)
                        & (Q(staff_assignments__ends_on__isnull=True) | Q(staff_assignments__ends_on__gte=today)))
        active_role = (Q(role_assignments__area_id__in=area_ids)
                       & (Q(role_assignments__ends_on__isnull=True) | Q(role_assignments__ends_on__gte=today)))
        self.fields["carer"].queryset = (get_user_model().objects.filter(is_active=True)
                                         .filter(active_staff | active_role).distinct()
                                         .order_by("username"))
        self.fields["carer"].label_from_instance = lambda u: u.display_name


class EndTagForm(forms.Form):
    on = forms.DateField(label=_("Ends on"), initial=timezone.localdate,
                         widget=forms.DateInput(attrs={"type": "date"}))


class DwellingForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=200,
                              error_messages={"required": _("The address is required.")})
    grid = GridChoiceField(label=_("Grid"), queryset=Area.objects.none(), required=False,
                           help_text=_("Leave empty to take the grid from the map point."))
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    unit = forms.CharField(label=_("Stairwell unit"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_queryset(user, "registry.change")
        self.fields["building"].queryset = (Building.objects.restrict(user, "registry.change")
                                            .select_related("estate").order_by("area_path", "estate__name", "name"))

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("lon", _("Give both longitude and latitude, or neither."))
        if data.get("grid") is None and data.get("lon") is None and "lon" not in self.errors:
            self.add_error("grid", _("Choose the grid, or click the dwelling's place on the map."))
        building = data.get("building")
        grid = data.get("grid")
        if building is not None and grid is not None and building.grid_id != grid.pk:
            self.add_error("building", _("The building is in another grid."))
        return data


class OrganizationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------")] + list(OrganizationKind.choices),
                             error_messages={"required": _("Choose the kind of organization.")})
    name = forms.CharField(label=_("Name"), max_length=120, error_messages={"required": _("The name is required.")})
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    business_type = forms.CharField(label=_("Business type"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    grid = GridChoiceField(label=_("Grid"), queryset=Area.objects.none(),
                           error_messages={"required": _("Choose the grid it belongs to.")})
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grid_queryset(user, "registry.change")

    def clean(self):
        data = super().clean()
        if (data.get("lon") is None) != (data.get("lat") is None):
            self.add_error("lon", _("Give both longitude and latitude, or neither."))
        return data
