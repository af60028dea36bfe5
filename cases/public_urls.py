"""The resident pages (no login) and the grid QR posters; mounted at the site root."""

from django.urls import path

from cases import public

app_name = "public"

urlpatterns = [
    path("areas/<int:pk>/qr/", public.grid_qr_page, name="grid-qr"),
    path("areas/<int:pk>/qr.png", public.grid_qr_png, name="grid-qr-png"),
    path("areas/<int:pk>/qr.pdf", public.grid_qr_pdf, name="grid-qr-pdf"),
    path("r/<str:grid_code>/", public.report, name="report"),
    path("t/", public.track_lookup, name="track-lookup"),
    path("t/<str:code>/", public.track, name="track"),
]
