"""值班 pages: 我的排班 (every worker role: the next two weeks of shifts, hand-overs
waiting for them) and 交接班 (write the hand-over of the shift that is running or just
ended, with the open orders it passes on; the incoming worker acknowledges)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError, ErrorCode, NotFound
from redprop.core.inputs import parse_id
from redprop.duty import permissions, ports, selectors, services
from redprop.duty.choices import MAX_ROTA_MEMBERS, WEEKDAY_LABELS, DayRule, RotaMode
from redprop.duty.workflow import WORKFLOW
from redprop.web.access import role_required

DAYS_AHEAD = 14


@require_GET
@role_required(*permissions.WORKER_ROLES)
def duty_mine(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    entries = selectors.my_shifts(
        user, today - dt.timedelta(days=1), today + dt.timedelta(days=DAYS_AHEAD - 1)
    )
    now = timezone.now()
    entries = [e for e in entries if e.end > now or e.day >= today]
    days = [(day, list(rows)) for day, rows in groupby(entries, key=lambda e: e.day)]
    handovers = selectors.handover_list(user=user, scope=user.scope_set(*permissions.ROSTER_ROLES))
    return render(
        request,
        "web/duty/mine.html",
        {
            "days": days,
            "today": today,
            "now": now,
            "waiting": list(handovers.filter(to_user=user, status="pending")[:20]),
            "can_rota": user.has_role(*ROTA_PAGE_ROLES),
        },
    )


def _current(user: Any) -> Any:
    """The occurrence a hand-over written now would be about (or None)."""
    now = timezone.now()
    today = timezone.localdate()
    started = [
        e for e in selectors.my_shifts(user, today - dt.timedelta(days=1), today) if e.start <= now
    ]
    return max(started, key=lambda e: (e.start, e.shift.pk)) if started else None


def _handover_page(
    request: HttpRequest, *, error: ApplicationError | None = None, note: str = ""
) -> HttpResponse:
    user: Any = request.user
    current = _current(user)
    orders = []
    already = None
    if current is not None:
        orders = ports.open_orders(
            user=user,
            org_id=current.shift.org_id,
            community_id=current.shift.community_id,
            limit=services.HANDOVER_ITEMS_MAX,
        )
        already = current.shift.handovers.filter(day=current.day).first()
    rows = selectors.handover_list(user=user, scope=user.scope_set(*permissions.ROSTER_ROLES))
    return render(
        request,
        "web/duty/handover.html",
        {
            "current": current,
            "orders": orders,
            "already": already,
            "rows": list(rows[:30]),
            "error": error,
            "note": note,
            "note_max": services.HANDOVER_NOTE_MAX,
        },
        status=error.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*permissions.WORKER_ROLES)
def duty_handover(request: HttpRequest) -> HttpResponse:
    """GET: the hand-over form and the list; POST: 交班."""
    if request.method == "GET":
        return _handover_page(request)
    note = request.POST.get("note", "")
    try:
        h = services.handover_write(acting_user=request.user, note=note)  # type: ignore[arg-type]
    except ApplicationError as err:
        return _handover_page(request, error=err, note=note[: services.HANDOVER_NOTE_MAX])
    messages.success(request, _("已交班，等待 %(name)s 接班") % {"name": h.to_user})
    return redirect("web:duty_handover_detail", pk=h.pk)


def _detail(
    request: HttpRequest, pk: int, *, error: ApplicationError | None = None
) -> HttpResponse:
    user: Any = request.user
    h = selectors.handover_get(user=user, scope=user.scope_set(*permissions.ROSTER_ROLES), pk=pk)
    if h is None:
        raise Http404
    return render(
        request,
        "web/duty/handover_detail.html",
        {
            "h": h,
            "items": list(h.items.all()),
            "events": list(h.events.select_related("actor")),
            "can_ack": "acknowledge" in WORKFLOW.available(user, h),
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(*permissions.ROSTER_ROLES)
def duty_handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@role_required(*permissions.ROSTER_ROLES)
def duty_handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """接班: only the incoming worker named on it."""
    try:
        services.handover_acknowledge(
            acting_user=request.user,  # type: ignore[arg-type]
            handover_id=pk,
            note=request.POST.get("note", ""),
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        return _detail(request, pk, error=err)
    messages.success(request, _("已确认接班"))
    return redirect("web:duty_handover_detail", pk=pk)


# --- 轮值坐班表: the community's desk draws up its office rota ----------------------------

ROTA_PAGE_ROLES = (
    Role.COMMUNITY_STAFF,
    Role.COMPANY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)


def _my_communities(user: Any) -> list[Any]:
    """The communities whose residents' committee the user's community-staff role
    rosters (the form's choices)."""
    from redprop.territory.models import Region

    ids = [s.node_id for s in user.scope_set(Role.COMMUNITY_STAFF) if s.kind == "community"]
    return list(Region.objects.filter(pk__in=ids, level="community").order_by("name"))


def _my_companies(user: Any) -> list[tuple[Any, list[Any]]]:
    """The property companies whose desk the user's company-staff role is, each with the
    communities where it serves a compound (a company's own office rota, 物业服务站)."""
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import Org
    from redprop.territory.models import Compound, Region

    ids = [s.node_id for s in user.scope_set(Role.COMPANY_STAFF) if s.kind == "org"]
    companies = Org.objects.filter(pk__in=ids, kind=OrgKind.PROPERTY_COMPANY, is_active=True)
    out = []
    for company in companies.order_by("name"):
        served = Compound.objects.filter(company=company).values("community_id")
        communities = list(Region.objects.filter(pk__in=served, level="community").order_by("name"))
        if communities:
            out.append((company, communities))
    return out


def _cadres(community: Any) -> list[Any]:
    from redprop.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.COMMUNITY_STAFF,
            roles__region=community,
            roles__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("display_name", "id")
    )


def _company_staff(company: Any) -> list[Any]:
    from redprop.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.COMPANY_STAFF,
            roles__org=company,
            roles__revoked_at__isnull=True,
        )
        .distinct()
        .order_by("display_name", "id")
    )


def _rota_page(
    request: HttpRequest, *, error: ApplicationError | None = None, posted: Any = None
) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    rotas = [
        (r, permissions.may_edit_rota(user, r.org, r.community))
        for r in selectors.rota_list(scope=user.scope_set(*ROTA_PAGE_ROLES)).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=today)
        )[:200]
    ]
    return render(
        request,
        "web/duty/rotas.html",
        {
            "rotas": rotas,
            "forms": [(c, _cadres(c)) for c in _my_communities(user)],
            "company_forms": [
                (company, communities, _company_staff(company))
                for company, communities in _my_companies(user)
            ],
            "modes": RotaMode.choices,
            "day_rules": DayRule.choices,
            "weekdays": list(enumerate(WEEKDAY_LABELS)),
            "error": error,
            "posted": posted,
            "today": today,
        },
        status=error.status if error else 200,
    )


def _time(value: str, field: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ApplicationError(ErrorCode.VALIDATION, _("时间格式不正确"), field=field) from None


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(ErrorCode.VALIDATION, _("日期格式不正确"), field=field) from None


@require_http_methods(["GET", "POST"])
@role_required(*ROTA_PAGE_ROLES)
def duty_rotas(request: HttpRequest) -> HttpResponse:
    """GET: the rotas in scope and, for a community's desk, the form; POST: 制定."""
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import Org

    if request.method == "GET":
        return _rota_page(request)
    user: Any = request.user
    try:
        if request.POST.get("org"):  # a company's own office (its desk staff)
            desks = {c.pk: cs for c, cs in _my_companies(user)}
            company_id = parse_id(request.POST.get("org")) or 0
            if company_id not in desks:
                raise ApplicationError(ErrorCode.VALIDATION, _("请选择物业企业"), field="org")
            org = Org.objects.get(pk=company_id)
            community = {c.pk: c for c in desks[company_id]}.get(
                parse_id(request.POST.get("community")) or 0
            )
            if community is None:
                raise ApplicationError(
                    ErrorCode.VALIDATION, _("请选择本企业服务的社区"), field="community"
                )
            allowed = {u.pk: u for u in _company_staff(org)}
            not_staff = _("轮值人员须为本企业工作人员")
        else:  # the residents' committee's office (the community's staff)
            by_id = {c.pk: c for c in _my_communities(user)}
            community = by_id.get(parse_id(request.POST.get("community")) or 0)
            if community is None:
                raise ApplicationError(ErrorCode.VALIDATION, _("请选择社区"), field="community")
            org = Org.objects.filter(
                kind=OrgKind.RESIDENTS_COMMITTEE, community=community, is_active=True
            ).first()
            if org is None:
                raise ApplicationError(
                    ErrorCode.VALIDATION, _("本社区没有在册的居民委员会"), field="community"
                )
            allowed = {u.pk: u for u in _cadres(community)}
            not_staff = _("轮值人员须为本社区工作人员")
        ids = [parse_id(v) for v in request.POST.getlist("members")[: MAX_ROTA_MEMBERS + 1]]
        if any(i not in allowed for i in ids):
            raise ApplicationError(ErrorCode.VALIDATION, not_staff, field="members")
        weekdays = sum(1 << d for d in range(7) if request.POST.get(f"wd{d}"))
        rota = services.rota_create(
            org=org,
            community=community,
            office=request.POST.get("office", "")[: services.OFFICE_MAX + 1],
            members=[allowed[i] for i in ids if i is not None],  # type: ignore[index]
            mode=request.POST.get("mode", ""),
            weekdays=weekdays or 0,
            day_rule=request.POST.get("day_rule", ""),
            starts_at=_time(request.POST.get("starts_at", ""), "starts_at"),
            ends_at=_time(request.POST.get("ends_at", ""), "ends_at"),
            effective_from=_date(request.POST.get("effective_from", ""), "effective_from"),
            effective_to=_date(request.POST.get("effective_to", ""), "effective_to"),
            acting_user=user,
        )
    except ApplicationError as err:
        return _rota_page(request, error=err, posted=request.POST)
    messages.success(request, _("已制定轮值表：%(office)s") % {"office": rota.office})
    return redirect("web:duty_rotas")


@require_POST
@role_required(*ROTA_PAGE_ROLES)
def duty_rota_end(request: HttpRequest, pk: int) -> HttpResponse:
    """结束轮值: the office's rostering desk ends its rota after a last day (not before
    yesterday: hand-overs point at the past's shifts). Outside the scope: 404."""
    user: Any = request.user
    rota = selectors.rota_list(scope=user.scope_set(*ROTA_PAGE_ROLES)).filter(pk=pk).first()
    if rota is None:
        raise Http404
    try:
        last_day = _date(request.POST.get("last_day", ""), "last_day")
        if last_day is None:
            raise ApplicationError(ErrorCode.VALIDATION, _("请填写最后一天"), field="last_day")
        rota = services.rota_end(rota=rota, last_day=last_day, acting_user=user)
    except ApplicationError as err:
        return _rota_page(request, error=err, posted=request.POST)
    messages.success(
        request,
        _("轮值表“%(office)s”到 %(day)s 结束")
        % {"office": rota.office, "day": f"{rota.effective_to:%Y-%m-%d}"},
    )
    return redirect("web:duty_rotas")
