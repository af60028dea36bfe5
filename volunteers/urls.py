from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("new/", views.volunteer_new, name="new"),
    path("teams/", views.teams, name="teams"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_new, name="activity-new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("signups/<int:pk>/<slug:action>/", views.signup_action, name="signup-action"),
    path("store/", views.store, name="store"),
    path("store/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("redemptions/", views.redemptions, name="redemptions"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("rules/", views.rules, name="rules"),
]
