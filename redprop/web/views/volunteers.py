"""志愿服务 pages (namespace ``volunteers``), phone first: the activities, one activity
with sign-up and the volunteer's QR code, the scan page a QR code opens, the organiser's
check-in and approval desk, my volunteering record with its certificate, and the
counts by community."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.core.errors import ApplicationError, NotFound
from redprop.core.inputs import parse_id
from redprop.volunteers import permissions, selectors, services
from redprop.volunteers.choices import HoursStatus
from redprop.volunteers.models import Skill
from redprop.volunteers.workflow import ACTIVITY, HOURS, NEEDS_REASON
from redprop.web.access import forbidden, role_required

PAGE_ROLES = permissions.PAGE_ROLES


def _activity(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.activity_get(user=request.user, activity_id=pk)
    except NotFound:
        raise Http404 from None


def _list_context(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    now = timezone.localtime()
    return {
        "activities": list(selectors.activities_for(user=user)[:200]),
        "teams": list(selectors.teams_for(user=user)[:100]),
        "skills": list(Skill.objects.all()),
        "record": selectors.my_record(user=user) if user.person_id else None,
        "is_staff": user.has_role(*permissions.STAFF_ROLES),
        "default_start": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
        "default_end": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT11:00"),
    }


@require_GET
@role_required(*PAGE_ROLES)
def activity_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/volunteers/list.html", _list_context(request))


def _when(raw: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat((raw or "")[:20])
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@require_POST
@role_required(*PAGE_ROLES)
def activity_new(request: HttpRequest) -> HttpResponse:
    post = request.POST
    team_id = parse_id(post.get("team"))
    starts_at, ends_at = _when(post.get("starts_at", "")), _when(post.get("ends_at", ""))
    try:
        capacity = int(post.get("capacity", "")[:4])
    except ValueError:
        capacity = 0
    try:
        if team_id is None:
            raise NotFound()
        if starts_at is None or ends_at is None:
            raise ApplicationError(
                "volunteer_bad_times", _("请填写开始和结束时间"), field="starts_at"
            )
        a = services.activity_create(
            team_id=team_id,
            title=post.get("title", ""),
            place=post.get("place", ""),
            description=post.get("description", ""),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            skills=post.getlist("skills")[:20],
            acting_user=request.user,
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        ctx = _list_context(request) | {"error": err, "posted": post}
        return render(request, "web/volunteers/list.html", ctx, status=err.status)
    messages.success(request, _("已创建活动草稿，请核对后发布"))
    return redirect("volunteers:detail", pk=a.pk)


@require_POST
@role_required(*PAGE_ROLES)
def join(request: HttpRequest) -> HttpResponse:
    try:
        services.volunteer_join(
            skills=request.POST.getlist("skills")[:20], acting_user=request.user
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect("volunteers:list")
    messages.success(request, _("已登记为志愿者，欢迎加入居民服务联盟"))
    return redirect("volunteers:list")


def _detail_context(request: HttpRequest, a: Any) -> dict[str, Any]:
    user: Any = request.user
    actions = [
        {"name": n, "verb": ACTIVITY[n].verb, "reason": n in NEEDS_REASON}
        for n in ACTIVITY.available(user, a)
    ]
    return {
        "a": a,
        "actions": actions,
        "mine": selectors.my_signup(user=user, activity=a),
        "is_volunteer": permissions.is_volunteer(user, a),
        "is_organiser": permissions.is_organiser(user, a),
        "skills": list(a.skills.all()),
        "early": int(services.EARLY_CHECKIN.total_seconds() // 60),
    }


@require_GET
@role_required(*PAGE_ROLES)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    a = _activity(request, pk)
    return render(request, "web/volunteers/detail.html", _detail_context(request, a))


def _run(request: HttpRequest, fn: Any, ok: str, back: str, pk: int) -> HttpResponse:
    try:
        fn()
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        response = redirect(back, pk=pk)
        return response
    messages.success(request, ok)
    return redirect(back, pk=pk)


@require_POST
@role_required(*PAGE_ROLES)
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    _activity(request, pk)
    return _run(
        request,
        lambda: services.signup_create(activity_id=pk, acting_user=request.user),
        _("报名成功"),
        "volunteers:detail",
        pk,
    )


@require_POST
@role_required(*PAGE_ROLES)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _activity(request, pk)
    return _run(
        request,
        lambda: services.signup_withdraw(activity_id=pk, acting_user=request.user),
        _("已取消报名"),
        "volunteers:detail",
        pk,
    )


@require_POST
@role_required(*PAGE_ROLES)
def step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    a = _activity(request, pk)
    if action not in ACTIVITY.actions:
        raise Http404
    if not permissions.is_organiser(request.user, a):
        return forbidden(request)
    return _run(
        request,
        lambda: services.activity_transition(
            activity_id=pk,
            action=action,
            reason=request.POST.get("reason", "")[:1000],
            acting_user=request.user,
        ),
        _("已%(verb)s") % {"verb": ACTIVITY[action].verb},
        "volunteers:detail",
        pk,
    )


@require_GET
@role_required(*PAGE_ROLES)
def qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code (SVG): the organiser's is the activity's code (volunteers scan it),
    a signed-up volunteer's is their own (the organiser scans it). Both expire; the
    pages fetch a fresh one every minute."""
    import segno

    user: Any = request.user
    a = _activity(request, pk)
    if permissions.is_organiser(user, a):
        token = services.activity_token(a)
    else:
        mine = selectors.my_signup(user=user, activity=a)
        if mine is None:
            return forbidden(request)
        token = services.signup_token(mine)
    url = request.build_absolute_uri(reverse("volunteers:scan", args=[token]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False)
    response = HttpResponse(buf.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@role_required(*PAGE_ROLES)
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What a phone opens from a QR code: the volunteer's own check-in or check-out
    (the activity's code), or the organiser's for one volunteer (the volunteer's code)."""
    user: Any = request.user
    ctx: dict[str, Any] = {"token": token, "error": None, "done": None, "a": None, "s": None}
    try:
        a, s = services.token_read(token)
    except ApplicationError as err:
        ctx["error"] = err
        return render(request, "web/volunteers/scan.html", ctx, status=err.status)
    if not permissions.can_view(user, a):
        raise Http404
    ctx["a"], ctx["s"] = a, s
    target = s if s is not None else selectors.my_signup(user=user, activity=a)
    ctx["target"] = target
    if request.method == "POST":
        direction = request.POST.get("direction", "")
        try:
            if direction == "checkin":
                ctx["done"] = services.checkin(activity_id=a.pk, signup=s, acting_user=user)
                ctx["done_label"] = _("签到成功")
            elif direction == "checkout":
                record = services.checkout(activity_id=a.pk, signup=s, acting_user=user)
                ctx["done"] = record.signup
                ctx["done_label"] = _("签退成功，本次服务 %(h)s 小时，待组织者认定") % {
                    "h": record.hours
                }
            else:
                raise ApplicationError("validation_error", _("请选择签到或签退"), field="direction")
        except ApplicationError as err:
            if err.status == 403:
                return forbidden(request, err.message)
            ctx["error"] = err
            return render(request, "web/volunteers/scan.html", ctx, status=err.status)
    if target is not None:
        target.refresh_from_db()
    return render(request, "web/volunteers/scan.html", ctx)


@require_GET
@role_required(*PAGE_ROLES)
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's check-in and approval page: the activity's code, who signed up,
    who is in and out, the hours waiting for approval."""
    a = _activity(request, pk)
    if not permissions.is_organiser(request.user, a):
        return forbidden(request)
    pending = selectors.pending_hours(activity=a)
    return render(
        request,
        "web/volunteers/desk.html",
        {
            "a": a,
            "roster": selectors.roster(activity=a),
            "pending": pending,
            "approvable": [r for r in pending if HOURS.allowed("approve", request.user, r)],
            "events": selectors.timeline(activity=a)[-30:],
        },
    )


@require_POST
@role_required(*PAGE_ROLES)
def credit(request: HttpRequest, pk: int, signup_id: int) -> HttpResponse:
    _activity(request, pk)
    from redprop.volunteers.models import Signup

    if not Signup.objects.filter(pk=signup_id, activity_id=pk).exists():
        raise Http404
    return _run(
        request,
        lambda: services.hours_credit(
            signup_id=signup_id,
            hours=request.POST.get("hours", "")[:6] or None,
            acting_user=request.user,
        ),
        _("已记录服务时长，待认定"),
        "volunteers:desk",
        pk,
    )


@require_POST
@role_required(*PAGE_ROLES)
def hours_step(request: HttpRequest, pk: int, record_id: int, action: str) -> HttpResponse:
    _activity(request, pk)
    from redprop.volunteers.models import HoursRecord

    if (
        action not in HOURS.actions
        or not HoursRecord.objects.filter(pk=record_id, activity_id=pk).exists()
    ):
        raise Http404
    return _run(
        request,
        lambda: services.hours_decide(
            record_id=record_id,
            action=action,
            reason=request.POST.get("reason", "")[:1000],
            acting_user=request.user,
        ),
        _("已认定服务时长") if action == "approve" else _("已驳回服务时长"),
        "volunteers:desk",
        pk,
    )


@require_POST
@role_required(*PAGE_ROLES)
def approve_all(request: HttpRequest, pk: int) -> HttpResponse:
    a = _activity(request, pk)
    if not permissions.is_organiser(request.user, a):
        return forbidden(request)
    ids = [
        r.pk
        for r in selectors.pending_hours(activity=a)
        if HOURS.allowed("approve", request.user, r)
    ]
    return _run(
        request,
        lambda: services.hours_approve_bulk(record_ids=ids, acting_user=request.user),
        _("已认定 %(n)s 条服务时长") % {"n": len(ids)},
        "volunteers:desk",
        pk,
    )


@require_GET
@role_required(*PAGE_ROLES)
def my_record(request: HttpRequest) -> HttpResponse:
    record = selectors.my_record(user=request.user)
    return render(
        request,
        "web/volunteers/me.html",
        {"record": record, "approved_status": HoursStatus.APPROVED},
    )


@require_GET
@role_required(*PAGE_ROLES)
def certificate(request: HttpRequest) -> HttpResponse:
    from redprop.volunteers.pdf import certificate_pdf

    record = selectors.my_record(user=request.user)
    if record is None or not record.volunteers:
        raise Http404
    response = HttpResponse(certificate_pdf(record=record), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="volunteer-hours.pdf"'
    return response


@require_GET
@role_required(*permissions.STAFF_ROLES)
def counts(request: HttpRequest) -> HttpResponse:
    rows = selectors.counts_by_community(user=request.user)
    return render(request, "web/volunteers/counts.html", {"rows": rows})
