from django.urls import path

from areas import views

app_name = "areas"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("roots.geojson", views.roots_geojson, name="roots-geojson"),
    path("import/", views.area_import, name="import"),
    path("force-list/", views.force_list_page, name="force-list"),
    path("<int:pk>/", views.area_detail, name="detail"),
    path("<int:pk>/children.geojson", views.children_geojson, name="children-geojson"),
    path("<int:pk>/export.geojson", views.export_geojson, name="export"),
    path("<int:pk>/edit/", views.area_edit, name="edit"),
    path("<int:pk>/add/", views.area_add_child, name="add-child"),
    path("<int:pk>/delete/", views.area_delete, name="delete"),
    path("<int:pk>/staff/assign/", views.staff_assign, name="staff-assign"),
    path("staff/<int:pk>/end/", views.staff_end, name="staff-end"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<int:pk>/", views.department_detail, name="department"),
]
