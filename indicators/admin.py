from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from indicators.models import ScoreWeight
from indicators.scores import COMPONENTS, delete_weight, save_weight


class ScoreWeightForm(forms.ModelForm):
    class Meta:
        model = ScoreWeight
        fields = ["kind", "indicator", "weight"]

    def clean(self):
        cleaned = super().clean()
        kind, indicator = cleaned.get("kind"), cleaned.get("indicator")
        if kind and indicator and indicator not in {c.key for c in COMPONENTS.get(kind, ())}:
            allowed = ", ".join(c.key for c in COMPONENTS.get(kind, ()))
            raise ValidationError({"indicator": f"{indicator} ∉ {{{allowed}}}"})
        return cleaned


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    """Every save and delete goes through indicators.scores.save_weight / delete_weight (audited)."""

    form = ScoreWeightForm
    list_display = ["kind", "indicator", "weight", "updated_at"]
    list_editable = ["weight"]
    list_filter = ["kind"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one audited delete at a time
        return actions

    def save_model(self, request, obj, form, change):
        save_weight(request.user, obj)

    def delete_model(self, request, obj):
        delete_weight(request.user, obj)
