from django.urls import path

from gridtasks import views

app_name = "gridtasks"

urlpatterns = [
    path("", views.task_list, name="list"),
    path("new/", views.task_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/progress/", views.task_progress, name="progress"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("<int:pk>/cancel/", views.task_cancel, name="cancel"),
    path("items/<int:pk>/complete/", views.item_complete, name="complete"),
]
