from django.urls import path

from redprop.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/", views.reports, name="reports"),
    path("reports/exports/<int:export_id>/", views.export_status, name="export_status"),
    path(
        "reports/exports/<int:export_id>/download/",
        views.export_download,
        name="export_download",
    ),
]
