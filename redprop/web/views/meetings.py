"""议事协商 pages, phone first: the meetings list, one meeting (agenda, check-in QR
code, attendance, minutes, resolutions), raising an issue, 上会 from a request, the
check-in page a resident's phone opens, the minutes PDF and the calendar feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.meetings import permissions, selectors, services
from redprop.meetings.choices import (
    FeedKind,
    MeetingStatus,
)
from redprop.meetings.models import (
    AgendaItem,
    CalendarFeed,
    Participant,
    Resolution,
)
from redprop.meetings.workflow import MEETING, RESOLUTION
from redprop.web.access import forbidden, role_required, viewable_request
from redprop.web.views.meetings_forms import (
    ORGANISER_ROLES,
    IssueForm,
    MinutesForm,
    ProgressForm,
    ResolutionForm,
    SpawnRequestForm,
    VoteLaunchForm,
    _meeting,
    _orgs_for,
    _place_of,
    _places,
    detail_context,
)

# --- pages ------------------------------------------------------------------------------------


@require_GET
@role_required()
def meeting_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    scope = user.scope_set()
    return render(
        request,
        "web/meetings/list.html",
        {
            "upcoming": selectors.meeting_list(scope=scope, upcoming=True, limit=12),
            "past": selectors.meeting_list(scope=scope, upcoming=False, limit=12),
            "my_issues": selectors.my_issues(user=user),
            "can_propose": bool(_places(user)),
            "organiser": user.has_role(*ORGANISER_ROLES),
            "series": selectors.series_list(scope=user.scope_set(*ORGANISER_ROLES))
            if user.has_role(*ORGANISER_ROLES)
            else [],
        },
    )


@require_POST
@role_required(*ORGANISER_ROLES)
def prepare_next(request: HttpRequest) -> HttpResponse:
    """准备下次逢四说事: the community's next consultation meeting (made from its rule
    when it is first needed), for its convener to build the agenda."""
    from redprop.territory.models import Region

    raw = request.POST.get("community", "")
    community = (
        Region.objects.filter(pk=int(raw), level="community").first()
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if community is None or not permissions.community_in_reach(
        request.user, community, roles=ORGANISER_ROLES
    ):
        raise Http404
    try:
        m = services.next_meeting(community=community)
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("meetings:list")
    return redirect("meetings:detail", pk=m.pk)


@require_GET
@role_required()
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "web/meetings/detail.html", detail_context(request, _meeting(request, pk))
    )


@require_POST
@role_required(*ORGANISER_ROLES)
def meeting_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    m = _meeting(request, pk)
    if action not in MEETING.actions:
        raise Http404
    user = request.user
    try:
        if action == "convene":
            services.meeting_convene(meeting=m, acting_user=user)
        elif action == "start":
            services.meeting_start(meeting=m, acting_user=user)
        elif action == "finish":
            services.meeting_finish(meeting=m, acting_user=user)
        elif action == "publish_minutes":
            services.meeting_publish_minutes(
                meeting=m, summary=request.POST.get("summary", ""), acting_user=user
            )
        else:
            services.meeting_cancel(
                meeting=m, reason=request.POST.get("cancel-reason", ""), acting_user=user
            )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect("meetings:detail", pk=pk)
    messages.success(request, _("已%(verb)s") % {"verb": MEETING[action].verb})
    return redirect("meetings:detail", pk=pk)


@require_POST
@role_required(*ORGANISER_ROLES)
def agenda_build(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    try:
        items = services.agenda_build(meeting=m, acting_user=request.user)
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
    else:
        messages.success(request, _("议程共 %(n)s 项") % {"n": len(items)})
    return redirect("meetings:detail", pk=pk)


@require_POST
@role_required(*ORGANISER_ROLES)
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request, pk)
    raw = request.POST.get("issue", "")
    issue = (
        selectors.issues_visible(scope=request.user.scope_set()).filter(pk=int(raw)).first()  # type: ignore[union-attr]
        if raw.isdigit() and len(raw) < 19
        else None
    )
    if issue is None:
        messages.error(request, _("议题不存在"))
        return redirect("meetings:detail", pk=pk)
    try:
        services.agenda_add(meeting=m, issue=issue, acting_user=request.user)
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
    else:
        messages.success(request, _("已列入议程"))
    return redirect("meetings:detail", pk=pk)


@require_POST
@role_required(*ORGANISER_ROLES)
def agenda_move(request: HttpRequest, pk: int) -> HttpResponse:
    """上移/下移: one agenda item one place up or down (the order is the convener's)."""
    m = _meeting(request, pk)
    ids = list(m.items.order_by("position", "pk").values_list("pk", flat=True))
    raw, direction = request.POST.get("item", ""), request.POST.get("dir", "")
    item_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    if item_id not in ids or direction not in ("up", "down"):
        messages.error(request, _("议程不存在"))
        return redirect("meetings:detail", pk=pk)
    at = ids.index(item_id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    try:
        services.agenda_reorder(meeting=m, item_ids=ids, acting_user=request.user)
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
    return redirect(reverse("meetings:detail", args=[pk]) + f"#item-{item_id}")


@require_GET
@role_required(*ORGANISER_ROLES)
def meeting_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in QR code (SVG) of a meeting in progress: a signed link that expires;
    the page fetches a fresh one every minute."""
    import io

    import segno

    m = _meeting(request, pk)
    if not permissions.is_organiser(request.user, m) or m.status != MeetingStatus.IN_PROGRESS:
        return forbidden(request)
    url = request.build_absolute_uri(reverse("meetings:checkin", args=[services.checkin_token(m)]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False)
    response = HttpResponse(buf.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@role_required()
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """What a resident's phone opens from the QR code: one button to sign in."""
    ctx: dict[str, Any] = {"token": token, "error": "", "done": None, "meeting": None}
    try:
        ctx["meeting"] = services.checkin_meeting(token)
    except ApplicationError as err:
        ctx["error"] = err.message
        return render(request, "web/meetings/checkin.html", ctx, status=err.status)
    if request.method == "POST":
        try:
            ctx["done"] = services.checkin_scan(token=token, acting_user=request.user)
        except ApplicationError as err:
            ctx["error"] = err.message
            return render(request, "web/meetings/checkin.html", ctx, status=err.status)
    return render(request, "web/meetings/checkin.html", ctx)


@require_POST
@role_required(*ORGANISER_ROLES)
def attendance_mark(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    m = _meeting(request, pk)
    row = Participant.objects.filter(pk=participant_id, meeting=m).first()
    if row is None:
        raise Http404
    try:
        services.attendance_mark(
            participant=row, present=request.POST.get("present") == "1", acting_user=request.user
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
    return redirect(reverse("meetings:detail", args=[pk]) + "#attendance")


def _item(request: HttpRequest, pk: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting", "issue").filter(pk=pk).first()
    if item is None or not request.user.scope_set().contains(item.meeting):  # type: ignore[union-attr]
        raise Http404
    return item


@require_POST
@role_required(*ORGANISER_ROLES)
def item_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = MinutesForm(request.POST, prefix=f"m{item.pk}")
    if form.is_valid():
        try:
            services.minutes_record(
                item=item,
                discussion=form.cleaned_data["discussion"],
                deferred=form.cleaned_data["deferred"],
                acting_user=request.user,
            )
            messages.success(request, _("已记录"))
            return redirect(reverse("meetings:detail", args=[item.meeting_id]) + f"#item-{pk}")
        except ApplicationError as err:
            if err.status == 403:
                return forbidden(request, err.message)
            form.fail(err)
    ctx = detail_context(request, item.meeting, bound_minutes={item.pk: form})
    return render(request, "web/meetings/detail.html", ctx, status=form.error_status)


@require_POST
@role_required(*ORGANISER_ROLES)
def item_resolution(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ResolutionForm(request.POST, prefix=f"r{item.pk}", orgs=_orgs_for(item.meeting))
    if form.is_valid():
        org = form.orgs.get(form.cleaned_data["responsible"])
        try:
            services.resolution_adopt(
                item=item,
                text=form.cleaned_data["text"],
                deadline=form.cleaned_data["deadline"],
                responsible_org=org,
                acting_user=request.user,
            )
            messages.success(request, _("决议已记录"))
            return redirect(reverse("meetings:detail", args=[item.meeting_id]) + f"#item-{pk}")
        except ApplicationError as err:
            if err.status == 403:
                return forbidden(request, err.message)
            if err.field == "responsible_org":
                err.field = "responsible"
            form.fail(err)
    ctx = detail_context(request, item.meeting, bound_resolution={item.pk: form})
    return render(request, "web/meetings/detail.html", ctx, status=form.error_status)


@require_POST
@role_required()
def resolution_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    res = Resolution.objects.select_related("item__meeting").filter(pk=pk).first()
    if res is None or not request.user.scope_set().contains(res.item.meeting):  # type: ignore[union-attr]
        raise Http404
    if action not in RESOLUTION.actions:
        raise Http404
    form = ProgressForm(request.POST, request.FILES, prefix=f"p{res.pk}")
    back = reverse("meetings:detail", args=[res.item.meeting_id]) + f"#item-{res.item_id}"
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        services.resolution_step(
            resolution=res,
            action=action,
            note=form.cleaned_data["note"],
            photo=form.cleaned_data.get("photo"),
            acting_user=request.user,
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect(back)
    messages.success(request, _("已%(verb)s") % {"verb": RESOLUTION[action].verb})
    return redirect(back)


@require_http_methods(["GET", "POST"])
@role_required(*permissions.PROPOSERS)
def issue_new(request: HttpRequest) -> HttpResponse:
    """提议题 from the phone."""
    places = _places(request.user)
    if not places:
        return forbidden(request, _("您所在的社区或小区尚未开通议事协商"))
    form = IssueForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.issue_propose(
                place=_place_of(form.cleaned_data["place"]),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                acting_user=request.user,
            )
        except ApplicationError as err:
            form.fail(err)
        else:
            messages.success(
                request, _("议题“%(title)s”已提交，社区将安排上会") % {"title": issue.title}
            )
            return redirect("meetings:list")
    status = form.error_status if form.errors else 200
    return render(request, "web/meetings/issue_new.html", {"form": form}, status=status)


@require_POST
@role_required(*ORGANISER_ROLES)
def request_to_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """上会 from the request page or the console: one action."""
    obj = viewable_request(request.user, pk)
    try:
        item = services.issue_from_request(
            request=obj, note=request.POST.get("note", ""), acting_user=request.user
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect("web:request_detail", pk=pk)
    messages.success(request, _("已提交上会：%(title)s") % {"title": item.meeting.title})
    return redirect("web:request_detail", pk=pk)


@require_GET
@role_required()
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    from redprop.meetings.pdf import minutes_pdf as build

    m = _meeting(request, pk)
    if m.status != MeetingStatus.CLOSED and not permissions.is_organiser(request.user, m):
        raise Http404
    response = HttpResponse(build(meeting=m), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{m.pk}.pdf"'
    return response


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret iCalendar URL (no login: the token is the key; revoked → 404)."""
    f = selectors.feed_by_token(token=token)
    if f is None:
        raise Http404
    response = HttpResponse(
        selectors.feed_ical(feed=f), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=900"
    return response


@require_http_methods(["GET", "POST"])
@role_required()
def feeds(request: HttpRequest) -> HttpResponse:
    """我的日历订阅: make a secret URL for a community or for one's own meetings."""
    user: Any = request.user
    from redprop.territory.models import Region

    communities = [
        c
        for c in Region.objects.filter(level="community").order_by("name")[:500]
        if permissions.community_in_reach(user, c)
    ][:50]
    error = ""
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        raw = request.POST.get("community", "")
        community = next((c for c in communities if str(c.pk) == raw), None)
        try:
            services.feed_issue(user=user, kind=kind, community=community, acting_user=user)
        except ApplicationError as err:
            error, status = err.message, err.status
        else:
            messages.success(request, _("已生成订阅地址"))
            return redirect("meetings:feeds")
    rows = [
        (f, request.build_absolute_uri(reverse("meetings:feed", args=[f.token])))
        for f in selectors.feeds_of(user=user)
    ]
    return render(
        request,
        "web/meetings/feeds.html",
        {"rows": rows, "communities": communities, "error": error, "FeedKind": FeedKind},
        status=status,
    )


@require_POST
@role_required()
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    f = CalendarFeed.objects.filter(pk=pk, user=request.user, revoked_at__isnull=True).first()
    if f is None:
        raise Http404
    services.feed_revoke(feed=f, acting_user=request.user)
    messages.success(request, _("订阅地址已吊销"))
    return redirect("meetings:feeds")


def _resolution_form_action(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    prefix: str,
    act: Callable[[Resolution, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """A resolution's form on the meeting page (发起业主表决, 转为工单): the resolution
    in the user's scope, the form's errors or the service's refusal shown back at the
    item, ``done`` on success."""
    res = Resolution.objects.select_related("item__meeting").filter(pk=pk).first()
    if res is None or not request.user.scope_set().contains(res.item.meeting):  # type: ignore[union-attr]
        raise Http404
    back = reverse("meetings:detail", args=[res.item.meeting_id]) + f"#item-{res.item_id}"
    form = form_class(request.POST, prefix=f"{prefix}{res.pk}")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        act(res, form.cleaned_data)
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


@require_POST
@role_required()
def resolution_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """发起业主表决: the resolution launches an owners' vote and follows it."""
    return _resolution_form_action(
        request,
        pk,
        VoteLaunchForm,
        "v",
        lambda res, data: services.resolution_launch_vote(
            resolution=res,
            item=data["item"],
            title=data["title"],
            closes_at=clock.now() + dt.timedelta(days=data["days"]),
            acting_user=request.user,
        ),
        _("已发起业主表决"),
    )


@require_POST
@role_required()
def resolution_request(request: HttpRequest, pk: int) -> HttpResponse:
    """转为工单: the resolution files a service request and follows it."""
    from redprop.requests.models import Category

    return _resolution_form_action(
        request,
        pk,
        SpawnRequestForm,
        "s",
        lambda res, data: services.resolution_spawn_request(
            resolution=res,
            category=Category.objects.get(code=data["category"], is_active=True),
            description=data["description"],
            acting_user=request.user,
        ),
        _("已转为工单"),
    )
