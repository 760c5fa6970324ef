"""议事协商 pages (namespace ``meetings``); the views are in web.views.meetings."""

from django.urls import path

from redprop.web.views import meetings as v

app_name = "meetings"

urlpatterns = [
    path("meetings/", v.meeting_list, name="list"),
    path("meetings/next/", v.prepare_next, name="prepare_next"),
    path("meetings/<int:pk>/", v.meeting_detail, name="detail"),
    path("meetings/<int:pk>/do/<slug:action>/", v.meeting_step, name="step"),
    path("meetings/<int:pk>/agenda/build/", v.agenda_build, name="agenda_build"),
    path("meetings/<int:pk>/agenda/add/", v.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/move/", v.agenda_move, name="agenda_move"),
    path("meetings/<int:pk>/qr.svg", v.meeting_qr, name="qr"),
    path("meetings/<int:pk>/minutes.pdf", v.minutes_pdf, name="pdf"),
    path(
        "meetings/<int:pk>/attendance/<int:participant_id>/",
        v.attendance_mark,
        name="attendance",
    ),
    path("meetings/items/<int:pk>/minutes/", v.item_minutes, name="item_minutes"),
    path("meetings/items/<int:pk>/resolution/", v.item_resolution, name="item_resolution"),
    path("meetings/resolutions/<int:pk>/vote/", v.resolution_vote, name="resolution_vote"),
    path("meetings/resolutions/<int:pk>/request/", v.resolution_request, name="resolution_request"),
    path(
        "meetings/resolutions/<int:pk>/<slug:action>/",
        v.resolution_step,
        name="resolution_step",
    ),
    path("meetings/issues/new/", v.issue_new, name="issue_new"),
    path("meetings/from-request/<int:pk>/", v.request_to_meeting, name="from_request"),
    path("meetings/checkin/<str:token>/", v.checkin, name="checkin"),
    path("meetings/feeds/", v.feeds, name="feeds"),
    path("meetings/feeds/<int:pk>/revoke/", v.feed_revoke, name="feed_revoke"),
    path("meetings/ical/<str:token>.ics", v.feed, name="feed"),
]
