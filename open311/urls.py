"""GeoReport v2, mounted at /open311/v2/: every resource with a .xml or .json suffix (XML without one)."""

from django.urls import re_path

from open311 import views

app_name = "open311"

FMT = r"(?:\.(?P<fmt>[A-Za-z0-9]{1,10}))?$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]{1,40})" + FMT, views.service_definition, name="service"),
    re_path(r"^service/(?P<code>[^/.]{1,40})" + FMT, views.service_definition, name="service-alias"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]{1,40})" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]{1,40})" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.service_request_updates, name="updates"),
]
