"""The assessment page's period picker and area filter (GET)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.definitions import Period


def default_period(today: dt.date | None = None) -> Period:
    """The month before this one: the last complete month."""
    today = today or timezone.localdate()
    return Period.month(today.year, today.month).previous()


def period_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """The last 24 months and the last 8 quarters, this month and quarter included."""
    today = today or timezone.localdate()
    months = []
    period = Period.month(today.year, today.month)
    for _n in range(24):
        months.append((period.label, period.label))
        period = period.previous()
    quarters = []
    period = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    for _n in range(8):
        quarters.append((period.label, period.label))
        period = period.previous()
    return [(str(_("Months")), months), (str(_("Quarters")), quarters)]


class PeriodForm(forms.Form):
    period = forms.CharField(label=_("Period"), required=False)
    area = forms.CharField(label=_("Area"), required=False)

    def clean_period(self) -> Period:
        text = self.cleaned_data.get("period")
        if not text:
            return default_period()
        try:
            return Period.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Give a month (2026-10) or a quarter (2026-Q4).")) from exc
