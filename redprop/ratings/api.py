"""/api/v1/ratings: the assessments a user may see, the scoring sheet, scores, the
stage actions of the workflow table, and the public list (no login)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from redprop.core.errors import PermissionDenied
from redprop.core.inputs import Id, Text
from redprop.ratings import permissions, selectors, services
from redprop.ratings.services import NOTE_MAX, REASON_MAX

router = Router(tags=["ratings 星级评定"])

Code = Annotated[str, Field(min_length=1, max_length=32)]
Points = Annotated[str, Field(min_length=1, max_length=6)]


class AssessmentOut(Schema):
    id: int
    year: int
    company: str
    company_id: int
    community: str | None
    stage: str
    stage_label: str
    stars: int | None
    total: str | None
    certified_at: dt.datetime | None
    withdraw_reason: str
    figures: dict[str, Any]

    @staticmethod
    def resolve_year(obj: Any) -> int:
        return obj.cycle.year

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return obj.company.name

    @staticmethod
    def resolve_community(obj: Any) -> str | None:
        return obj.community.name if obj.community_id else None

    @staticmethod
    def resolve_stage_label(obj: Any) -> str:
        return str(obj.get_stage_display())

    @staticmethod
    def resolve_total(obj: Any) -> str | None:
        return None if obj.total is None else str(obj.total)


class LineOut(Schema):
    code: str
    dimension: str
    text: str
    max_points: str
    metric: str
    computed: str | None
    points: dict[str, str | None]


class SheetOut(Schema):
    assessment: AssessmentOut
    lines: list[LineOut]
    totals: dict[str, str]
    scoring_stage: str | None
    actions: list[str]


class ScoresIn(Schema):
    scores: dict[Code, Points] = Field(max_length=200)
    notes: dict[Code, Text(NOTE_MAX)] = Field(default_factory=dict, max_length=200)  # type: ignore[valid-type]


class ActionIn(Schema):
    reason: Text(REASON_MAX) = ""  # type: ignore[valid-type]


class PublicOut(Schema):
    company: str
    city: str
    year: int
    stars: int
    total: str | None
    metrics: dict[str, str | None]
    compounds: int


def _require_page_role(request: HttpRequest) -> None:
    if not request.user.has_role(*permissions.PAGE_ROLES):  # type: ignore[union-attr]
        raise PermissionDenied()


@router.get("/assessments", response=list[AssessmentOut])
def ratings_assessments(request: HttpRequest) -> Any:
    _require_page_role(request)
    return list(selectors.assessments_for(user=request.user)[:500])


def _sheet(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    from redprop.ratings.workflow import WORKFLOW

    _require_page_role(request)
    a = selectors.assessment_get(user=request.user, assessment_id=assessment_id)
    sheet = selectors.sheet(assessment=a, user=request.user)
    lines = [
        {
            "code": ln.criterion.code,
            "dimension": ln.criterion.dimension,
            "text": ln.criterion.text,
            "max_points": str(ln.criterion.max_points),
            "metric": ln.criterion.metric,
            "computed": None if ln.computed is None else str(ln.computed),
            "points": {k: (None if v is None else str(v)) for k, v in ln.points.items()},
        }
        for block in sheet.blocks
        for ln in block.lines
    ]
    return {
        "assessment": a,
        "lines": lines,
        "totals": {k: str(v) for k, v in sheet.totals.items()},
        "scoring_stage": sheet.scoring_stage,
        "actions": sorted(WORKFLOW.available(request.user, a)),
    }


@router.get("/assessments/{assessment_id}", response=SheetOut)
def ratings_assessment(request: HttpRequest, assessment_id: Id) -> Any:
    return _sheet(request, assessment_id)


@router.post("/assessments/{assessment_id}/scores", response=SheetOut)
def ratings_scores(request: HttpRequest, assessment_id: Id, body: ScoresIn) -> Any:
    services.scores_save(
        acting_user=request.user, assessment_id=assessment_id, scores=body.scores, notes=body.notes
    )
    return _sheet(request, assessment_id)


@router.post("/assessments/{assessment_id}/{action}", response=SheetOut)
def ratings_action(
    request: HttpRequest,
    assessment_id: Id,
    action: Annotated[str, Field(max_length=16)],
    body: ActionIn,
) -> Any:
    services.transition(
        acting_user=request.user, assessment_id=assessment_id, action=action, reason=body.reason
    )
    return _sheet(request, assessment_id)


@router.get("/public", response=list[PublicOut], auth=None)
def ratings_public_list(request: HttpRequest) -> Any:
    return [
        {
            "company": e.company,
            "city": e.city,
            "year": e.year,
            "stars": e.stars,
            "total": None if e.total is None else str(e.total),
            "metrics": e.metrics,
            "compounds": e.compounds,
        }
        for e in selectors.public_list()
    ]
