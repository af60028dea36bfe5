"""Every REST endpoint under /api/, one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import views as accounts_api
from areas.api import views as areas_api
from cases.api import views as cases_api
from core.api import resources as core_api
from registry.api import views as registry_api

router = DefaultRouter()
router.register("areas", areas_api.AreaViewSet, basename="area")
router.register("departments", areas_api.DepartmentViewSet, basename="department")
router.register("staff-assignments", areas_api.StaffAssignmentViewSet, basename="staffassignment")
router.register("role-assignments", accounts_api.RoleAssignmentViewSet, basename="roleassignment")
router.register("categories", cases_api.CategoryViewSet, basename="category")
router.register("cases", cases_api.CaseViewSet, basename="case")
router.register("residents", registry_api.PersonViewSet, basename="resident")
router.register("households", registry_api.HouseholdViewSet, basename="household")
router.register("dwellings", registry_api.DwellingViewSet, basename="dwelling")
router.register("organizations", registry_api.OrganizationViewSet, basename="organization")
router.register("estates", registry_api.EstateViewSet, basename="estate")
router.register("buildings", registry_api.BuildingViewSet, basename="building")
router.register("notifications", core_api.NotificationViewSet, basename="notification")
router.register("audit-log", core_api.AuditLogViewSet, basename="auditlog")

urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("force-list/", areas_api.ForceListView.as_view(), name="api-force-list"),
    path("rate/", cases_api.RateView.as_view(), name="api-rate"),
    path("work-calendar/", core_api.WorkCalendarView.as_view(), name="api-work-calendar"),
    path("", include("indicators.api.urls")),
    *router.urls,
]
