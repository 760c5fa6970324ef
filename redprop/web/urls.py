from django.contrib.auth import views as auth_views
from django.urls import path

from redprop.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("no-role/", views.no_role, name="no_role"),
]
