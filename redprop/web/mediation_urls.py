"""Mediation's pages (namespace ``mediation:``), included by ``config/urls.py``."""

from django.urls import path

from redprop.web.views import mediation as views

app_name = "mediation"

urlpatterns = [
    path("mediation/", views.case_list, name="case_list"),
    path("mediation/new/", views.intake, name="intake"),
    path("mediation/<int:pk>/", views.case_detail, name="case_detail"),
    path("mediation/<int:pk>/do/<slug:action>/", views.case_action, name="case_action"),
    path("mediation/from-request/<int:pk>/", views.from_request, name="from_request"),
]
