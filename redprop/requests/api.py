"""/api/v1/requests: file, list, read with timeline, every transition, rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from redprop.core import inputs
from redprop.core.api import json_response
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.core.scope import Scope
from redprop.requests import (
    dedupe,
    disclosure,
    idempotency,
    permissions,
    policies,
    selectors,
    services,
)
from redprop.requests.choices import Channel, EventKind, Severity, Status
from redprop.requests.errors import RequestError
from redprop.requests.models import Category, ServiceRequest

router = Router(tags=["requests 诉求"])


# --- schemas -----------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent: str | None
    matter: str
    default_severity: str
    urgent: bool
    icon: str

    @staticmethod
    def resolve_parent(obj: Category) -> str | None:
        return obj.parent.code if obj.parent_id else None


# Limits: redprop.core.inputs and docs/api.md "Limits" (over-long text is refused).
# Emptiness (also of invisible-only text) is the service's to judge: it answers
# ``description_required`` from the API and the pages alike.
Description = Text(inputs.DESCRIPTION_MAX)
Note = Text(inputs.NOTE_MAX)
CategoryCode = Text(inputs.CODE_MAX, required=True)


class RequestIn(Schema):
    category: CategoryCode
    description: Description  # type: ignore[valid-type]
    unit_id: Id | None = None
    building_id: Id | None = None
    compound_id: Id | None = None
    location_text: Text(inputs.LOCATION_MAX) = ""  # type: ignore[valid-type]
    channel: Channel = Channel.RESIDENT_APP
    severity: Severity | None = None
    urgent: bool | None = None
    anonymous: bool = False
    reporter_id: Id | None = None
    external_ref: Text(inputs.EXTERNAL_REF_MAX) = ""  # type: ignore[valid-type]


class RequestRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    category: str
    category_name: str
    severity: str
    urgent: bool
    description: str | None  # None: not the reader's to see (a follower)
    channel: str
    compound_id: int | None
    compound_name: str | None
    grid_id: int | None
    community_id: int | None
    handling_org_id: int | None
    handling_org_name: str | None
    assignee_name: str | None
    created_at: dt.datetime
    respond_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    plan_due_at: dt.datetime | None
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    breached: bool
    escalation_level: int
    reopen_count: int
    rating: int | None
    solved: bool | None
    version: int

    @staticmethod
    def resolve_status_label(obj: ServiceRequest) -> str:
        return str(Status(obj.status).label)

    @staticmethod
    def resolve_category(obj: ServiceRequest) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: ServiceRequest) -> str:
        return obj.category.name

    @staticmethod
    def resolve_compound_name(obj: ServiceRequest) -> str | None:
        return obj.compound.name if obj.compound_id else None

    @staticmethod
    def resolve_handling_org_name(obj: ServiceRequest) -> str | None:
        return obj.handling_org.name if obj.handling_org_id else None

    @staticmethod
    def resolve_assignee_name(obj: ServiceRequest) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None


class EventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    kind_label: str
    actor: str | None
    from_status: str
    to_status: str
    org: str | None
    note: str
    data: dict[str, Any]

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(EventKind(obj.kind).label)

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else _("系统")

    @staticmethod
    def resolve_org(obj: Any) -> str | None:
        return obj.org.name if obj.org_id else None


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return obj.image.url


class RequestDetail(RequestRow):
    location_text: str | None
    reporter: str | None
    reporter_mobile: str | None
    events: list[EventOut]
    photos: list[PhotoOut]
    merged_into_id: int | None


class RequestPage(Schema):
    items: list[RequestRow]
    next_cursor: int | None


class ReasonIn(Schema):
    reason: Note = ""  # type: ignore[valid-type]


class NoteIn(Schema):
    note: Note = ""  # type: ignore[valid-type]


class DispatchIn(Schema):
    org_id: Id
    assignee_id: Id | None = None
    note: Note = ""  # type: ignore[valid-type]


class PlanIn(Schema):
    plan: Description
    resolve_by: dt.datetime


Score = Int(1, 5)


class RateIn(Schema):
    score: Score
    solved: bool
    comment: Note = ""  # type: ignore[valid-type]


class RevisitIn(Schema):
    solved: bool
    score: Score | None = None
    note: Note = ""  # type: ignore[valid-type]


class MergeIn(Schema):
    into_id: Id


class SimilarIn(Schema):
    category: CategoryCode
    # As long as filing allows, no longer (the finder compares the first 300 characters).
    description: Description
    compound_id: Id | None = None
    unit_id: Id | None = None


class SimilarOut(Schema):
    id: int
    number: str
    status: str
    category_name: str
    created_at: dt.datetime
    score: float
    description: str | None


class SuggestOut(Schema):
    org_id: int | None
    org_name: str | None
    reason: str
    auto_dispatch: bool
    similar: list[SimilarOut]


class RateRow(Schema):
    key: Any
    filed: int
    dispatched: int
    response_base: int
    responded_on_time: int
    resolved: int
    resolved_on_time: int
    rated_or_revisited: int
    solved_confirmed: int
    rated: int
    breached: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    compliance_rate: float | None


# --- helpers -------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Any:
    return request.user.scope_set()  # type: ignore[union-attr]


def _get(request: HttpRequest, request_id: int) -> ServiceRequest:
    obj = selectors.request_for_user(user=request.user, request_id=request_id)
    if obj is None:
        raise NotFound(_("诉求不存在或不在您的管辖范围内"))
    return obj


class _DetailSource(Schema):
    """Internal: the detail as read from the ORM (resolvers run on model objects only)."""

    reporter: str | None
    reporter_mobile: str | None

    @staticmethod
    def resolve_reporter(obj: ServiceRequest) -> str | None:
        return None if obj.anonymous or not obj.reporter_id else obj.reporter.display_name

    @staticmethod
    def resolve_reporter_mobile(obj: ServiceRequest) -> str | None:
        # Masked always; the handler reveals it (logged) only while the request is open.
        return None if obj.anonymous or not obj.reporter_id else obj.reporter.mobile_masked


def _row(request: HttpRequest, obj: ServiceRequest) -> dict[str, Any]:
    """A list row as the reader may see it (``permissions.view_of``; no query)."""
    view = permissions.view_of(request.user, obj)
    return _disclose(RequestRow.from_orm(obj).model_dump(mode="json"), obj, view)


def _disclose(data: dict[str, Any], obj: ServiceRequest, view: permissions.View) -> dict[str, Any]:
    """Blank what ``view`` may not read: a follower sees what the public would
    (category, status, compound, deadlines, the steps), never the reporter's words,
    flat, identity or rating, nor a worker's name (docs/adr/0008-follower-view.md)."""
    if view == permissions.View.STAFF:
        return data
    # Staff are named by their display name, never their login.
    data["assignee_name"] = (obj.assignee.display_name or None) if obj.assignee_id else None
    if view == permissions.View.PUBLIC:
        data.update(description=None, assignee_name=None, rating=None, solved=None)
        for key in ("location_text", "reporter", "reporter_mobile"):
            if key in data:
                data[key] = None
        if "photos" in data:
            data["photos"] = []
    return data


def _event_json(event: Any, reader: disclosure.Reader) -> dict[str, Any]:
    data = EventOut.from_orm(event).model_dump(mode="json")
    data.update(
        actor=reader.actor(event),
        note=event.note if reader.shows_note(event) else "",
        data=reader.data(event),
    )
    return data


def _detail(request: HttpRequest, obj: ServiceRequest) -> dict[str, Any]:
    """The detail as plain JSON (also what an Idempotency-Key stores), as the reader
    may see it (``permissions.view_of``)."""
    view = permissions.view_of(request.user, obj)
    reader = disclosure.Reader(obj, view=view, viewer=request.user)
    data = RequestRow.from_orm(obj).model_dump(mode="json")
    data.update(_DetailSource.from_orm(obj).model_dump(mode="json"))
    # A request just filed carries its events (request_file), and has photos only
    # when some were uploaded with it: no need to read either back.
    events = getattr(obj, "new_events", None)
    if events is None:
        events = obj.events.all()
    photos = getattr(obj, "new_photos", None)
    if photos is None:
        photos = obj.photos.all()
    data.update(
        location_text=obj.location_text,
        events=[_event_json(e, reader) for e in events],
        photos=[PhotoOut.from_orm(p).model_dump(mode="json") for p in photos]
        if view != permissions.View.PUBLIC
        else [],
        merged_into_id=obj.merged_into_id,
    )
    return _disclose(data, obj, view)


def _respond(request: HttpRequest, status: int, data: Any) -> Any:
    return json_response(request, data, status=status)


def _category(code: str) -> Category:
    cat = policies.category_by_code(code)
    if cat is None:
        raise ApplicationError(RequestError.UNKNOWN_CATEGORY, _("未知的诉求分类"), field="category")
    return cat


def _place(
    request: HttpRequest, unit_id: int | None, building_id: int | None, compound_id: int | None
) -> dict[str, Any]:
    """The place named by id, 400 if unknown. Looked up without scope: the service
    refuses a place the user may not file at with this same 400 (``unknown_place``),
    so ids of other compounds are not confirmed."""
    from redprop.territory import selectors as territory

    out: dict[str, Any] = {"unit": None, "building": None, "compound": None}
    if unit_id is not None:
        out["unit"] = territory.unit_for_filing(unit_id=unit_id)
        if out["unit"] is None:
            raise services.unknown_place("unit")
    elif building_id is not None:
        out["building"] = territory.building_for_filing(building_id=building_id)
        if out["building"] is None:
            raise services.unknown_place("building")
    elif compound_id is not None:
        out["compound"] = territory.compound_for_filing(compound_id=compound_id)
        if out["compound"] is None:
            raise services.unknown_place("compound")
    return out


def idempotent(
    request: HttpRequest, endpoint: str, run: Any, params: Any = None
) -> tuple[int, Any]:
    """Run ``run`` once per Idempotency-Key header (``idempotency.idempotent_run``)."""
    return idempotency.idempotent_run(
        user=request.user,
        key=request.headers.get("Idempotency-Key", ""),
        endpoint=endpoint,
        run=run,
        params=params,
    )


# --- endpoints -----------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut])
def category_list(request: HttpRequest) -> Any:
    return list(Category.objects.filter(is_active=True).select_related("parent"))


@router.post("", response={201: RequestDetail})
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    """File a request (居民下单). Send `Idempotency-Key` to make retries safe."""

    def run() -> tuple[int, Any]:
        category = _category(payload.category)
        place = _place(request, payload.unit_id, payload.building_id, payload.compound_id)
        reporter = None
        if payload.reporter_id is not None:
            from redprop.people.models import Person

            reporter = (
                _scope(request).filter(Person.objects.all()).filter(pk=payload.reporter_id).first()
            )
            if reporter is None:
                raise ApplicationError(
                    RequestError.PLACE_OUT_OF_SCOPE, _("反映人不存在"), field="reporter_id"
                )
        obj = services.request_file(
            acting_user=request.user,
            category=category,
            description=payload.description,
            channel=payload.channel,
            location_text=payload.location_text,
            severity=payload.severity,
            urgent=payload.urgent,
            anonymous=payload.anonymous,
            reporter=reporter,
            external_ref=payload.external_ref,
            **place,
        )
        # Answered from what was just written: the request, its place and unit were
        # loaded to file it, and its events came back from request_file.
        return 201, _detail(request, obj)

    params = payload.model_dump(mode="json")
    return _respond(request, *idempotent(request, "requests.create", run, params))


@router.post("/with-photos", response={201: RequestDetail})
def request_create_multipart(
    request: HttpRequest,
    payload: Form[RequestIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """File a request with up to 9 photos (multipart/form-data)."""

    def run() -> tuple[int, Any]:
        category = _category(payload.category)
        place = _place(request, payload.unit_id, payload.building_id, payload.compound_id)
        obj = services.request_file(
            acting_user=request.user,
            category=category,
            description=payload.description,
            channel=payload.channel,
            location_text=payload.location_text,
            anonymous=payload.anonymous,
            photos=list(photos or []),
            **place,
        )
        return 201, _detail(request, obj)

    params = payload.model_dump(mode="json")
    params["photos"] = [_file_digest(p) for p in photos or []]
    return _respond(request, *idempotent(request, "requests.create_multipart", run, params))


def _file_digest(upload: UploadedFile) -> str:
    import hashlib

    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@router.post("/similar", response=SuggestOut)
def request_similar(request: HttpRequest, payload: SimilarIn) -> Any:
    """Before filing: similar open requests in the same compound, and the suggested unit."""
    category = _category(payload.category)
    place = _place(request, payload.unit_id, None, payload.compound_id)
    target = place["unit"] or place["compound"]
    if target is None:
        raise ApplicationError(
            RequestError.PLACE_REQUIRED, _("请选择小区或房屋"), field="compound_id"
        )
    if not permissions.can_file_at(request.user, target):
        raise services.unknown_place("unit" if place["unit"] is not None else "compound")
    compound = place["compound"] or place["unit"].compound
    similar = dedupe.similar_requests(
        scope=_all_scope(),
        compound_id=compound.pk,
        category_id=category.pk,
        description=payload.description,
    )
    staff = request.user.has_role("community_staff", "street_officer", "sysadmin", "grid_butler")  # type: ignore[union-attr]
    route = policies.route_for(category=category, place=target, compound=compound)
    return {
        "org_id": route.org.pk if route.org else None,
        "org_name": route.org.name if route.org else None,
        "reason": route.reason,
        "auto_dispatch": route.auto_dispatch,
        "similar": [
            {
                "id": r.pk,
                "number": r.number,
                "status": r.status,
                "category_name": category.name,
                "created_at": r.created_at,
                "score": round(score, 1),
                # Residents see that a similar problem exists, not a neighbour's words.
                "description": r.description if staff else None,
            }
            for r, score in similar
        ],
    }


def _all_scope() -> Any:
    from redprop.core.scope import ScopeSet

    return ScopeSet((Scope("all"),))


@router.get("", response=RequestPage)
def request_list(
    request: HttpRequest,
    status: Text(400) | None = None,  # type: ignore[valid-type]
    category: Text(inputs.CODE_MAX) | None = None,  # type: ignore[valid-type]
    community_id: Id | None = None,
    grid_id: Id | None = None,
    compound_id: Id | None = None,
    org_id: Id | None = None,
    filed_from: dt.date | None = None,
    filed_to: dt.date | None = None,
    overdue: bool | None = None,
    queue: Text(inputs.CODE_MAX) | None = None,  # type: ignore[valid-type]
    q: Text(inputs.QUERY_MAX) | None = None,  # type: ignore[valid-type]
    cursor: Id | None = None,
    limit: Int(1, 100) = 20,  # type: ignore[valid-type]
) -> Any:
    """Requests in your scope, newest first; `cursor` is the last id of the previous page."""
    statuses = [s for s in (status or "").split(",") if s]
    bad = [s for s in statuses if s not in Status.values]
    if bad:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("未知的状态：%(status)s") % {"status": bad[0]}, field="status"
        )
    limit = max(1, min(limit, 100))
    qs = selectors.request_list(
        scope=_scope(request),
        filters=selectors.RequestFilters(
            status=statuses or None,
            category=category,
            community_id=community_id,
            grid_id=grid_id,
            compound_id=compound_id,
            org_id=org_id,
            filed_from=filed_from,
            filed_to=filed_to,
            overdue=overdue,
            q=q,
            queue=queue,
        ),
    )
    rows, nxt = selectors.after_cursor(qs, cursor, limit)
    # Rows as each reader may see them (already JSON: the schema documents them).
    return _respond(request, 200, {"items": [_row(request, r) for r in rows], "next_cursor": nxt})


@router.get("/mine", response=list[RequestRow])
def my_orders(request: HttpRequest) -> Any:
    """A worker's orders, by deadline: those they may act on (``permissions.is_handler``)."""
    user = request.user
    return [r for r in selectors.my_orders(user=user)[:200] if permissions.is_handler(user, r)]


@router.get("/rates", response=list[RateRow])
def rates(
    request: HttpRequest,
    month: Text(7, required=True),  # type: ignore[valid-type]
    months: Int(1, 24) = 1,  # type: ignore[valid-type]
    group_by: Text(inputs.CODE_MAX) | None = None,  # type: ignore[valid-type]
) -> Any:
    """响应率/解决率/满意率 and 5341 compliance from the rollups (group_by: street, community, grid, org, category, month)."""
    try:
        start = dt.date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("月份格式应为 YYYY-MM"), field="month"
        ) from exc
    if group_by is not None and group_by not in selectors.LEVEL_COLUMNS:
        raise ApplicationError(ErrorCode.VALIDATION, _("未知的分组方式"), field="group_by")
    months = max(1, min(months, 24))
    first = start
    for _month in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return selectors.rates(
        scope=_scope(request), month_from=first, month_to=start, group_by=group_by
    )


@router.get("/{request_id}", response=RequestDetail)
def request_read(request: HttpRequest, request_id: int) -> Any:
    # _get applies the user's scope and permissions.can_view.
    return _respond(request, 200, _detail(request, _get(request, request_id)))


@router.get("/{request_id}/duplicates", response=list[SimilarOut])
def request_duplicates(request: HttpRequest, request_id: int) -> Any:
    obj = _get(request, request_id)
    if not permissions.can_dispatch(request.user, obj):
        raise PermissionDenied()
    found = dedupe.similar_requests(
        scope=_scope(request),
        compound_id=obj.compound_id,
        category_id=obj.category_id,
        description=obj.description,
        exclude_id=obj.pk,
    )
    return [
        {
            "id": r.pk,
            "number": r.number,
            "status": r.status,
            "category_name": obj.category.name,
            "created_at": r.created_at,
            "score": round(s, 1),
            "description": r.description,
        }
        for r, s in found
    ]


def _transition(request: HttpRequest, request_id: int, fn: Any, **kwargs: Any) -> Any:
    obj = _get(request, request_id)
    expected = _if_match(request)
    fn(request=obj, acting_user=request.user, expected_version=expected, **kwargs)
    return _respond(request, 200, _detail(request, _get(request, request_id)))


def _if_match(request: HttpRequest) -> int | None:
    """The version a client read (``If-Match: 3`` or ``"3"``); absent means any."""
    version = request.headers.get("If-Match", "").strip().strip('"')
    if not version or version == "*":
        return None
    if not (version.isascii() and version.isdigit() and int(version) <= inputs.MAX_INT32):
        raise ApplicationError(
            ErrorCode.VALIDATION, _("If-Match 应为诉求的版本号"), field="If-Match"
        )
    return int(version)


def _org(request: HttpRequest, org_id: int) -> Any:
    from redprop.orgs.models import Org

    org = Org.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise ApplicationError(RequestError.NO_HANDLER, _("承办单位不存在"), field="org_id")
    return org


@router.post("/{request_id}/dispatch", response=RequestDetail)
def request_dispatch(request: HttpRequest, request_id: int, payload: DispatchIn) -> Any:
    assignee = None
    if payload.assignee_id:
        from redprop.accounts.models import User

        assignee = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
        if assignee is None:
            # The same answer as for a person who exists but may not be named: the id
            # of a user elsewhere must not be confirmed (test_permission_matrix).
            raise ApplicationError(
                RequestError.INVALID_ASSIGNEE,
                _("该人员不属于所选承办单位或已停用，请重新选择"),
                field="assignee_id",
            )
    return _transition(
        request,
        request_id,
        services.request_dispatch,
        org=_org(request, payload.org_id),
        assignee=assignee,
        note=payload.note,
    )


@router.post("/{request_id}/return", response=RequestDetail)
def request_return(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_return, reason=payload.reason)


@router.post("/{request_id}/accept", response=RequestDetail)
def request_accept(request: HttpRequest, request_id: int) -> Any:
    return _transition(request, request_id, services.request_accept)


@router.post("/{request_id}/arrive", response=RequestDetail)
def request_arrive(request: HttpRequest, request_id: int) -> Any:
    return _transition(request, request_id, services.request_arrive)


@router.post("/{request_id}/require-plan", response=RequestDetail)
def request_require_plan(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_require_plan, reason=payload.reason)


@router.post("/{request_id}/plan", response=RequestDetail)
def request_submit_plan(request: HttpRequest, request_id: int, payload: PlanIn) -> Any:
    return _transition(
        request,
        request_id,
        services.request_submit_plan,
        plan=payload.plan,
        resolve_by=payload.resolve_by,
    )


@router.post("/{request_id}/pause", response=RequestDetail)
def request_pause(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_pause, reason=payload.reason)


@router.post("/{request_id}/resume", response=RequestDetail)
def request_resume(request: HttpRequest, request_id: int) -> Any:
    return _transition(request, request_id, services.request_resume)


@router.post("/{request_id}/resolve", response=RequestDetail)
def request_resolve(request: HttpRequest, request_id: int, payload: NoteIn) -> Any:
    return _transition(request, request_id, services.request_resolve, note=payload.note)


@router.post("/{request_id}/rate", response=RequestDetail)
def request_rate(request: HttpRequest, request_id: int, payload: RateIn) -> Any:
    return _transition(
        request,
        request_id,
        services.request_rate,
        score=payload.score,
        solved=payload.solved,
        comment=payload.comment,
    )


@router.post("/{request_id}/revisit", response=RequestDetail)
def request_revisit(request: HttpRequest, request_id: int, payload: RevisitIn) -> Any:
    return _transition(
        request,
        request_id,
        services.request_revisit,
        solved=payload.solved,
        score=payload.score,
        note=payload.note,
    )


@router.post("/{request_id}/reopen", response=RequestDetail)
def request_reopen(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_reopen, reason=payload.reason)


@router.post("/{request_id}/close", response=RequestDetail)
def request_close(request: HttpRequest, request_id: int, payload: NoteIn) -> Any:
    return _transition(request, request_id, services.request_close, note=payload.note)


@router.post("/{request_id}/cancel", response=RequestDetail)
def request_cancel(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_cancel, reason=payload.reason)


@router.post("/{request_id}/escalate", response=RequestDetail)
def request_escalate(request: HttpRequest, request_id: int, payload: ReasonIn) -> Any:
    return _transition(request, request_id, services.request_escalate, reason=payload.reason)


@router.post("/{request_id}/merge", response=RequestDetail)
def request_merge(request: HttpRequest, request_id: int, payload: MergeIn) -> Any:
    # The step's permission before the target's lookup: 403, not a 404 for the target.
    services.authorize("merge", request.user, _get(request, request_id))
    into = _get(request, payload.into_id)
    return _transition(request, request_id, services.request_merge, into=into)


@router.post("/{request_id}/follow", response=RequestDetail)
def request_follow(request: HttpRequest, request_id: int) -> Any:
    """“一起关注”: a resident of the same compound follows a request they also see."""
    obj = ServiceRequest.objects.filter(pk=request_id).first()
    if obj is None or not (
        permissions.can_follow(request.user, obj) or permissions.is_reporter(request.user, obj)
    ):
        raise NotFound(_("诉求不存在或不在您的管辖范围内"))
    services.request_follow(request=obj, acting_user=request.user)
    return _respond(request, 200, _detail(request, _get(request, request_id)))


@router.post("/{request_id}/photos", response={201: PhotoOut})
def photo_upload(
    request: HttpRequest,
    request_id: int,
    photo: File[UploadedFile],
    kind: str = Form("before", max_length=inputs.CODE_MAX),
) -> Any:
    obj = _get(request, request_id)
    if kind not in ("before", "after"):
        raise ApplicationError(
            ErrorCode.VALIDATION, _("照片类型应为 before 或 after"), field="kind"
        )
    return 201, services.photo_add(request=obj, upload=photo, kind=kind, acting_user=request.user)
