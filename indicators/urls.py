from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.assessment, name="assessment"),
    path("<slug:kind>/", views.assessment, name="assessment-kind"),
    path("<slug:kind>/export.xlsx", views.export, name="export"),
]
