"""The account security pages (账号安全), under the ``accounts`` URL namespace."""

from django.urls import path

from redprop.web.views import account_security as views

app_name = "accounts"

urlpatterns = [
    path("accounts/security/", views.security, name="security"),
    path("accounts/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("accounts/2fa/verify/", views.otp_verify, name="otp_verify"),
    path("accounts/sessions/end-others/", views.logout_everywhere, name="logout_everywhere"),
]
