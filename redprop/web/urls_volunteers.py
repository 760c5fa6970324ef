"""志愿服务 pages (namespace ``volunteers``); the views are in web.views.volunteers."""

from django.urls import path

from redprop.web.views import volunteers as v

app_name = "volunteers"

urlpatterns = [
    path("volunteers/", v.activity_list, name="list"),
    path("volunteers/new/", v.activity_new, name="new"),
    path("volunteers/join/", v.join, name="join"),
    path("volunteers/me/", v.my_record, name="me"),
    path("volunteers/me/certificate.pdf", v.certificate, name="certificate"),
    path("volunteers/counts/", v.counts, name="counts"),
    path("volunteers/scan/<str:token>/", v.scan, name="scan"),
    path("volunteers/<int:pk>/", v.activity_detail, name="detail"),
    path("volunteers/<int:pk>/signup/", v.signup, name="signup"),
    path("volunteers/<int:pk>/withdraw/", v.withdraw, name="withdraw"),
    path("volunteers/<int:pk>/do/<slug:action>/", v.step, name="step"),
    path("volunteers/<int:pk>/qr.svg", v.qr, name="qr"),
    path("volunteers/<int:pk>/desk/", v.desk, name="desk"),
    path("volunteers/<int:pk>/desk/approve-all/", v.approve_all, name="approve_all"),
    path("volunteers/<int:pk>/credit/<int:signup_id>/", v.credit, name="credit"),
    path(
        "volunteers/<int:pk>/hours/<int:record_id>/<slug:action>/",
        v.hours_step,
        name="hours_step",
    ),
]
