"""议事协商 pages, phone first: the meetings list, one meeting (agenda, check-in QR
code, attendance, minutes, resolutions), raising an issue, 上会 from a request, the
check-in page a resident's phone opens, the minutes PDF and the calendar feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.meetings import permissions, selectors, services
from redprop.meetings.choices import (
    UNFINISHED_RESOLUTION_STATES,
    FeedKind,
    MeetingStatus,
    ResolutionStatus,
)
from redprop.meetings.models import (
    MINUTES_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    CalendarFeed,
    Participant,
    Resolution,
)
from redprop.meetings.workflow import MEETING, RESOLUTION
from redprop.web.access import forbidden, role_required, viewable_request

ORGANISER_ROLES = permissions.DESKS


# --- forms ------------------------------------------------------------------------------------


class ServiceForm(forms.Form):
    """A form whose ``save`` calls a service; an ApplicationError lands on its field."""

    error_status = 400

    def fail(self, err: ApplicationError) -> None:
        self.error_status = err.status
        self.add_error(err.field if err.field in self.fields else None, err.message)


class IssueForm(ServiceForm):
    place = forms.ChoiceField(label=gettext_lazy("社区或小区"))
    title = forms.CharField(label=gettext_lazy("议题"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=gettext_lazy("具体情况"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["place"].choices = places  # type: ignore[attr-defined]


class MinutesForm(ServiceForm):
    discussion = forms.CharField(
        label=gettext_lazy("讨论情况"),
        max_length=MINUTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deferred = forms.BooleanField(label=gettext_lazy("暂缓，下次会议再议"), required=False)


class ResolutionForm(ServiceForm):
    text = forms.CharField(
        label=gettext_lazy("决议"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = forms.ChoiceField(label=gettext_lazy("责任单位"))
    deadline = forms.DateField(
        label=gettext_lazy("完成时限"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, orgs: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.orgs = {str(o.pk): o for o in orgs}
        self.fields["responsible"].choices = [("", "—")] + [
            (k, o.name) for k, o in self.orgs.items()
        ]  # type: ignore[attr-defined]


class ProgressForm(ServiceForm):
    note = forms.CharField(
        label=gettext_lazy("进展情况"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photo = forms.ImageField(label=gettext_lazy("现场照片"), required=False)


class VoteLaunchForm(ServiceForm):
    """发起业主表决 from a resolution (Civil Code art. 278 items)."""

    item = forms.TypedChoiceField(
        label=gettext_lazy("表决事项（民法典第二百七十八条）"), coerce=int, choices=()
    )
    title = forms.CharField(label=gettext_lazy("表决标题"), max_length=TITLE_MAX)
    days = forms.IntegerField(
        label=gettext_lazy("表决期（天）"), min_value=1, max_value=60, initial=14
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        from redprop.votes.choices import ItemChoice

        self.fields["item"].choices = [(int(v), label) for v, label in ItemChoice.choices]


class CancelForm(ServiceForm):
    reason = forms.CharField(label=gettext_lazy("取消原因"), max_length=200)


# --- helpers ----------------------------------------------------------------------------------


def _meeting(request: HttpRequest, pk: int) -> Any:
    m = selectors.meeting_for_user(user=request.user, meeting_id=pk)
    if m is None:
        raise Http404
    return m


def _orgs_for(meeting: Any) -> list[Any]:
    from django.db.models import Q

    from redprop.orgs.models import Org

    return list(
        Org.objects.filter(is_active=True)
        .filter(
            Q(community_id=meeting.community_id)
            | Q(street_id=meeting.street_id, community__isnull=True)
        )
        .order_by("kind", "name")[:100]
    )


def _places(user: Any) -> list[tuple[str, str]]:
    """Where ``user`` may raise an issue: their communities and compounds."""
    from redprop.territory.models import Compound, Region

    out: list[tuple[str, str]] = []
    if user.has_role(Role.RESIDENT) and user.person_id:
        from redprop.meetings.models import _resident_communities

        ids = list(_resident_communities(user.person_id).values_list("community_id", flat=True))
        for c in Compound.objects.filter(community_id__in=ids).order_by("name")[:50]:
            if permissions.can_propose(user, c):
                out.append((f"c:{c.pk}", c.name))
    for r in Region.objects.filter(level="community").order_by("name")[:500]:
        if len(out) >= 50:
            break
        if permissions.can_propose(user, r) and (f"r:{r.pk}", r.name) not in out:
            out.append((f"r:{r.pk}", r.name))
    return out


def _place_of(value: str) -> Any:
    from redprop.territory.models import Compound, Region

    kind, _sep, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None
    if kind == "c":
        return Compound.objects.filter(pk=int(pk)).first()
    return Region.objects.filter(pk=int(pk), level="community").first()


def detail_context(request: HttpRequest, m: Any, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    items = selectors.agenda(meeting=m)
    latest = selectors.resolutions_of_issue(i.issue_id for i in items)
    organiser = permissions.is_organiser(user, m)
    orgs = _orgs_for(m) if organiser else []
    rows = []
    for item in items:
        res = getattr(item, "resolution", None) or latest.get(item.issue_id)
        steps = sorted(RESOLUTION.available(user, res)) if res is not None else []
        rows.append(
            {
                "item": item,
                "res": res,
                "own_res": hasattr(item, "resolution"),
                "steps": steps,
                "minutes_form": extra.get("bound_minutes", {}).get(item.pk)
                or MinutesForm(prefix=f"m{item.pk}", initial={"discussion": item.discussion}),
                "resolution_form": extra.get("bound_resolution", {}).get(item.pk)
                or ResolutionForm(prefix=f"r{item.pk}", orgs=orgs),
                "progress_form": ProgressForm(prefix=f"p{res.pk}") if res is not None else None,
                "vote_form": VoteLaunchForm(prefix=f"v{res.pk}")
                if res is not None and organiser and res.status in UNFINISHED_RESOLUTION_STATES
                else None,
            }
        )
    pool = (
        [
            i
            for i in selectors.issue_pool(scope=user.scope_set(), community_id=m.community_id)
            if i.status == "collected"
        ]
        if organiser and m.status in ("planned", "convened")
        else []
    )
    return {
        "m": m,
        "rows": rows,
        "organiser": organiser,
        "actions": MEETING.available(user, m),
        "attendance": selectors.attendance_by_party(meeting=m),
        "participants": selectors.participants(meeting=m) if organiser else [],
        "pool": pool,
        "minutes_open": m.status in (MeetingStatus.IN_PROGRESS, MeetingStatus.HELD),
        "show_qr": organiser and m.status == MeetingStatus.IN_PROGRESS,
        "cancel_form": CancelForm(prefix="cancel"),
        "ResolutionStatus": ResolutionStatus,
        **{k: v for k, v in extra.items() if not k.startswith("bound_")},
    }


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


@require_POST
@role_required()
def resolution_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """发起业主表决: the resolution launches an owners' vote and follows it."""
    res = Resolution.objects.select_related("item__meeting").filter(pk=pk).first()
    if res is None or not request.user.scope_set().contains(res.item.meeting):  # type: ignore[union-attr]
        raise Http404
    back = reverse("meetings:detail", args=[res.item.meeting_id]) + f"#item-{res.item_id}"
    form = VoteLaunchForm(request.POST, prefix=f"v{res.pk}")
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        services.resolution_launch_vote(
            resolution=res,
            item=form.cleaned_data["item"],
            title=form.cleaned_data["title"],
            closes_at=clock.now() + dt.timedelta(days=form.cleaned_data["days"]),
            acting_user=request.user,
        )
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        messages.error(request, err.message)
        return redirect(back)
    messages.success(request, _("已发起业主表决"))
    return redirect(back)
