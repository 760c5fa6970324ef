from django.urls import path

from bench.floor import views

urlpatterns = [path("api/v1/requests", views.request_create)]
