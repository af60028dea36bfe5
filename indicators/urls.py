from django.urls import path

from indicators import dashboard, views

app_name = "indicators"

urlpatterns = [
    path("", views.assessment, name="assessment"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/areas.geojson", dashboard.areas_geojson, name="dashboard-areas"),
    path("dashboard/points.json", dashboard.points, name="dashboard-points"),
    path("dashboard/buckets.json", dashboard.buckets, name="dashboard-buckets"),
    path("dashboard/warnings.json", dashboard.warnings_json, name="dashboard-warnings"),
    path("dashboard/stats.json", dashboard.stats, name="dashboard-stats"),
    path("dashboard/feed/", dashboard.feed, name="dashboard-feed"),
    path("<slug:kind>/", views.assessment, name="assessment-kind"),
    path("<slug:kind>/export.xlsx", views.export, name="export"),
    path("<slug:kind>/report.pdf", views.export_pdf, name="export-pdf"),
]
