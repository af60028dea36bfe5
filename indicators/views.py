"""The assessment pages: a ranking per kind and period (scoped to the viewer: out of scope is a
404), its .xlsx download (audited) and a print version (print CSS)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render

from areas.models import Area
from indicators import export as xlsx
from indicators import pdf
from indicators.assessment import KINDS, available_kinds, ranking
from indicators.forms import PeriodForm, default_period, period_choices
from indicators.scores import BOTTOM_UP


def access_within(user, code: str):
    """An area the viewer's case.view roles cover, by code; 404 otherwise."""
    if not code:
        return None
    area = Area.objects.restrict(user, "case.view").defer("boundary").filter(code=code.strip()).first()
    if area is None:
        raise Http404
    return area


def _chosen(request, kind: str | None):
    kinds = available_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    kind = kind or kinds[0].code
    if kind not in KINDS or kind not in {k.code for k in kinds}:
        raise Http404
    form = PeriodForm(request.GET)
    valid = form.is_valid()
    period = form.cleaned_data["period"] if valid else default_period()
    within = access_within(request.user, form.cleaned_data.get("area", "") if valid else "")
    return kinds, kind, form, period, within


@login_required
def assessment(request, kind: str | None = None):
    kinds, kind, form, period, within = _chosen(request, kind)
    result = ranking(request.user, kind, period, within)
    areas = (Area.objects.restrict(request.user, "case.view").filter(level__in=["district", "street", "community"])
             .defer("boundary").order_by("path")[:500])
    weights = [{"label": c.label, "key": c.key, "weight": result.weights.get(c.key, 0),
                "bottom_up": c.half == BOTTOM_UP} for c in result.components]
    return render(request, "indicators/assessment.html", {
        "ranking": result, "kinds": kinds, "kind": kind, "form": form, "period": period,
        "period_choices": period_choices(), "areas": areas, "within": within, "weights": weights,
        "printing": request.GET.get("print") == "1",
    }, status=400 if form.errors else 200)


@login_required
def export(request, kind: str):
    kinds, kind, form, period, within = _chosen(request, kind)
    if form.errors:
        raise Http404
    content, name = xlsx.workbook(request.user, ranking(request.user, kind, period, within))
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=xlsx.XLSX)


@login_required
def export_pdf(request, kind: str):
    """The printable PDF report with its charts (audited like the .xlsx)."""
    kinds, kind, form, period, within = _chosen(request, kind)
    if form.errors:
        raise Http404
    content, name = pdf.report(request.user, ranking(request.user, kind, period, within))
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=pdf.PDF)
