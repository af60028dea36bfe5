from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("new/", views.volunteer_new, name="new"),
    path("<int:pk>/edit/", views.volunteer_edit, name="edit"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team-edit"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity-cancel"),
    path("store/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("store/<int:pk>/withdraw/", views.item_withdraw, name="item-withdraw"),
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
