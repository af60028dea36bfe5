from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("<int:pk>/", views.dispute_detail, name="detail"),
    path("<int:pk>/reveal/", views.dispute_reveal, name="reveal"),
    path("<int:pk>/edit/", views.dispute_edit, name="edit"),
    path("<int:pk>/<slug:name>/", views.dispute_action, name="action"),
]
