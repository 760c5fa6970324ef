"""Reads of mediation cases and petitions. Nothing here writes (the logged read of a
case file is ``services.case_file_open``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS
from redprop.mediation.choices import OPEN_STATES, SATISFIED_MIN, CaseKind, Status
from redprop.mediation.models import Case, CaseEvent, CaseMediator, CaseParty


def case_queryset() -> QuerySet[Case]:
    return Case.objects.prefetch_related("mediators", "parties")


def visible_q(user: Any) -> Q:
    """The cases ``user`` may open at all: the supervisors' territory, the cases they
    mediate, the cases they are a party to (a resident, or a company's staff)."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    from redprop.mediation.permissions import SUPERVISORS

    q = Q(Exists(CaseMediator.objects.filter(case=OuterRef("pk"), user_id=user.pk)))
    for s in user.scope_set(*SUPERVISORS):
        if s.kind == "all":
            return Q()
        if s.kind in TERRITORY_LEVELS:
            q |= Q(**{f"{s.kind}_id": s.node_id})
    if user.person_id and user.has_role(Role.RESIDENT):
        q |= Q(Exists(CaseParty.objects.filter(case=OuterRef("pk"), person_id=user.person_id)))
    org_ids = [s.node_id for s in user.scope_set(Role.COMPANY_STAFF) if s.kind == "org"]
    if org_ids:
        q |= Q(Exists(CaseParty.objects.filter(case=OuterRef("pk"), org_id__in=org_ids)))
    return q


def case_list(
    *,
    user: Any,
    status: str = "",
    kind: str = "",
    mine: bool = False,
    overdue: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[Case]:
    """The cases ``user`` may open, newest first; ``mine``: only those they mediate."""
    qs = case_queryset().filter(visible_q(user))
    if mine:
        qs = qs.filter(Exists(CaseMediator.objects.filter(case=OuterRef("pk"), user_id=user.pk)))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATES)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue:
        qs = qs.filter(breached=True, status__in=OPEN_STATES)
    return list(
        qs.select_related("compound").order_by("-received_at", "-id")[offset : offset + limit]
    )


def timeline(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor").order_by("at", "id"))


@dataclass(frozen=True)
class CountRow:
    node_id: int | None
    name: str
    cases: int
    petitions: int
    open: int
    agreements: int
    concluded: int
    breached: int
    rated: int
    satisfied: int
    avg_score: float | None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None

    @property
    def agreement_rate(self) -> float | None:
        disputes = self.cases - self.petitions
        return round(100 * self.agreements / disputes, 1) if disputes > 0 else None


LEVEL_BELOW = {
    "city": "district",
    "district": "street",
    "street": "community",
    "community": "community",
}


def case_counts(*, scope: Any, node: Any, since: dt.datetime, until: dt.datetime) -> list[CountRow]:
    """Counts, agreements and satisfaction of the cases received in [since, until) under
    ``node`` (a Region), one row per region one level down (a community: itself).

    Two GROUP BY queries on the place columns, no per-case work; ``scope`` (the user's
    ScopeSet) is applied first: a node outside it gives nothing.
    """
    from redprop.territory.models import Region

    level = node.level
    below = LEVEL_BELOW.get(level, "community")
    cases = scope.filter(Case.objects.all()).filter(
        **{f"{level}_id": node.pk}, received_at__gte=since, received_at__lt=until
    )
    col = f"{below}_id"
    rows = cases.values(col).annotate(
        n=Count("pk"),
        petitions=Count("pk", filter=Q(kind=CaseKind.PETITION)),
        open=Count("pk", filter=Q(status__in=OPEN_STATES)),
        agreements=Count("pk", filter=Q(status__in=[Status.AGREED, Status.CLOSED])),
        concluded=Count("pk", filter=~Q(status__in=OPEN_STATES) | Q(status=Status.AGREED)),
        breached=Count("pk", filter=Q(breached=True)),
    )
    # The parties who rated, reached from the rated rows (a partial index) with the
    # same conditions on their case: one join, not a second scan of the cases.
    rated = CaseParty.objects.filter(
        satisfaction__isnull=False,
        **{f"case__{level}_id": node.pk},
        case__received_at__gte=since,
        case__received_at__lt=until,
    )
    try:
        rated = scope.filter(rated, "case__")
    except ValueError:  # a scope that cannot be re-rooted (resident, org): by ids
        rated = rated.filter(case__in=cases.values("pk"))
    ratings = rated.values(f"case__{col}").annotate(
        rated=Count("pk"),
        satisfied=Count("pk", filter=Q(satisfaction__gte=SATISFIED_MIN)),
        avg=Avg("satisfaction"),
    )
    by_rating = {r[f"case__{col}"]: r for r in ratings}
    names = dict(Region.objects.filter(pk__in=[r[col] for r in rows]).values_list("pk", "name"))
    out = []
    for r in rows:
        rating = by_rating.get(r[col], {})
        out.append(
            CountRow(
                node_id=r[col],
                name=names.get(r[col], "—"),
                cases=r["n"],
                petitions=r["petitions"],
                open=r["open"],
                agreements=r["agreements"],
                concluded=r["concluded"],
                breached=r["breached"],
                rated=rating.get("rated", 0),
                satisfied=rating.get("satisfied", 0),
                avg_score=float(rating["avg"]) if rating.get("avg") is not None else None,
            )
        )
    return sorted(out, key=lambda row: (-row.cases, row.name))


def total(rows: list[CountRow]) -> CountRow:
    rated = sum(r.rated for r in rows)
    scored = [(r.avg_score or 0) * r.rated for r in rows]
    return CountRow(
        node_id=None,
        name=gettext("合计"),
        cases=sum(r.cases for r in rows),
        petitions=sum(r.petitions for r in rows),
        open=sum(r.open for r in rows),
        agreements=sum(r.agreements for r in rows),
        concluded=sum(r.concluded for r in rows),
        breached=sum(r.breached for r in rows),
        rated=rated,
        satisfied=sum(r.satisfied for r in rows),
        avg_score=(sum(scored) / rated) if rated else None,
    )
