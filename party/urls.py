from django.urls import path

from party import views

app_name = "party"

urlpatterns = [
    path("", views.organizations, name="organizations"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path("members/", views.members, name="members"),
    path("members/new/", views.member_new, name="member-new"),
    path("members/<int:pk>/check-in/", views.member_check_in, name="member-check-in"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("dual-check-in/", views.offices, name="offices"),
    path("services/", views.services, name="services"),
    path("services/<int:pk>/confirm/", views.service_confirm, name="service-confirm"),
]
