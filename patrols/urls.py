from django.urls import path

from patrols import views

app_name = "patrols"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("start/", views.start, name="start"),
    path("list/", views.patrol_list, name="list"),
    path("coverage/", views.coverage, name="coverage"),
    path("visits/", views.visits, name="visits"),
    path("visits/new/", views.visit_new, name="visit-new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/points/", views.points, name="points"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/end/", views.end, name="end"),
]
