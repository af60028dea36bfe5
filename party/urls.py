from django.urls import path

from party import views

app_name = "party"

urlpatterns = [
    path("", views.organizations, name="organizations"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("members/", views.members, name="members"),
    path("members/new/", views.member_new, name="member-new"),
    path("members/<int:pk>/check-in/", views.member_check_in, name="member-check-in"),
    path("dual-check-in/", views.offices, name="offices"),
    path("services/", views.services, name="services"),
    path("services/<int:pk>/confirm/", views.service_confirm, name="service-confirm"),
]
