from django.urls import path

from registry import views

app_name = "registry"

urlpatterns = [
    path("", views.people, name="people"),
    path("people/new/", views.person_new, name="person-new"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/unmask/", views.person_unmask, name="person-unmask"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/move-out/", views.person_move_out, name="person-move-out"),
    path("people/<int:pk>/tags/add/", views.tag_add, name="tag-add"),
    path("tags/<int:pk>/end/", views.tag_end, name="tag-end"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("dwellings/", views.dwellings, name="dwellings"),
    path("dwellings/new/", views.dwelling_new, name="dwelling-new"),
    path("dwellings/<int:pk>/", views.dwelling_detail, name="dwelling"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("map/", views.dwelling_map, name="map"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/new/", views.organization_new, name="organization-new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("grid-sizing/", views.grid_sizing, name="grid-sizing"),
]
