"""Reads of the star rating (no writes): what a user may see, the scoring sheet, the
figures behind service quality and the public list of certified companies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from redprop.core.errors import NotFound
from redprop.core.scope import ScopeSet
from redprop.ratings import permissions
from redprop.ratings.choices import SCORING_STAGES, Dimension, Metric, Stage
from redprop.ratings.models import (
    Assessment,
    AssessmentEvent,
    Criterion,
    Evidence,
    RatingCycle,
    Score,
    ScoreChange,
)
from redprop.ratings.workflow import SCORERS, WORKFLOW
from redprop.requests.models import Rating, ServiceRequest


def assessments_for(*, user: Any) -> QuerySet[Assessment]:
    """The assessments ``user`` may open (scope first; the page rechecks the relationship)."""
    qs = Assessment.objects.select_related("cycle", "company", "community")
    return cast(
        QuerySet[Assessment],
        user.scope_set(*permissions.PAGE_ROLES)
        .filter(qs)
        .order_by("-cycle__year", "company__name"),
    )


def assessment_get(*, user: Any, assessment_id: int) -> Assessment:
    a = assessments_for(user=user).filter(pk=assessment_id).first()
    if a is None or not permissions.can_view(user, a):
        raise NotFound()
    return a


def cycles_for(*, user: Any) -> QuerySet[RatingCycle]:
    """The cycles of the cities whose bureau the user is (to open the next one)."""
    return cast(
        QuerySet[RatingCycle],
        user.scope_set(*permissions.CYCLE_ROLES).filter(RatingCycle.objects.all()),
    )


@dataclass
class Line:
    criterion: Criterion
    points: dict[str, Decimal | None] = field(default_factory=dict)  # stage → points
    notes: dict[str, str] = field(default_factory=dict)
    computed: Decimal | None = None
    value: str | None = None  # the metric's value for a computed line
    prefill: str = ""  # what the scoring stage's input starts with (own, else earlier stage)
    prefill_note: str = ""


@dataclass
class Block:
    dimension: str
    label: str
    lines: list[Line]
    max_points: Decimal
    totals: dict[str, Decimal]


@dataclass
class Sheet:
    blocks: list[Block]
    totals: dict[str, Decimal]  # stage → typed + computed
    max_points: Decimal
    scoring_stage: str | None  # the stage the viewer may score now
    changes: list[ScoreChange]


def sheet(*, assessment: Assessment, user: Any) -> Sheet:
    """The scoring sheet with every stage's points side by side, the computed lines and
    their figures, and the stage this user may score now (None: read-only)."""
    criteria = list(Criterion.objects.filter(cycle_id=assessment.cycle_id).order_by("order", "id"))
    scores = {(s.criterion_id, s.stage): s for s in Score.objects.filter(assessment=assessment)}
    computed = assessment.figures.get("points") or {}
    metrics = assessment.figures.get("metrics") or {}
    blocks: list[Block] = []
    grand: dict[str, Decimal] = {st: Decimal(0) for st in SCORING_STAGES}
    for dim in Dimension:
        lines = []
        totals: dict[str, Decimal] = {st: Decimal(0) for st in SCORING_STAGES}
        for c in (c for c in criteria if c.dimension == dim):
            line = Line(criterion=c)
            if c.metric:
                pts = Decimal(computed[c.code]) if c.code in computed else None
                line.computed = pts
                line.value = metrics.get(c.metric)
                for st in SCORING_STAGES:
                    totals[st] += pts or 0
            else:
                for st in SCORING_STAGES:
                    s = scores.get((c.pk, st))
                    line.points[st] = s.points if s else None
                    line.notes[st] = s.note if s else ""
                    totals[st] += s.points if s else 0
            lines.append(line)
        if lines:
            blocks.append(
                Block(
                    dimension=dim,
                    label=str(dim.label),
                    lines=lines,
                    max_points=sum((ln.criterion.max_points for ln in lines), Decimal(0)),
                    totals=totals,
                )
            )
        for st in SCORING_STAGES:
            grand[st] += totals[st]
    rel = SCORERS.get(Stage(assessment.stage))
    scoring = assessment.stage if rel and WORKFLOW.relationships[rel](user, assessment) else None
    if scoring:
        order = list(SCORING_STAGES)
        earlier = order[: order.index(Stage(scoring)) + 1][::-1]  # own first, then back
        for block in blocks:
            for line in block.lines:
                if line.criterion.metric:
                    continue
                for st in earlier:
                    if line.points.get(st) is not None:
                        line.prefill = str(line.points[st])
                        line.prefill_note = line.notes.get(st, "") if st == scoring else ""
                        break
    return Sheet(
        blocks=blocks,
        totals=grand,
        max_points=sum((c.max_points for c in criteria), Decimal(0)),
        scoring_stage=scoring,
        changes=list(
            ScoreChange.objects.filter(assessment=assessment)
            .select_related("criterion", "actor")
            .order_by("-at", "-id")[:50]
        ),
    )


def timeline(*, assessment: Assessment) -> list[AssessmentEvent]:
    return list(assessment.events.select_related("actor").order_by("at", "id"))


def evidence_of(*, assessment: Assessment) -> list[Evidence]:
    return list(assessment.evidence.select_related("criterion", "uploaded_by").order_by("id"))


def evidence_get(*, user: Any, evidence_id: int) -> Evidence:
    ev = Evidence.objects.select_related("assessment").filter(pk=evidence_id).first()
    if ev is None or not ev.file:
        raise NotFound()
    assessment_get(user=user, assessment_id=ev.assessment_id)
    return ev


def _period_bounds(a: Assessment) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(a.cycle.period_start, dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(a.cycle.period_end + dt.timedelta(days=1), dt.time.min)
    )
    return start, end


def requests_behind(*, assessment: Assessment, limit: int = 30) -> list[ServiceRequest]:
    """The company's orders of the period that count against it: breached a deadline,
    reopened, or rated 1–2★ — the figures' sources, linked from the page."""
    start, end = _period_bounds(assessment)
    low = Rating.objects.filter(request=OuterRef("pk"), score__lte=2)
    return list(
        ServiceRequest.objects.filter(
            handling_org_id=assessment.company_id, created_at__gte=start, created_at__lt=end
        )
        .filter(Q(breached=True) | Q(reopen_count__gt=0) | Exists(low))
        .select_related("category")
        .order_by("-created_at")[:limit]
    )


@dataclass
class PublicEntry:
    company: str
    city: str
    year: int
    stars: int
    total: Decimal | None
    certified_at: dt.datetime | None
    metrics: dict[str, str | None]
    compounds: int


METRIC_LABELS = {m.value: m.label for m in Metric}


def public_list(*, city_id: int | None = None) -> list[PublicEntry]:
    """Certified companies with at least one star in each city's latest cycle that has a
    certification; withdrawn ones are gone (a star can be lost). No personal data."""
    certified = Assessment.objects.filter(stage=Stage.CERTIFIED, stars__gte=3)
    if city_id:
        certified = certified.filter(city_id=city_id)
    latest: dict[int, int] = {}
    for city, year in certified.values_list("city_id", "cycle__year").order_by(
        "city_id", "-cycle__year"
    ):
        latest.setdefault(city, year)
    out = []
    rows = (
        certified.filter(
            Q(*[Q(city_id=c, cycle__year=y) for c, y in latest.items()], _connector=Q.OR)
        )
        .select_related("company", "cycle", "city")
        .annotate(n_compounds=Count("company__served_compounds", distinct=True))
        .order_by("-stars", "-total", "company__name")
        if latest
        else []
    )
    for a in rows:
        out.append(
            PublicEntry(
                company=a.company.name,
                city=a.city.name if a.city else "",
                year=a.cycle.year,
                stars=a.stars or 0,
                total=a.total,
                certified_at=a.certified_at,
                metrics=(a.figures.get("metrics") or {}),
                compounds=getattr(a, "n_compounds", 0),
            )
        )
    return out


def _latest_certified_cycle() -> Subquery:
    """For an assessment row: its city's latest rating cycle with at least one
    certification (certified, or certified and then withdrawn). The cycle is the
    city's, so every street of a city is read in the same year."""
    return Subquery(
        RatingCycle.objects.filter(
            city_id=OuterRef("cycle__city_id"), assessments__certified_at__isnull=False
        )
        .order_by("-year", "-pk")
        .values("pk")[:1]
    )


def stars_by(*, scope: ScopeSet, level: str) -> list[dict[str, Any]]:
    """Dashboards: for each city's latest certified cycle, the companies certified with
    5★, 4★, 3★ or no star (below the 3★ line) and their average total, by street or
    community (``level``) of the assessment's place, inside ``scope``. A withdrawn star
    no longer counts (a star can be lost). One query (the cycle is a subquery)."""
    column = f"{level}_id"
    rows = (
        scope.filter(Assessment.objects.filter(stage=Stage.CERTIFIED))
        .filter(cycle_id=_latest_certified_cycle())
        .exclude(**{f"{column}__isnull": True})
        .values(column, f"{level}__name", f"{level}__code", "cycle__year")
        .annotate(
            companies=Count("pk"),
            five=Count("pk", filter=Q(stars=5)),
            four=Count("pk", filter=Q(stars=4)),
            three=Count("pk", filter=Q(stars=3)),
            average=Avg("total"),
        )
        .order_by(f"{level}__code", column)
    )
    return [
        {
            "id": r[column],
            "name": r[f"{level}__name"],
            "year": r["cycle__year"],
            "companies": r["companies"],
            "five": r["five"],
            "four": r["four"],
            "three": r["three"],
            "none": r["companies"] - r["five"] - r["four"] - r["three"],
            "average": (
                Decimal(r["average"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if r["average"] is not None
                else None
            ),
        }
        for r in rows
    ]
