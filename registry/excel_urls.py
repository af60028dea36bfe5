"""Excel pages of the registry, mounted under /registry/ (before registry.urls)."""

from django.urls import path

from registry import excel_views as views

app_name = "registry_excel"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template/<slug:kind>.xlsx", views.import_template, name="template"),
    path("import/<int:pk>/", views.import_job, name="job"),
    path("import/<int:pk>/progress/", views.import_job_progress, name="job-progress"),
    path("import/<int:pk>/errors.xlsx", views.import_job_errors, name="job-errors"),
    path("export/", views.export_page, name="export"),
    path("report/", views.report_page, name="report"),
]
