from django.contrib.auth import views as auth_views
from django.urls import path

from redprop.web import views
from redprop.web.views import (
    campaigns,
    console,
    duty,
    filing,
    inbox,
    my_data,
    notices,
    orders,
    ratings,
    request_pages,
    resident,
    votes,
)
from redprop.web.views import party as party_views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("no-role/", views.no_role, name="no_role"),
    path("more/", views.more, name="more"),
    # resident
    path("my/", resident.my_requests, name="my_requests"),
    path("my/data/", my_data.my_data, name="my_data"),
    path("my/data/download/", my_data.my_data_download, name="my_data_download"),
    path("my/data/erase/", my_data.my_data_erase, name="my_data_erase"),
    path("file/", filing.file_request, name="file_request"),
    path("file/similar/", filing.file_similar, name="file_similar"),
    # one request
    path("r/<int:pk>/", request_pages.request_detail, name="request_detail"),
    path("r/<int:pk>/do/<slug:action>/", request_pages.request_action, name="request_action"),
    path("r/<int:pk>/follow/", request_pages.request_follow, name="request_follow"),
    path("r/<int:pk>/contact/", request_pages.request_contact, name="request_contact"),
    path("r/<int:pk>/photo/<int:photo_id>/", request_pages.request_photo, name="request_photo"),
    # workers
    path("orders/", orders.my_orders, name="my_orders"),
    # dispatcher
    path("console/", console.console, name="console"),
    path("console/queue/", console.console_queue, name="console_queue"),
    path("console/queue/more/", console.console_queue_more, name="console_queue_more"),
    path("console/r/<int:pk>/", console.console_pane, name="console_pane"),
    path("console/r/<int:pk>/people/", console.console_people, name="console_people"),
    # 星级评定 (ratings)
    path("ratings/", ratings.ratings_index, name="ratings"),
    path("ratings/public/", ratings.ratings_public, name="ratings_public"),
    path("ratings/cycles/open/", ratings.ratings_cycle_open, name="ratings_cycle_open"),
    path("ratings/a/<int:pk>/", ratings.rating_detail, name="rating_detail"),
    path("ratings/a/<int:pk>/scores/", ratings.rating_scores, name="rating_scores"),
    path("ratings/a/<int:pk>/evidence/", ratings.rating_evidence, name="rating_evidence"),
    path("ratings/a/<int:pk>/do/<slug:action>/", ratings.rating_action, name="rating_action"),
    path("ratings/evidence/<int:pk>/", ratings.rating_evidence_file, name="rating_evidence_file"),
    # owners' votes (业主表决)
    path("votes/", votes.vote_list, name="vote_list"),
    path("votes/new/", votes.vote_new, name="vote_new"),
    path("votes/<int:pk>/", votes.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/cast/", votes.vote_cast, name="vote_cast"),
    path("votes/<int:pk>/do/<slug:action>/", votes.vote_action, name="vote_action"),
    path("votes/<int:pk>/paper/", votes.vote_paper, name="vote_paper"),
    path("votes/<int:pk>/import/", votes.vote_import, name="vote_import"),
    path("votes/<int:pk>/template.xlsx", votes.vote_template, name="vote_template"),
    path("votes/<int:pk>/result/", votes.vote_result, name="vote_result"),
    path("votes/<int:pk>/ballots/", votes.vote_ballots, name="vote_ballots"),
    path(
        "votes/<int:pk>/ballots/<int:ballot_id>/document/",
        votes.vote_ballot_document,
        name="vote_ballot_document",
    ),
    # notices (通知公告): a notice's page, QR code and files are public when it is
    path("n/", notices.notices, name="notices"),
    path("n/new/", notices.notice_new, name="notice_new"),
    path("n/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("n/<int:pk>/qr.svg", notices.notice_qr, name="notice_qr"),
    path("n/<int:pk>/file/<int:attachment_id>/", notices.notice_file, name="notice_file"),
    path("n/<int:pk>/do/<slug:action>/", notices.notice_action, name="notice_action"),
    path("n/<int:pk>/reach/", notices.notice_reach, name="notice_reach"),
    # special campaigns (专项整治)
    path("c/", campaigns.campaigns, name="campaigns"),
    path("c/new/", campaigns.campaign_new, name="campaign_new"),
    path("c/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("c/<int:pk>/report/", campaigns.campaign_report, name="campaign_report"),
    path("c/<int:pk>/close/", campaigns.campaign_close, name="campaign_close"),
    path("c/i/<int:pk>/", campaigns.campaign_item, name="campaign_item"),
    path(
        "c/i/<int:pk>/do/<slug:action>/",
        campaigns.campaign_item_action,
        name="campaign_item_action",
    ),
    path("c/i/<int:pk>/photo/<int:photo_id>/", campaigns.campaign_photo, name="campaign_photo"),
    # everyone
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/<int:pk>/open/", inbox.inbox_open, name="inbox_open"),
    # 值班: 我的排班 and 交接班 (duty)
    path("duty/", duty.duty_mine, name="duty_mine"),
    path("duty/handover/", duty.duty_handover, name="duty_handover"),
    path("duty/handover/<int:pk>/", duty.duty_handover_detail, name="duty_handover_detail"),
    path(
        "duty/handover/<int:pk>/acknowledge/",
        duty.duty_handover_acknowledge,
        name="duty_handover_acknowledge",
    ),
    path("duty/rotas/", duty.duty_rotas, name="duty_rotas"),
    path("duty/rotas/<int:pk>/end/", duty.duty_rota_end, name="duty_rota_end"),
]

# 物业党建 (party)
urlpatterns += [
    path("party/", party_views.party_index, name="party"),
    path("party/me/", party_views.party_me, name="party_me"),
    path("party/company/<int:pk>/", party_views.party_company, name="party_company"),
    path(
        "party/company/<int:pk>/members/",
        party_views.party_member_register,
        name="party_member_register",
    ),
    path("party/company/<int:pk>/propose/", party_views.party_propose, name="party_propose"),
    path(
        "party/member/<int:pk>/reveal/", party_views.party_member_reveal, name="party_member_reveal"
    ),
    path(
        "party/proposal/<int:pk>/do/<slug:action>/",
        party_views.party_proposal_action,
        name="party_proposal_action",
    ),
    path("party/posts/", party_views.party_posts, name="party_posts"),
    path("party/posts/new/", party_views.party_post_new, name="party_post_new"),
    path("party/posts/<int:pk>/end/", party_views.party_post_end, name="party_post_end"),
    path("party/appointments/", party_views.party_appointments, name="party_appointments"),
    path(
        "party/appointments/<int:pk>/end/",
        party_views.party_appointment_end,
        name="party_appointment_end",
    ),
    path("party/supervision/", party_views.party_supervision, name="party_supervision"),
    path(
        "party/supervision/<int:pk>/",
        party_views.party_supervision_detail,
        name="party_supervision_detail",
    ),
    path(
        "party/supervision/<int:pk>/do/<slug:action>/",
        party_views.party_supervision_action,
        name="party_supervision_action",
    ),
]
