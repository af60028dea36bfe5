from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("roles/", views.role_list, name="roles"),
    path("roles/grant/", views.role_grant, name="role-grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role-revoke"),
    path("users/search/", views.user_search, name="user-search"),
]
