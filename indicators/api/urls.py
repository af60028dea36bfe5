from django.urls import path

from indicators.api import views

urlpatterns = [
    path("indicators/", views.IndicatorsView.as_view(), name="api-indicators"),
    path("assessment/<slug:kind>/", views.AssessmentView.as_view(), name="api-assessment"),
]
