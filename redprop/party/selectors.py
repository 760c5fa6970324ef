"""Reads of party building, scope first: coverage by project and by street, a company's
page, posts, proposals, cross-appointments, the supervision queue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from redprop.core.errors import NotFound
from redprop.core.scope import ScopeSet
from redprop.orgs.choices import OrgKind, PartyOrgKind
from redprop.orgs.models import CrossAppointment, Org
from redprop.party import permissions
from redprop.party.choices import BRANCH_MIN_MEMBERS, ProposalStatus, SupervisionStatus
from redprop.party.models import BranchProposal, Member, Post, ShowConsent, Supervision
from redprop.territory.models import Compound, Region


@dataclass
class ProjectRow:
    """One property company's project (a compound, or its office: no compound)."""

    company_id: int
    company: str
    compound_id: int | None
    compound: str
    street_id: int | None
    community_id: int | None
    members: int = 0
    branch_members: int = 0
    pending: bool = False

    @property
    def has_branch(self) -> bool:
        return self.branch_members > 0

    @property
    def status(self) -> str:
        """branch · eligible (3+, no branch yet) · joined (1–2: in the community's
        organisation) · none (no member)."""
        if self.has_branch:
            return "branch"
        if self.members >= BRANCH_MIN_MEMBERS:
            return "eligible"
        if self.members:
            return "joined"
        return "none"


@dataclass
class Tally:
    """Projects summed over a place: the one place the coverage arithmetic is written."""

    projects: int = 0
    covered: int = 0  # projects with at least one member
    branches: int = 0  # projects whose members are in a branch
    eligible: int = 0
    joined: int = 0
    members: int = 0

    def add(self, row: ProjectRow) -> None:
        self.projects += 1
        self.members += row.members
        self.covered += bool(row.members)
        self.branches += row.status == "branch"
        self.eligible += row.status == "eligible"
        self.joined += row.status == "joined"


@dataclass
class StreetRow(Tally):
    street_id: int | None = None
    street: str = ""
    rows: list[ProjectRow] = field(default_factory=list)


@dataclass
class RegionCoverage(Tally):
    """Party building in one street or community, in aggregate numbers only (party
    membership is sensitive: no name, no project list)."""

    id: int = 0
    name: str = ""
    companies: int = 0  # property companies with a project here
    companies_covered: int = 0  # of which with at least one member in a project here
    waiting: int = 0  # supervision items waiting for the committee's opinion
    overdue: int = 0  # of which past their due date

    @property
    def rate(self) -> float | None:
        """Coverage %: projects with at least one member / projects."""
        return round(100 * self.covered / self.projects, 1) if self.projects else None


def _scope(user: Any) -> Any:
    return user.scope_set(*permissions.PAGE_ROLES)


def coverage(*, user: Any, street_id: int | None = None) -> list[ProjectRow]:
    """Every project in the user's scope with its members and branch (``coverage_rows``)."""
    return coverage_rows(scope=_scope(user), street_id=street_id)


def coverage_rows(
    *, scope: ScopeSet, street_id: int | None = None, details: bool = True
) -> list[ProjectRow]:
    """Every project in ``scope`` with its members and branch: two grouped queries
    (members, compounds), and with ``details`` one for the waiting proposals and one
    for the companies' names."""
    members = scope.filter(Member.objects.filter(left_on__isnull=True))
    compounds = scope.filter(Compound.objects.filter(company__isnull=False))
    if street_id:
        members = members.filter(street_id=street_id)
        compounds = compounds.filter(street_id=street_id)
    rows: dict[tuple[int, int | None], ProjectRow] = {}
    for c in compounds.values("id", "name", "company_id", "street_id", "community_id"):
        rows[c["company_id"], c["id"]] = ProjectRow(
            company_id=c["company_id"],
            company="",
            compound_id=c["id"],
            compound=c["name"],
            street_id=c["street_id"],
            community_id=c["community_id"],
        )
    grouped = members.values("company_id", "compound_id", "street_id", "community_id").annotate(
        n=Count("id"), b=Count("id", filter=Q(party_org__kind=PartyOrgKind.BRANCH))
    )
    for g in grouped:
        key = (g["company_id"], g["compound_id"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = ProjectRow(
                company_id=g["company_id"],
                company="",
                compound_id=g["compound_id"],
                compound="",
                street_id=g["street_id"],
                community_id=g["community_id"],
            )
        row.members += g["n"]
        row.branch_members += g["b"]
    if details and rows:
        pending = set(
            BranchProposal.objects.filter(
                status=ProposalStatus.PROPOSED, company_id__in={k[0] for k in rows}
            ).values_list("company_id", "compound_id")
        )
        names = dict(Org.objects.filter(pk__in={k[0] for k in rows}).values_list("pk", "name"))
        for key, row in rows.items():
            row.company = names.get(row.company_id, "")
            row.pending = key in pending
    return sorted(rows.values(), key=lambda r: (r.street_id or 0, r.company, r.compound))


def coverage_by_street(*, user: Any) -> list[StreetRow]:
    """Coverage summed by street (街道): projects, covered, branches, eligible, joined."""
    out: dict[int | None, StreetRow] = {}
    for row in coverage(user=user):
        s = out.get(row.street_id)
        if s is None:
            s = out[row.street_id] = StreetRow(street_id=row.street_id, street="")
        s.rows.append(row)
        s.add(row)
    names = dict(Region.objects.filter(pk__in=[k for k in out if k]).values_list("pk", "name"))
    for k, s in out.items():
        s.street = names.get(k, "—") if k else "—"
    return sorted(out.values(), key=lambda s: s.street)


def coverage_by(*, scope: ScopeSet, level: str) -> list[RegionCoverage]:
    """Dashboards: party building by street or community (``level``) of ``scope`` — the
    coverage of ``coverage_rows`` summed per place (``Tally``), the companies with a
    project there and those covered, and the supervision items waiting for an opinion
    (and overdue). Four queries whatever the number of places; aggregates only."""
    column = f"{level}_id"
    out: dict[int, RegionCoverage] = {}
    companies: dict[int, set[int]] = defaultdict(set)
    covered: dict[int, set[int]] = defaultdict(set)
    for row in coverage_rows(scope=scope, details=False):
        key = getattr(row, column)
        if key is None:
            continue
        out.setdefault(key, RegionCoverage(id=key)).add(row)
        companies[key].add(row.company_id)
        if row.members:
            covered[key].add(row.company_id)
    today = timezone.localdate()
    waiting = (
        scope.filter(Supervision.objects.filter(status=SupervisionStatus.SUBMITTED))
        .exclude(**{f"{column}__isnull": True})
        .values(column)
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
        .order_by()
    )
    for w in waiting:
        r = out.setdefault(w[column], RegionCoverage(id=w[column]))
        r.waiting, r.overdue = w["n"], w["late"]
    places = (
        {
            pk: (code, name)
            for pk, code, name in Region.objects.filter(pk__in=list(out)).values_list(
                "pk", "code", "name"
            )
        }
        if out
        else {}
    )
    for key, r in out.items():
        r.name = places.get(key, ("", "—"))[1]
        r.companies = len(companies[key])
        r.companies_covered = len(covered[key])
    # Places in the territory's order (region codes), like the dashboard's picker.
    return sorted(out.values(), key=lambda r: (places.get(r.id, ("", ""))[0], r.id))


def coverage_naive(*, user: Any) -> list[tuple[int, int | None, int, bool]]:
    """The same figures, one query per project (the bench's baseline)."""
    scope = _scope(user)
    out = []
    for c in scope.filter(Compound.objects.filter(company__isnull=False)):
        qs = Member.objects.filter(company_id=c.company_id, compound_id=c.pk, left_on__isnull=True)
        out.append(
            (
                c.company_id,
                c.pk,
                qs.count(),
                qs.filter(party_org__kind=PartyOrgKind.BRANCH).exists(),
            )
        )
    return out


def companies_for(*, user: Any) -> QuerySet[Org]:
    """Property companies the user may open: their own, or serving a compound in scope."""
    scope = _scope(user)
    if not scope:
        return Org.objects.none()
    served = scope.filter(Compound.objects.filter(company__isnull=False)).values("company_id")
    own = [s.node_id for s in scope if s.kind == "org"]
    return Org.objects.filter(
        Q(pk__in=served) | Q(pk__in=own), kind=OrgKind.PROPERTY_COMPANY
    ).order_by("name")


def company_get(*, user: Any, company_id: int) -> Org:
    org = companies_for(user=user).filter(pk=company_id).first()
    if org is None:
        raise NotFound()
    return org


def members_of(*, user: Any, company: Org) -> list[Member]:
    """The company's members in the user's scope, masked, with their current consent."""
    members = list(
        _scope(user)
        .filter(Member.objects.filter(company=company))
        .select_related("compound", "party_org")
        .order_by("left_on", "compound_id", "id")
    )
    consents = {
        c.member_id: c
        for c in ShowConsent.objects.filter(member__in=members, withdrawn_at__isnull=True)
    }
    for m in members:
        m.consent = consents.get(m.pk)
    return members


def member_get(*, user: Any, member_id: int) -> Member:
    m = (
        _scope(user)
        .filter(Member.objects.select_related("company", "compound", "party_org"))
        .filter(pk=member_id)
        .first()
    )
    if m is None:
        raise NotFound()
    m.consent = ShowConsent.objects.filter(member=m, withdrawn_at__isnull=True).first()
    return cast(Member, m)


def proposals_for(*, user: Any, company: Org | None = None) -> QuerySet[BranchProposal]:
    qs = _scope(user).filter(BranchProposal.objects.select_related("company", "compound"))
    return cast(QuerySet[Any], qs.filter(company=company) if company is not None else qs)


def proposal_get(*, user: Any, proposal_id: int) -> BranchProposal:
    p = proposals_for(user=user).filter(pk=proposal_id).first()
    if p is None:
        raise NotFound()
    return p


def posts_for(*, user: Any, company: Org | None = None, active: bool = True) -> QuerySet[Post]:
    qs = _scope(user).filter(
        Post.objects.select_related("member", "company", "compound", "area_grid").prefetch_related(
            "buildings"
        )
    )
    if active:
        qs = qs.filter(ended_on__isnull=True)
    return cast(QuerySet[Any], qs.filter(company=company) if company is not None else qs)


def post_get(*, user: Any, post_id: int) -> Post:
    p = posts_for(user=user, active=False).filter(pk=post_id).first()
    if p is None:
        raise NotFound()
    return p


def appointments_for(*, user: Any, active: bool = True) -> QuerySet[CrossAppointment]:
    """Cross-appointments touching an organisation in the user's scope (either side)."""
    scope = _scope(user)
    if not scope:
        return CrossAppointment.objects.none()
    orgs = scope.filter(Org.objects.all()).values("pk")
    qs = CrossAppointment.objects.filter(
        Q(home_org__in=orgs) | Q(seat_org__in=orgs)
    ).select_related("person", "home_org", "seat_org")
    if active:
        qs = qs.filter(ended_on__isnull=True)
    return qs.order_by("-started_on", "-id")


def supervisions_for(*, user: Any, status: str = "") -> QuerySet[Supervision]:
    qs = _scope(user).filter(Supervision.objects.select_related("company", "community"))
    if status == "overdue":
        qs = qs.filter(status=SupervisionStatus.SUBMITTED, due_on__lt=timezone.localdate())
    elif status in SupervisionStatus.values:
        qs = qs.filter(status=status)
    return cast(QuerySet[Any], qs.order_by("status", "due_on", "-id"))


def supervision_get(*, user: Any, supervision_id: int) -> Supervision:
    s = supervisions_for(user=user).filter(pk=supervision_id).first()
    if s is None:
        raise NotFound()
    return s


def supervision_counts(*, user: Any) -> dict[str, int]:
    today: dt.date = timezone.localdate()
    qs = _scope(user).filter(Supervision.objects.all())
    return {
        "waiting": qs.filter(status=SupervisionStatus.SUBMITTED).count(),
        "overdue": qs.filter(status=SupervisionStatus.SUBMITTED, due_on__lt=today).count(),
    }


def group_posts(posts: list[Post]) -> dict[str, list[Post]]:
    out: dict[str, list[Post]] = defaultdict(list)
    for p in posts:
        out[p.kind].append(p)
    return dict(out)
