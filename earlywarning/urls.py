from django.urls import path

from earlywarning import views

app_name = "earlywarning"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.warning_acknowledge, name="acknowledge"),
    path("<int:pk>/close/", views.warning_close, name="close"),
]
