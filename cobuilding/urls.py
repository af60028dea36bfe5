from django.urls import path

from cobuilding import views

app_name = "cobuilding"

urlpatterns = [
    path("", views.needs, name="needs"),
    path("resources/", views.resources, name="resources"),
    path("matches/", views.matches, name="matches"),
    path("matches/<int:pk>/move/", views.match_move, name="match-move"),
    path("projects/", views.projects, name="projects"),
]
