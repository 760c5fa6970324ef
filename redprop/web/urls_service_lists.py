"""服务清单 pages (namespace ``service_lists``); the views are in web.views.service_lists."""

from django.urls import path

from redprop.web.views import service_lists as v

app_name = "service_lists"

urlpatterns = [
    path("services/", v.service_list, name="list"),
    path("services/need/", v.need_new, name="need_new"),
    path("services/offer/", v.offer_new, name="offer_new"),
    path("services/i/<int:pk>/", v.item_detail, name="detail"),
    path("services/i/<int:pk>/do/<slug:action>/", v.item_action, name="action"),
    path("services/i/<int:pk>/photo/<int:photo_id>/", v.item_photo, name="photo"),
    path("services/from-request/<int:pk>/", v.from_request, name="from_request"),
]
