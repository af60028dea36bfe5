from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    # the API first: reports and integrations resolve without trying every page's patterns
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("gridgov.api_urls")),
    path("", include("web.urls")),
    path("accounts/", include("accounts.urls")),
    path("areas/", include("areas.urls")),
    path("cases/", include("cases.urls")),
    path("assessment/", include("indicators.urls")),
    path("warnings/", include("earlywarning.urls")),
    path("registry/", include("registry.excel_urls")),
    path("registry/", include("registry.urls")),
    path("", include("cases.public_urls")),
    # engagement (docs/engagement.md)
    path("patrols/", include("patrols.urls")),
    path("party/", include("party.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("cobuilding/", include("cobuilding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("open311.urls")),
    path("integrations/", include("integrations.urls")),
    path("admin/", admin.site.urls),
    path("disputes/", include("disputes.urls")),
    path("meetings/", include("meetings.urls")),
    path("gridtasks/", include("gridtasks.urls")),
]
# Uploaded photos are never served from a public /media/ URL: cases/views.py streams each one
# after checking that the user's scope covers its case.

handler404 = "core.api.views.api_not_found"  # JSON under /api/, the 404 page elsewhere
