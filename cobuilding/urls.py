from django.urls import path

from cobuilding import views

app_name = "cobuilding"

urlpatterns = [
    path("", views.needs, name="needs"),
    path("resources/", views.resources, name="resources"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/close/", views.entry_close, name="entry-close"),
    path("matches/", views.matches, name="matches"),
    path("matches/<int:pk>/move/", views.match_move, name="match-move"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
]
