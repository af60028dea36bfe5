"""Excel pages of the registry: import (upload, templates, the job page with its progress bar and
error table), export (with a stated purpose) and the report-once statistics download.

Imports need registry.change somewhere (each row is then checked against its own grid); exports
need registry.export; the report needs registry.view. A job is seen only by the user who started it.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.scope import get_scope
from areas.models import Area
from registry import excel, imports
from registry.models import ImportJob
from web.utils import add_action_errors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA_CHOICE_LEVELS = ("district", "street", "community")
MAX_AREA_CHOICES = 2000


def _require(user, capability: str) -> None:
    if not get_scope(user).can(capability):
        raise PermissionDenied(_("You are not allowed to do this here."))


def _download(content: bytes, name: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)


# --- import --------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"), choices=ImportJob.Kind.choices)
    file = forms.FileField(label=gettext_lazy("Excel workbook (.xlsx)"),
                           help_text=gettext_lazy("Fill in the template of the kind chosen; at most %(rows)s rows.")
                           % {"rows": f"{imports.MAX_ROWS:,}"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx workbook (Excel 2007 or later); save .xls or .csv files "
                                    "as .xlsx first."))
        return upload


def start_job(job: ImportJob) -> None:
    """Small files are imported at once; larger ones by the background worker."""
    if job.total <= imports.INLINE_ROWS:
        imports.run_import(job.pk)
    else:
        from registry.tasks import run_import_task

        transaction.on_commit(lambda: run_import_task.enqueue(job.pk))


@login_required
def import_page(request):
    _require(request.user, "registry.change")
    form = ImportForm(request.POST or None, request.FILES or None,
                      initial={"kind": request.GET.get("kind") or ImportJob.Kind.RESIDENTS})
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.store_upload(form.cleaned_data["file"], form.cleaned_data["kind"], request.user)
        except imports.FileRefused as exc:
            form.add_error("file", str(exc))
        else:
            start_job(job)
            return redirect("registry_excel:job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user)[:20]
    return render(request, "registry/excel/import.html", {
        "form": form, "jobs": jobs, "kinds": ImportJob.Kind.choices, "max_rows": f"{imports.MAX_ROWS:,}",
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def import_template(request, kind):
    _require(request.user, "registry.change")
    if kind not in ImportJob.Kind.values:
        raise Http404
    content, name = excel.template_bytes(kind)
    return _download(content, name)


def _job(request, pk) -> ImportJob:
    jobs = ImportJob.objects.all() if request.user.is_superuser else ImportJob.objects.filter(user=request.user)
    try:
        return jobs.get(pk=int(pk))
    except (ImportJob.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _job_context(job: ImportJob) -> dict:
    earlier = None
    if job.file_sha256:
        earlier = (ImportJob.objects.filter(user=job.user, file_sha256=job.file_sha256, kind=job.kind,
                                            status=ImportJob.Status.DONE, pk__lt=job.pk).order_by("-pk").first())
    return {"job": job, "earlier": earlier, "error_cap": imports.ERROR_CAP,
            "errors_cut": job.error_count > len(job.errors)}


@login_required
def import_job(request, pk):
    job = _job(request, pk)
    return render(request, "registry/excel/job.html", _job_context(job))


@login_required
def import_job_progress(request, pk):
    job = _job(request, pk)
    return render(request, "registry/excel/_job_status.html", _job_context(job))


@login_required
def import_job_errors(request, pk):
    job = _job(request, pk)
    name = "{}-{}.xlsx".format(_("Import errors"), job.pk)
    if job.error_file:
        path = imports.media_path(job.error_file)
        if path.exists():
            return _download(path.read_bytes(), name)
    rows = [(e["row"], e["column"], e["reason"]) for e in job.errors]
    if job.message:
        rows.insert(0, ("", "", job.message))
    out = io.BytesIO()
    excel.error_workbook(rows).save(out)
    return _download(out.getvalue(), name)


# --- export and report ---------------------------------------------------------------------------


def _area_choices(user, capability: str) -> list[tuple[str, str]]:
    areas = (Area.objects.restrict(user, capability).filter(level__in=AREA_CHOICE_LEVELS)
             .only("id", "name", "code", "depth").order_by("path")[:MAX_AREA_CHOICES])
    return [("", _("Everything I may export"))] + [
        (str(a.pk), "\u3000" * a.depth + f"{a.name}（{a.code}）") for a in areas]


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to export"), choices=ImportJob.Kind.choices)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=200,
                              help_text=gettext_lazy("Why the data is needed. It is written into the file and the "
                                                     "audit log."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].choices = _area_choices(user, "registry.export")

    def clean_area(self):
        value = self.cleaned_data.get("area")
        if not value:
            return None
        area = Area.objects.restrict(self.user, "registry.export").filter(pk=value).first()
        if area is None:
            raise ValidationError(_("Choose an area you may export."))
        return area


@login_required
def export_page(request):
    _require(request.user, "registry.export")
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            content, name, count, total = excel.export_workbook(
                request.user, form.cleaned_data["kind"], form.cleaned_data["purpose"], form.cleaned_data["area"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            return _download(content, name)
    return render(request, "registry/excel/export.html", {"form": form, "cap": f"{excel.EXPORT_CAP:,}"},
                  status=400 if form.errors else 200)


class ReportForm(forms.Form):
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=200,
                              initial=gettext_lazy("Community statistics report"),
                              help_text=gettext_lazy("Written into the file and the audit log."))


@login_required
def report_page(request):
    _require(request.user, "registry.view")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content, name, _sheets = excel.report_workbook(request.user, form.cleaned_data["purpose"])
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            return _download(content, name)
    sensitive = get_scope(request.user).can("registry.sensitive")
    return render(request, "registry/excel/report.html", {"form": form, "sensitive": sensitive},
                  status=400 if form.errors else 200)
