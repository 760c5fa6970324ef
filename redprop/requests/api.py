"""/api/v1/requests: file, list, read with timeline, every transition, rates."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from redprop.core import inputs
from redprop.core.api import json_response
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.core.scope import Scope
from redprop.core.workflow import Action
from redprop.requests import (
    dedupe,
    idempotency,
    permissions,
    policies,
    selectors,
    services,
    workflow,
)
from redprop.requests.choices import Status
from redprop.requests.errors import RequestError
from redprop.requests.models import Category, ServiceRequest
from redprop.requests.schemas import (
    CategoryOut,
    DispatchIn,
    MergeIn,
    NoteIn,
    PhotoOut,
    PlanIn,
    RateIn,
    RateRow,
    ReasonIn,
    RequestDetail,
    RequestIn,
    RequestPage,
    RequestRow,
    RevisitIn,
    SimilarIn,
    SimilarOut,
    SuggestOut,
    detail_json,
    row_json,
)

router = Router(tags=["requests 诉求"])


# --- helpers -------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Any:
    return request.user.scope_set()  # type: ignore[union-attr]


def _get(request: HttpRequest, request_id: int) -> ServiceRequest:
    obj = selectors.request_for_user(user=request.user, request_id=request_id)
    if obj is None:
        raise NotFound(_("诉求不存在或不在您的管辖范围内"))
    return obj


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
        return 201, detail_json(request.user, obj)

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
        return 201, detail_json(request.user, obj)

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
    return _respond(
        request, 200, {"items": [row_json(request.user, r) for r in rows], "next_cursor": nxt}
    )


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
    return _respond(request, 200, detail_json(request.user, _get(request, request_id)))


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


def _transition(request: HttpRequest, request_id: int, action: str, **kwargs: Any) -> Any:
    obj = _get(request, request_id)
    expected = _if_match(request)
    services.request_act(
        action,
        request=obj,
        acting_user=request.user,  # type: ignore[arg-type]
        expected_version=expected,
        **kwargs,
    )
    return _respond(request, 200, detail_json(request.user, _get(request, request_id)))


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


# --- the steps of the workflow: one route a row of the action table ---------------------
#
# POST /{request_id}/{row.path} for each row of ``workflow.WORKFLOW``, its body the
# row's input (INPUTS; none: no body), answered with the request as it now is. A new
# row gets its route here without a line of its own; an input of its own adds a
# schema to INPUTS and, when its fields are not the service's arguments, a resolver.

INPUTS: dict[str, type[Schema]] = {
    "reason": ReasonIn,
    "note": NoteIn,
    "dispatch": DispatchIn,
    "plan": PlanIn,
    "rate": RateIn,
    "revisit": RevisitIn,
    "merge": MergeIn,
}


def _dispatch_inputs(request: HttpRequest, request_id: int, payload: Any) -> dict[str, Any]:
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
    return {"org": _org(request, payload.org_id), "assignee": assignee, "note": payload.note}


def _merge_inputs(request: HttpRequest, request_id: int, payload: Any) -> dict[str, Any]:
    # The step's permission before the target's lookup: 403, not a 404 for the target.
    services.authorize("merge", request.user, _get(request, request_id))  # type: ignore[arg-type]
    return {"into": _get(request, payload.into_id)}


def _fields(request: HttpRequest, request_id: int, payload: Any) -> dict[str, Any]:
    """The body's fields are the service's arguments."""
    return dict(payload.model_dump())


RESOLVERS: dict[str, Callable[[HttpRequest, int, Any], dict[str, Any]]] = {
    "dispatch": _dispatch_inputs,
    "merge": _merge_inputs,
}


def action_view(row: Action) -> Callable[..., Any]:
    """The API view of one row: named ``request_<service>`` (its URL name and, with
    this module's name, its OpenAPI operationId)."""
    schema = INPUTS.get(row.input) if row.input else None
    resolve = RESOLVERS.get(row.input, _fields)

    def view(request: HttpRequest, request_id: int, payload: Any = None) -> Any:
        inputs = resolve(request, request_id, payload) if schema is not None else {}
        return _transition(request, request_id, row.name, **inputs)

    params = [
        inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HttpRequest
        ),
        inspect.Parameter("request_id", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=int),
    ]
    if schema is not None:
        params.append(
            inspect.Parameter("payload", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=schema)
        )
    view.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    view.__name__ = view.__qualname__ = f"request_{row.service}"
    return view


def add_action_routes(target: Router, rows: Iterable[Action]) -> None:
    """One POST route a row, on ``target``."""
    for row in rows:
        target.post(f"/{{request_id}}/{row.path}", response=RequestDetail)(action_view(row))


add_action_routes(router, workflow.WORKFLOW.actions.values())


@router.post("/{request_id}/follow", response=RequestDetail)
def request_follow(request: HttpRequest, request_id: int) -> Any:
    """“一起关注”: a resident of the same compound follows a request they also see."""
    obj = ServiceRequest.objects.filter(pk=request_id).first()
    if obj is None or not (
        permissions.can_follow(request.user, obj) or permissions.is_reporter(request.user, obj)
    ):
        raise NotFound(_("诉求不存在或不在您的管辖范围内"))
    services.request_follow(request=obj, acting_user=request.user)
    return _respond(request, 200, detail_json(request.user, _get(request, request_id)))


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
    return HttpStatus(
        201, services.photo_add(request=obj, upload=photo, kind=kind, acting_user=request.user)
    )
