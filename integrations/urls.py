from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("new/", views.endpoint_new, name="endpoint-new"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("<int:pk>/edit/", views.endpoint_edit, name="endpoint-edit"),
    path("<int:pk>/toggle/", views.endpoint_toggle, name="endpoint-toggle"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="delivery-redeliver"),
    path("events/<int:pk>/", views.event_detail, name="event"),
]
