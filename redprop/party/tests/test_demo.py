"""The demo's party building (redprop/demo/seed/party.py) on a small seeded foundation."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.demo.seed import run_seed
from redprop.demo.seed.party import seed_party
from redprop.orgs.choices import CompanyType, PartyOrgKind
from redprop.orgs.models import PartyOrg
from redprop.party import selectors
from redprop.party.models import Member, Post, ShowConsent, Supervision

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 7)


def test_puyang_ten_pilot_projects_three_branches_and_jiayuguan_red_company():
    ctx = run_seed(seed=1, scale=0.02, today=TODAY, registered=False)
    branches_before = PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).count()
    seed_party(ctx)
    # Branches the foundation formed are linked, never formed twice.
    assert PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).count() == branches_before
    puyang = ctx.cities["puyang"]
    members = Member.objects.filter(city=puyang)
    projects = {(m.company_id, m.compound_id) for m in members}
    assert len(projects) == 10  # seed 001: 10 pilot projects
    rows = [
        r
        for s in selectors.coverage_by_street(user=ctx.users["sysadmin"])
        for r in s.rows
        if (r.company_id, r.compound_id) in projects
    ]
    assert sum(r.status == "branch" for r in rows) == 3  # seed 001: 3 branches
    assert sum(r.status == "joined" for r in rows) == 7
    # Jiayuguan's red company: 5 members in a branch, the three posts and an area.
    red = Member.objects.filter(city=ctx.cities["jiayuguan"], company__company_type=CompanyType.RED)
    assert red.count() == 5 and {m.party_org.kind for m in red} == {PartyOrgKind.BRANCH}
    kinds = set(Post.objects.filter(company=red.first().company).values_list("kind", flat=True))
    assert {"responsibility", "model", "vanguard"} <= kinds
    assert ShowConsent.objects.filter(member__in=red).count() >= 3
    # The Jinghe red company's decisions: one answered, one waiting, one overdue.
    jinghe = Supervision.objects.filter(city=ctx.cities["wuhan"])
    assert {s.status for s in jinghe} == {"answered", "submitted"}
    assert sum(s.overdue for s in jinghe) == 1
