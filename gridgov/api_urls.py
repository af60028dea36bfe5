"""Every REST endpoint under /api/, one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import views as accounts_api
from areas.api import views as areas_api
from cases.api import views as cases_api
from cobuilding.api import views as cobuilding_api
from core.api import resources as core_api
from integrations.api import views as integrations_api
from party.api import views as party_api
from patrols.api import views as patrols_api
from registry.api import views as registry_api
from volunteers.api import views as volunteers_api

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
router.register("webhooks", integrations_api.WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", integrations_api.WebhookDeliveryViewSet, basename="webhookdelivery")

# community work: disputes, joint meetings, tasks sent down to grids
from disputes.api import views as disputes_api  # noqa: E402
from gridtasks.api import views as gridtasks_api  # noqa: E402
from meetings.api import views as meetings_api  # noqa: E402

router.register("disputes", disputes_api.DisputeViewSet, basename="dispute")
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")
router.register("meeting-decisions", meetings_api.DecisionViewSet, basename="meetingdecision")
router.register("grid-tasks", gridtasks_api.GridTaskViewSet, basename="gridtask")
router.register("grid-task-items", gridtasks_api.GridTaskItemViewSet, basename="gridtaskitem")
# engagement (docs/engagement.md)
router.register("patrols", patrols_api.PatrolViewSet, basename="patrol")
router.register("home-visits", patrols_api.HomeVisitViewSet, basename="homevisit")
router.register("party-organizations", party_api.PartyOrganizationViewSet, basename="partyorganization")
router.register("party-members", party_api.PartyMemberViewSet, basename="partymember")
router.register("party-offices", party_api.OfficeOrganizationViewSet, basename="partyoffice")
router.register("party-services", party_api.ServiceLogViewSet, basename="partyservice")
router.register("volunteers", volunteers_api.VolunteerViewSet, basename="volunteer")
router.register("volunteer-teams", volunteers_api.TeamViewSet, basename="volunteerteam")
router.register("activities", volunteers_api.ActivityViewSet, basename="activity")
router.register("store-items", volunteers_api.StoreItemViewSet, basename="storeitem")
router.register("redemptions", volunteers_api.RedemptionViewSet, basename="redemption")
router.register("cobuilding/entries", cobuilding_api.ListEntryViewSet, basename="cobuilding-entry")
router.register("cobuilding/matches", cobuilding_api.MatchViewSet, basename="cobuilding-match")
router.register("cobuilding/projects", cobuilding_api.ProjectViewSet, basename="cobuilding-project")
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
    path("hotline/<str:district>/orders/", integrations_api.HotlineOrderView.as_view(), name="api-hotline-orders"),
    path("", include("earlywarning.api.urls")),
    *router.urls,
]
