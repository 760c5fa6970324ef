"""通知公告: the resident's notices, the author's form and list, a notice's page (public
ones without login), its QR code, its steps and its reach (unread per building)."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.core.errors import ApplicationError
from redprop.notices import permissions, selectors, services
from redprop.notices.choices import NoticeKind, NoticeStatus
from redprop.notices.models import BODY_MAX, TITLE_MAX, Notice, NoticeAttachment
from redprop.notices.workflow import WORKFLOW
from redprop.territory import selectors as territory_selectors
from redprop.web.access import forbidden, role_required
from redprop.web.forms import ServiceForm

STAFF = tuple(permissions.STAFF_READER_ROLES)
PLACES_MAX = 300


def share_text(notice: Notice, url: str) -> str:
    """The short text a grid worker pastes into the grid's group chat."""
    when = timezone.localtime(notice.publish_at).strftime("%m-%d %H:%M")
    parts = [f"【{notice.get_kind_display()}】{notice.title}", f"{notice.target_name} · {when}"]
    if notice.expire_at:
        parts[-1] += " — " + timezone.localtime(notice.expire_at).strftime("%m-%d %H:%M")
    parts.append(url)
    return "\n".join(parts)


def place_choices(user: Any) -> list[tuple[str, str]]:
    """The places the user may address, as ``level:id`` (the service judges again)."""
    scope = user.scope_set(*permissions.AUTHOR_ROLES)
    if not scope:
        return []
    out: list[tuple[str, str]] = []
    for level, label in (("street", _("街道")), ("community", _("社区"))):
        for r in territory_selectors.region_list(scope=scope, level=level)[:PLACES_MAX]:
            out.append((f"{level}:{r.pk}", f"{label} · {r.name}"))
    for c in territory_selectors.compound_list(scope=scope)[:PLACES_MAX]:
        out.append((f"compound:{c.pk}", f"{_('小区')} · {c.name}"))
    for g in territory_selectors.grid_list(scope=scope)[:PLACES_MAX]:
        out.append((f"grid:{g.pk}", f"{_('网格')} · {g.name}"))
    for b in territory_selectors.building_list(scope=scope)[:PLACES_MAX]:
        out.append((f"building:{b.pk}", f"{_('楼栋')} · {b.compound.name}{b.name}"))
    return [(v, label) for v, label in out if permissions.can_target(user, _node(v))]


def _node(value: str) -> Any:
    level, _sep, pk = value.partition(":")
    return selectors.target_node(level=level, target_id=int(pk)) if pk.isdigit() else None


class NoticeForm(ServiceForm):
    field_aliases = {"target_id": "place", "target_level": "place", "file": "attachment"}

    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=NoticeKind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=gettext_lazy("正文"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    place = forms.ChoiceField(label=gettext_lazy("发布范围"))
    is_public = forms.BooleanField(
        label=gettext_lazy("公开（无需登录即可查看，可转发到群）"), required=False, initial=True
    )
    pinned = forms.BooleanField(label=gettext_lazy("置顶"), required=False)
    publish_at = forms.DateTimeField(
        label=gettext_lazy("发布时间（留空为立即）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    expire_at = forms.DateTimeField(
        label=gettext_lazy("截止时间（可不填）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    attachment = forms.FileField(
        label=gettext_lazy("附件（图片或 PDF，可不填）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )
    publish = forms.TypedChoiceField(
        label=gettext_lazy("保存方式"),
        choices=[("1", gettext_lazy("立即发布")), ("0", gettext_lazy("存为草稿"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices(self.acting_user)

    def perform(self, data: dict[str, Any]) -> Any:
        level, _sep, pk = data["place"].partition(":")
        from django.db import transaction

        with transaction.atomic():
            notice = services.notice_create(
                acting_user=self.acting_user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                target_level=level,
                target_id=int(pk),
                is_public=data["is_public"],
                pinned=data["pinned"],
                publish_at=data.get("publish_at"),
                expire_at=data.get("expire_at"),
            )
            if data.get("attachment"):
                services.notice_attach(
                    notice=notice, upload=data["attachment"], acting_user=self.acting_user
                )
            if data["publish"]:
                notice = services.notice_publish(notice=notice, acting_user=self.acting_user)
        return notice


@require_GET
@role_required()
def notices(request: HttpRequest) -> HttpResponse:
    """Residents: the notices of their homes. Staff: the notices of their scope."""
    user: Any = request.user
    mine = list(selectors.notices_for_resident(user=user)[:100]) if user.person_id else []
    staff_rows: list[Notice] = []
    status = request.GET.get("status", "")
    if user.has_role(*STAFF):
        staff_rows = list(
            selectors.notice_list(
                scope=user.scope_set(*STAFF),
                status=status if status in NoticeStatus.values else None,
            )[:100]
        )
    return render(
        request,
        "web/notices/list.html",
        {
            "mine": mine,
            "staff_rows": staff_rows,
            "is_staff": user.has_role(*STAFF),
            "can_author": user.has_role(*permissions.AUTHOR_ROLES),
            "statuses": NoticeStatus.choices,
            "status": status,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*permissions.AUTHOR_ROLES)
def notice_new(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None, request.FILES or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        return redirect("web:notice_detail", form.result.pk)
    status = form.error_status if request.method == "POST" else 200
    return render(request, "web/notices/new.html", {"form": form}, status=status)


def _readable(request: HttpRequest, pk: int) -> Notice | HttpResponse:
    notice = Notice.objects.select_related("compound").filter(pk=pk).first()
    if notice is not None and permissions.can_read(request.user, notice):
        return notice
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice's page: a live public notice for anyone (the group chat's QR code), a
    private one for the people of its target after login, any for its place's staff.
    Opening it counts as read for a person of the target."""
    notice = _readable(request, pk)
    if isinstance(notice, HttpResponse):
        return notice
    user: Any = request.user
    counted = False
    if user.is_authenticated:
        counted = services.notice_mark_read(notice=notice, user=user)
    url = request.build_absolute_uri(notice.get_absolute_url())
    actions = WORKFLOW.available(user, notice) if user.is_authenticated else {}
    is_publisher = user.is_authenticated and permissions.is_publisher(user, notice)
    return render(
        request,
        "web/notices/detail.html",
        {
            "n": notice,
            "share_text": share_text(notice, url),
            "attachments": list(notice.attachments.all()),
            "actions": sorted(a for a in actions if a != "expire"),
            "can_pin": is_publisher
            and notice.status in (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED),
            "is_staff": user.is_authenticated and permissions.is_staff_reader(user, notice),
            "read_count": selectors.read_count(notice)
            if user.is_authenticated and permissions.is_staff_reader(user, notice)
            else None,
            "counted": counted,
            "events": list(notice.events.select_related("actor")) if is_publisher else [],
        },
    )


@require_GET
def notice_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code to the notice's page (SVG), as readable as the page itself."""
    notice = _readable(request, pk)
    if isinstance(notice, HttpResponse):
        return notice
    url = request.build_absolute_uri(notice.get_absolute_url())
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=6, dark="#1a1a1a", title=notice.title)
    return HttpResponse(mark_safe(svg), content_type="image/svg+xml")  # noqa: S308  # nosec B308 B703 - segno builds the SVG and escapes the title


@require_GET
def notice_file(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    notice = _readable(request, pk)
    if isinstance(notice, HttpResponse):
        return notice
    att = NoticeAttachment.objects.filter(pk=attachment_id, notice=notice).first()
    if att is None:
        raise Http404
    response = FileResponse(att.file.open("rb"), content_type=att.content_type)
    response["Content-Disposition"] = f'inline; filename="{att.token}.{att.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _staff_notice(request: HttpRequest, pk: int) -> Notice:
    user: Any = request.user
    notice = (
        selectors.notice_list(scope=user.scope_set(*STAFF))
        .select_related("compound")
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


@require_POST
@role_required(*STAFF)
def notice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    notice = _staff_notice(request, pk)
    user: Any = request.user
    try:
        if action == "publish":
            services.notice_publish(notice=notice, acting_user=user)
        elif action == "withdraw":
            services.notice_withdraw(
                notice=notice, acting_user=user, reason=request.POST.get("reason", "")[:200]
            )
        elif action in ("pin", "unpin"):
            services.notice_pin(notice=notice, acting_user=user, pinned=action == "pin")
        else:
            raise Http404
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        if err.status == 404:
            raise Http404 from err
        from django.contrib import messages

        messages.error(request, err.message)
    return redirect("web:notice_detail", notice.pk)


@require_GET
@role_required(*STAFF)
def notice_reach(request: HttpRequest, pk: int) -> HttpResponse:
    """Unread per building, most unread first: the grid worker's door-to-door list."""
    notice = _staff_notice(request, pk)
    user: Any = request.user
    rows = selectors.notice_reach(notice=notice, scope=user.scope_set(*STAFF))
    return render(
        request,
        "web/notices/reach.html",
        {
            "n": notice,
            "rows": rows,
            "people": sum(r.people for r in rows),
            "read": sum(r.read for r in rows),
        },
    )
