from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("desk/dispatch/", views.desk_dispatch, name="desk-dispatch"),
    path("new/", views.intake, name="new"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("department/", views.department_desk, name="department"),
    path("mobile/", views.mobile, name="mobile"),
    path("mobile/report/", views.mobile_report, name="mobile-report"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox-open"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<int:pk>/edit/", views.standard_edit, name="standard-edit"),
    path("photos/<int:pk>/", views.case_photo, name="photo"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.case_action, name="act"),
]
