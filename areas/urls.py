from django.urls import path

from areas import views

app_name = "areas"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("departments/<int:pk>/", views.department_detail, name="department"),
]
