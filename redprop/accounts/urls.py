from django.urls import path

from redprop.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/security/", views.security, name="security"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/2fa/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/sessions/end-others/", views.logout_everywhere, name="logout_everywhere"),
]
