from django.urls import path

from redprop.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
