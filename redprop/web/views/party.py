"""物业党建 pages (phone first): coverage by street, a company's party building (members
masked, reveal logged, branch proposals), posts with their records of service,
cross-appointments, the supervision queue, and a member's own consent page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.core.errors import ApplicationError, NotFound
from redprop.core.inputs import parse_id
from redprop.orgs.models import Org
from redprop.party import permissions, records, selectors, services
from redprop.party.badges import badge_for_user
from redprop.party.choices import Opinion, PostKind, SupervisionKind
from redprop.party.models import ShowConsent
from redprop.party.workflow import PROPOSALS, SUPERVISION
from redprop.territory.models import Compound, Region
from redprop.web.access import forbidden, role_required

PAGE = permissions.PAGE_ROLES


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return dt.date(1900, 1, 1)  # out of every range: the service refuses it on its field


def _run(
    request: HttpRequest, fn: Callable[[], Any], ok: str, page: Callable[..., HttpResponse], to: Any
) -> HttpResponse:
    try:
        fn()
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        return page(error=err)
    messages.success(request, ok)
    return redirect(*to) if isinstance(to, tuple) else redirect(to)


# --- coverage -----------------------------------------------------------------------------------


@require_GET
@role_required(*PAGE)
def party_index(request: HttpRequest) -> HttpResponse:
    return _index(request)


def _index(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    proposals = [
        (p, sorted(PROPOSALS.available(user, p)))
        for p in selectors.proposals_for(user=user).filter(status="proposed")[:100]
    ]
    return render(
        request,
        "web/party/index.html",
        {
            "streets": selectors.coverage_by_street(user=user),
            "companies": list(selectors.companies_for(user=user)[:200]),
            "proposals": proposals,
            "counts": selectors.supervision_counts(user=user),
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_POST
@role_required(*PAGE)
def party_proposal_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in PROPOSALS.actions:
        raise Http404
    user: Any = request.user

    def do() -> None:
        if action == "approve":
            services.proposal_approve(acting_user=user, proposal_id=pk)
        else:
            services.proposal_reject(
                acting_user=user, proposal_id=pk, reason=request.POST.get("reason", "")
            )

    return _run(
        request,
        do,
        _("已办理：%(verb)s") % {"verb": PROPOSALS[action].verb},
        lambda error: _index(request, error),
        "web:party",
    )


# --- a company ----------------------------------------------------------------------------------


def _company(
    request: HttpRequest,
    pk: int,
    error: ApplicationError | None = None,
    revealed: dict[str, Any] | None = None,
) -> HttpResponse:
    user: Any = request.user
    try:
        company = selectors.company_get(user=user, company_id=pk)
    except NotFound:
        raise Http404 from None
    members = selectors.members_of(user=user, company=company)
    projects = [r for r in selectors.coverage(user=user) if r.company_id == company.pk]
    may_record = user.has_role(*permissions.RECORD_ROLES)
    from redprop.orgs.models import OrgMembership

    staff = (
        list(
            OrgMembership.objects.filter(org=company, ended_on__isnull=True)
            .select_related("person")
            .order_by("id")[:200]
        )
        if may_record
        else []
    )
    return render(
        request,
        "web/party/company.html",
        {
            "company": company,
            "projects": projects,
            "members": members,
            "staff": staff,
            "compounds": Compound.objects.filter(company=company).order_by("name"),
            "proposals": list(selectors.proposals_for(user=user, company=company)[:50]),
            "posts": list(selectors.posts_for(user=user, company=company)[:200]),
            "may_record": may_record,
            "may_reveal": any(services.can_reveal(user, m) for m in members[:1]),
            "revealed": revealed,
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(*PAGE)
def party_company(request: HttpRequest, pk: int) -> HttpResponse:
    return _company(request, pk)


@require_POST
@role_required(*PAGE)
def party_member_register(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        lambda: services.member_register(
            acting_user=request.user,
            company_id=pk,
            person_id=parse_id(request.POST.get("person", "")) or 0,
            compound_id=parse_id(request.POST.get("compound", "")),
            joined_on=_date(request.POST.get("joined_on", "")),
        ),
        _("党员已登记（身份信息加密保存）"),
        lambda error: _company(request, pk, error),
        ("web:party_company", pk),
    )


@require_POST
@role_required(*PAGE)
def party_propose(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        lambda: services.branch_propose(
            acting_user=request.user,
            company_id=pk,
            compound_id=parse_id(request.POST.get("compound", "")),
        ),
        _("已提议成立党支部，待社区党委审批"),
        lambda error: _company(request, pk, error),
        ("web:party_company", pk),
    )


@require_POST
@role_required(*PAGE)
def party_member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    try:
        member = selectors.member_get(user=user, member_id=pk)
        value = services.member_reveal(
            acting_user=user, member_id=pk, reason=request.POST.get("reason", "")
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as err:
        if err.status == 403:
            return forbidden(request, err.message)
        return _company(request, selectors.member_get(user=user, member_id=pk).company_id, err)
    value["member_id"] = pk
    return _company(request, member.company_id, revealed=value)


# --- a member's own page (亮身份 consent) ---------------------------------------------------------


def _me(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    member = services.member_of_person(getattr(user, "person_id", None))
    consent = (
        ShowConsent.objects.filter(member=member, withdrawn_at__isnull=True).first()
        if member
        else None
    )
    history = list(ShowConsent.objects.filter(member=member)[:20]) if member else []
    posts = list(member.posts.filter(ended_on__isnull=True)) if member else []
    record = (
        records.service_record(
            person_id=user.person_id, since=timezone.localdate().replace(month=1, day=1)
        )
        if member
        else []
    )
    return render(
        request,
        "web/party/me.html",
        {
            "member": member,
            "consent": consent,
            "history": history,
            "badge": badge_for_user(user),
            "posts": posts,
            "record": record,
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required()
def party_me(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _me(request)
    user: Any = request.user
    member = services.member_of_person(getattr(user, "person_id", None))
    if member is None:
        raise Http404
    grant = request.POST.get("consent") == "grant"
    fn = services.consent_grant if grant else services.consent_withdraw
    return _run(
        request,
        lambda: fn(acting_user=user, member_id=member.pk),
        _("已同意亮身份：工作页面和居民看到的处理人旁将显示党员徽章")
        if grant
        else _("已撤回：党员徽章不再显示"),
        lambda error: _me(request, error),
        "web:party_me",
    )


# --- posts ------------------------------------------------------------------------------------


def _posts(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    posts = list(selectors.posts_for(user=user)[:200])
    lines: dict[int, list[Any]] = {}
    since = timezone.localdate().replace(month=1, day=1)
    for p in posts:
        if p.member_id not in lines:
            pid = p.member._identity().get("person_id")  # none after an erasure
            lines[p.member_id] = records.service_record(person_id=pid, since=since) if pid else []
        p.record = lines[p.member_id]  # type: ignore[attr-defined]
    members: list[Any] = []
    if user.has_role(*permissions.RECORD_ROLES):
        from redprop.party.models import Member

        members = list(
            user.scope_set(*PAGE)
            .filter(Member.objects.filter(left_on__isnull=True))
            .select_related("company", "compound")[:300]
        )
    return render(
        request,
        "web/party/posts.html",
        {
            "posts": posts,
            "kinds": PostKind.choices,
            "members": members,
            "since": since,
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(*PAGE)
def party_posts(request: HttpRequest) -> HttpResponse:
    return _posts(request)


@require_POST
@role_required(*PAGE)
def party_post_new(request: HttpRequest) -> HttpResponse:
    buildings = [b for b in (parse_id(x) for x in request.POST.getlist("buildings")[:100]) if b]
    return _run(
        request,
        lambda: services.post_create(
            acting_user=request.user,
            member_id=parse_id(request.POST.get("member", "")) or 0,
            kind=request.POST.get("kind", "")[:16],
            title=request.POST.get("title", ""),
            started_on=_date(request.POST.get("started_on", "")),
            grid_id=parse_id(request.POST.get("grid", "")),
            building_ids=buildings,
        ),
        _("党员岗位已设立"),
        lambda error: _posts(request, error),
        "web:party_posts",
    )


@require_POST
@role_required(*PAGE)
def party_post_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        lambda: services.post_end(acting_user=request.user, post_id=pk),
        _("岗位已撤销"),
        lambda error: _posts(request, error),
        "web:party_posts",
    )


# --- cross-appointments -----------------------------------------------------------------------


def _appointments(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    orgs: list[Org] = []
    if user.has_role(*permissions.APPOINTMENT_ROLES):
        # The companies serving the desk's compounds and the desk's own organisations.
        companies = list(selectors.companies_for(user=user).filter(is_active=True)[:100])
        local = user.scope_set(*permissions.APPOINTMENT_ROLES).filter(
            Org.objects.filter(is_active=True).exclude(kind="property_company")
        )
        orgs = companies + list(local[:100])
    return render(
        request,
        "web/party/appointments.html",
        {
            "appointments": list(selectors.appointments_for(user=user)[:300]),
            "orgs": orgs,
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*PAGE)
def party_appointments(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _appointments(request)
    return _run(
        request,
        lambda: services.appointment_create(
            acting_user=request.user,
            person_id=parse_id(request.POST.get("person", "")) or 0,
            home_org_id=parse_id(request.POST.get("home_org", "")) or 0,
            seat_org_id=parse_id(request.POST.get("seat_org", "")) or 0,
            position=request.POST.get("position", ""),
            started_on=_date(request.POST.get("started_on", "")),
        ),
        _("交叉任职已登记"),
        lambda error: _appointments(request, error),
        "web:party_appointments",
    )


@require_POST
@role_required(*PAGE)
def party_appointment_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(
        request,
        lambda: services.appointment_end(acting_user=request.user, appointment_id=pk),
        _("交叉任职已结束"),
        lambda error: _appointments(request, error),
        "web:party_appointments",
    )


# --- supervision ------------------------------------------------------------------------------


def _queue(request: HttpRequest, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    status = request.GET.get("status", "")[:12]
    own = [s.node_id for s in user.scope_set(*permissions.PAGE_ROLES) if s.kind == "org"]
    companies = list(Org.objects.filter(pk__in=own, kind="property_company"))
    communities = {
        c.pk: [Region.objects.get(pk=r) for r in services.company_communities(c)] for c in companies
    }
    return render(
        request,
        "web/party/supervision.html",
        {
            "items": list(selectors.supervisions_for(user=user, status=status)[:300]),
            "status": status,
            "counts": selectors.supervision_counts(user=user),
            "companies": companies,
            "communities": communities,
            "kinds": SupervisionKind.choices,
            "default_due": timezone.localdate() + dt.timedelta(days=services.DEFAULT_OPINION_DAYS),
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*PAGE)
def party_supervision(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _queue(request)
    company_id = parse_id(request.POST.get("company", "")) or 0
    return _run(
        request,
        lambda: services.supervision_submit(
            acting_user=request.user,
            company_id=company_id,
            community_id=parse_id(request.POST.get("community", "")) or 0,
            kind=request.POST.get("kind", "")[:12],
            title=request.POST.get("title", ""),
            detail=request.POST.get("detail", ""),
            amount=request.POST.get("amount", "")[:20],
            due_on=_date(request.POST.get("due_on", "")),
        ),
        _("已报送社区党委，等待意见"),
        lambda error: _queue(request, error),
        "web:party_supervision",
    )


def _item(request: HttpRequest, pk: int, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    try:
        s = selectors.supervision_get(user=user, supervision_id=pk)
    except NotFound:
        raise Http404 from None
    actions = [
        {"name": n, "verb": SUPERVISION[n].verb, "input": SUPERVISION[n].input}
        for n in SUPERVISION.available(user, s)
    ]
    return render(
        request,
        "web/party/supervision_detail.html",
        {
            "s": s,
            "actions": actions,
            "opinions": Opinion.choices,
            "events": list(s.events.select_related("actor")),
            "error": error,
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(*PAGE)
def party_supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _item(request, pk)


@require_POST
@role_required(*PAGE)
def party_supervision_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in SUPERVISION.actions:
        raise Http404
    user: Any = request.user
    post = request.POST

    def do() -> None:
        if action == "opine":
            services.supervision_opine(
                acting_user=user,
                supervision_id=pk,
                opinion=post.get("opinion", "")[:12],
                text=post.get("text", ""),
            )
        elif action == "withdraw":
            services.supervision_withdraw(
                acting_user=user, supervision_id=pk, reason=post.get("reason", "")
            )
        else:
            services.supervision_close(
                acting_user=user, supervision_id=pk, note=post.get("note", "")
            )

    return _run(
        request,
        do,
        _("已办理：%(verb)s") % {"verb": SUPERVISION[action].verb},
        lambda error: _item(request, pk, error),
        ("web:party_supervision_detail", pk),
    )
