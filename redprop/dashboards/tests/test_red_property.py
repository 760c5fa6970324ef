"""The dashboard's 红色物业 section: party building, star ratings, volunteers and service
lists by street and community, each figure from its app's aggregate selector, inside the
viewer's scope, in a fixed number of queries whatever the number of places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.conftest import build_siblings
from redprop.core.scope import Scope, ScopeSet
from redprop.dashboards import selectors
from redprop.dashboards.periods import add_months, month_value, this_month
from redprop.orgs.services import org_add_member, party_committee_create
from redprop.party import services as party
from redprop.party.models import Supervision
from redprop.party.tests.helpers import party_world, register
from redprop.people.services import person_create
from redprop.ratings import services as ratings
from redprop.ratings.models import Assessment, Criterion
from redprop.service_lists import services as service_lists
from redprop.service_lists.models import ServiceItem
from redprop.service_lists.tests.helpers import agree, need, resource
from redprop.territory import services as territory
from redprop.volunteers import services as vs
from redprop.volunteers.choices import TeamKind
from redprop.volunteers.tests.helpers import published, volunteer_world

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:dashboard")


# --- building the four mechanisms through their services ---------------------------------


def _party(w: Any) -> None:
    """Street A: three members in 幸福小区 → proposed branch, approved; a supervision
    item waiting and one overdue. Street B: one member of 锦源物业 in 桥西小区."""
    pw = party_world(w)
    register(w, pw, 3)
    (proposal,) = _proposals()
    party.proposal_approve(acting_user=w.users[Role.COMMUNITY_STAFF], proposal_id=proposal.pk)
    for title in ("更换2栋单元门禁", "调整停车收费"):
        party.supervision_submit(
            acting_user=w.users[Role.COMPANY_STAFF],
            company_id=w.company.pk,
            community_id=w.community.pk,
            kind="spending",
            title=title,
            detail="报社区党委审核",
            amount="12000",
        )
    # Time passes for one of them: its opinion is now overdue.
    Supervision.objects.filter(title="调整停车收费").update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    party_committee_create(community=w.community_b, name="中共二桥西社区委员会", acting_user=None)
    p = person_create(name="吴志刚", mobile="13912349999", acting_user=None)
    org_add_member(org=w.company_b, person=p, position="管家", acting_user=None)
    party.member_register(
        acting_user=w.siblings[Role.COMPANY_STAFF],
        company_id=w.company_b.pk,
        person_id=p.pk,
        compound_id=w.compound_b.pk,
    )


def _proposals() -> list[Any]:
    from redprop.party.models import BranchProposal

    return list(BranchProposal.objects.filter(status="proposed"))


def _certify(w: Any, company: Any, committee: Any, points_of: Any) -> Assessment:
    a = Assessment.objects.get(company=company)
    typed = list(Criterion.objects.filter(cycle=a.cycle, metric="").order_by("order"))
    company_staff = (
        w.users[Role.COMPANY_STAFF] if company == w.company else w.siblings[Role.COMPANY_STAFF]
    )
    bureau = w.users[Role.HOUSING_BUREAU]
    for user, action in ((company_staff, "submit"), (committee, "forward"), (bureau, "certify")):
        ratings.scores_save(
            acting_user=user,
            assessment_id=a.pk,
            scores={c.code: str(points_of(c)) for c in typed},
        )
        a = ratings.transition(acting_user=user, assessment_id=a.pk, action=action)
    return a


def _ratings(w: Any) -> tuple[Assessment, Assessment]:
    """This year's cycle: company A certified on full typed points (80 → 4★), company B
    on half a point less a line."""
    ratings.cycle_open(
        acting_user=w.users[Role.HOUSING_BUREAU], city_id=w.city.pk, year=timezone.localdate().year
    )
    a = _certify(w, w.company, w.users[Role.COMMUNITY_STAFF], lambda c: c.max_points)
    b = _certify(
        w, w.company_b, w.siblings[Role.COMMUNITY_STAFF], lambda c: c.max_points - Decimal("0.5")
    )
    return a, b


def _volunteers(w: Any) -> dict[str, Any]:
    """Community A: the resident volunteers in an activity of this month and checks in;
    the organiser credits 2.5 hours (no check-out) and approves them. Community B: one
    volunteer, no activity."""
    vw = volunteer_world(w)
    resident, staff, a = w.users[Role.RESIDENT], vw["staff"], vw["activity"]
    signup = vs.signup_create(activity_id=a.pk, acting_user=resident)
    vs.checkin(activity_id=a.pk, acting_user=resident)
    rec = vs.hours_credit(signup_id=signup.pk, hours="2.5", acting_user=staff)
    vs.hours_decide(record_id=rec.pk, action="approve", acting_user=staff)
    # A draft and a cancelled activity are not "held".
    vs.activity_create(
        team_id=vw["team"].pk,
        title="草稿活动",
        place="社区活动室",
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=1),
        capacity=5,
        acting_user=staff,
    )
    cancelled = published(w, vw["team"], title="取消的活动")
    vs.activity_transition(
        activity_id=cancelled.pk, action="cancel", reason="下雨", acting_user=staff
    )
    vs.team_create(
        community_id=w.community_b.pk,
        name="二桥西居民服务联盟",
        kind=TeamKind.ALLIANCE,
        acting_user=w.siblings[Role.COMMUNITY_STAFF],
    )
    vs.volunteer_join(acting_user=w.siblings[Role.RESIDENT])
    return {**vw, "signup": signup}


def _service_lists(w: Any) -> None:
    """Community A: two needs (one claimed and completed, one overdue) and one resource
    claimed; community B: one need posted."""
    agree(w)
    unit = w.users[Role.UNIT_STAFF]
    done = need(w)
    service_lists.item_claim(acting_user=unit, item_id=done.pk)
    service_lists.item_start(acting_user=unit, item_id=done.pk)
    service_lists.item_complete(acting_user=unit, item_id=done.pk, note="已上门探访")
    late = need(w, title="楼道扶手维修")
    # Time passes: its due date is behind us and nobody claimed it.
    ServiceItem.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    res = resource(w)
    service_lists.item_claim(acting_user=w.users[Role.COMMUNITY_STAFF], item_id=res.pk)
    need(
        w,
        acting_user=w.siblings[Role.GRID_BUTLER],
        compound_id=w.compound_b.pk,
        title="桥西小区独居老人探访",
    )


@pytest.fixture
def red(world: Any) -> Any:
    build_siblings(world)
    _party(world)
    _ratings(world)
    _volunteers(world)
    _service_lists(world)
    return world


def _section(resp: Any) -> dict[str, Any]:
    return {t.level: t for t in resp.context["red"]}


def _red_html(resp: Any) -> str:
    """The section's own HTML (the page header names the SLA policy's place)."""
    html = resp.content.decode()
    start = html.index('id="red-property"')
    return html[start : html.index("</section>", start)]


def _names(rows: list[Any]) -> list[str]:
    return [r["name"] if isinstance(r, dict) else r.name for r in rows]


# --- the figures as each role sees them --------------------------------------------------


def test_the_bureau_sees_every_street_and_community_of_its_city(red: Any) -> None:
    """The housing bureau over the city: both streets and both communities, each figure
    as defined in docs/subsystems/dashboards.md."""
    resp = red.client(Role.HOUSING_BUREAU).get(URL)
    assert resp.status_code == 200
    by = _section(resp)
    assert list(by) == ["street", "community"]
    assert _names(by["street"].party) == ["径河街道", "江南街道"]
    assert _names(by["community"].party) == ["红星社区", "二桥西社区"]
    jh = {r.name: r for r in by["street"].party}["径河街道"]
    assert (jh.projects, jh.covered, jh.rate, jh.branches, jh.members) == (1, 1, 100.0, 1, 3)
    assert (jh.companies, jh.companies_covered, jh.waiting, jh.overdue) == (1, 1, 2, 1)
    jn = {r.name: r for r in by["street"].party}["江南街道"]
    assert (jn.projects, jn.covered, jn.branches, jn.members, jn.waiting) == (1, 1, 0, 1, 0)
    stars = {r["name"]: r for r in by["community"].ratings}
    hx = stars["红星社区"]
    assert (hx["five"], hx["four"], hx["three"], hx["none"]) == (0, 1, 0, 0)
    assert hx["average"] == Decimal("80.0") and hx["year"] == timezone.localdate().year
    b = Assessment.objects.get(company=red.company_b)
    eq = stars["二桥西社区"]
    assert eq["average"] == b.total.quantize(Decimal("0.1"))
    assert eq[{5: "five", 4: "four", 3: "three", None: "none"}[b.stars]] == 1
    vols = {r.name: r for r in by["community"].volunteers}
    assert (vols["红星社区"].volunteers, vols["红星社区"].activities) == (1, 1)
    assert (vols["红星社区"].person_times, vols["红星社区"].approved_hours) == (1, Decimal("2.50"))
    assert (vols["二桥西社区"].volunteers, vols["二桥西社区"].activities) == (1, 0)
    lists = {r["name"]: r for r in by["community"].service_lists}
    hx_list = lists["红星社区"]
    assert hx_list["need"] == {"posted": 2, "claimed": 1, "done": 1, "overdue": 1, "rate": 50.0}
    assert hx_list["resource"] == {
        "posted": 1,
        "claimed": 1,
        "done": 0,
        "overdue": 0,
        "rate": 100.0,
    }
    assert hx_list["total"] == {"posted": 3, "claimed": 2, "done": 1, "overdue": 1, "rate": 66.7}
    assert lists["二桥西社区"]["total"]["posted"] == 1
    assert lists["二桥西社区"]["total"]["rate"] == 0.0
    html = resp.content.decode()
    assert 'id="red-property"' in html and "66.7%" in html and "2.50" in html
    assert 'data-red="party-street"' in html and 'data-red="service-lists-community"' in html


def test_a_street_officer_sees_only_their_street(red: Any) -> None:
    """Street A's officer: 径河街道 and 红星社区 in every table, never street B's rows."""
    resp = red.client(Role.STREET_OFFICER).get(URL)
    by = _section(resp)
    assert list(by) == ["street", "community"]
    for level, name in (("street", "径河街道"), ("community", "红星社区")):
        t = by[level]
        for rows in (t.party, t.ratings, t.volunteers, t.service_lists):
            assert _names(rows) == [name]
    html = _red_html(resp)
    assert "径河街道" in html and "红星社区" in html
    assert "江南街道" not in html and "二桥西社区" not in html


def test_a_community_desk_sees_only_its_community(red: Any) -> None:
    """Community A's staff: one table per mechanism, by community, with their row only."""
    resp = red.client(Role.COMMUNITY_STAFF).get(URL)
    by = _section(resp)
    assert list(by) == ["community"]
    t = by["community"]
    for rows in (t.party, t.ratings, t.volunteers, t.service_lists):
        assert _names(rows) == ["红星社区"]
    assert t.party[0].members == 3 and t.service_lists[0]["total"]["posted"] == 3
    html = _red_html(resp)
    assert "红星社区" in html and "二桥西社区" not in html and "径河街道" not in html


def test_the_sibling_street_sees_its_own_rows_and_none_of_street_a(red: Any) -> None:
    resp = red.client("street_b").get(URL)
    by = _section(resp)
    for t in by.values():
        for rows in (t.party, t.ratings, t.volunteers, t.service_lists):
            assert set(_names(rows)) <= {"江南街道", "二桥西社区"}
            assert rows, f"{t.level} has street B's data"
    html = _red_html(resp)
    assert "江南街道" in html and "二桥西社区" in html
    assert "径河街道" not in html and "红星社区" not in html


def test_a_company_sees_no_red_property_section(red: Any) -> None:
    """A property company's own-unit dashboard has no territory: no section at all."""
    resp = red.client(Role.COMPANY_STAFF).get(URL)
    assert resp.status_code == 200
    assert resp.context["red"] == []
    assert 'id="red-property"' not in resp.content.decode()


def test_a_place_picked_narrows_the_section(red: Any) -> None:
    """The bureau picks community B: only its rows, and only the community level."""
    resp = red.client(Role.HOUSING_BUREAU).get(URL, {"node": red.community_b.pk})
    by = _section(resp)
    assert list(by) == ["community"]
    assert _names(by["community"].party) == ["二桥西社区"]
    assert _names(by["community"].volunteers) == ["二桥西社区"]


def test_monthly_figures_follow_the_selected_month(red: Any) -> None:
    """Last month: the volunteer had not joined yet, no activity was held, nothing was
    posted — while party building and the stars (not monthly) stay."""
    last = add_months(this_month(), -1)
    resp = red.client(Role.STREET_OFFICER).get(URL, {"month": month_value(last)})
    t = _section(resp)["community"]
    assert t.volunteers == [] and t.service_lists == []
    assert t.party[0].members == 3 and t.ratings[0]["four"] == 1
    html = _red_html(resp)
    assert "本月没有志愿服务数据" in html and "本月没有发布服务清单" in html


def test_empty_states(world: Any) -> None:
    """Nothing recorded yet: each compound served is a project without a member (0%
    coverage); the other tables say they have no data."""
    resp = world.client(Role.HOUSING_BUREAU).get(URL)
    assert resp.status_code == 200
    for t in resp.context["red"]:
        assert [(r.projects, r.covered, r.rate, r.members) for r in t.party] == [
            (1, 0, 0.0, 0),
            (1, 0, 0.0, 0),
        ]
        assert (t.ratings, t.volunteers, t.service_lists) == ([], [], [])
    html = _red_html(resp)
    for text in ("暂无已认定的星级评定", "本月没有志愿服务数据", "本月没有发布服务清单"):
        assert text in html


def test_a_withdrawn_star_no_longer_counts(red: Any) -> None:
    a = Assessment.objects.get(company=red.company)
    ratings.transition(
        acting_user=red.users[Role.HOUSING_BUREAU],
        assessment_id=a.pk,
        action="withdraw",
        reason="发生重大安全责任事故",
    )
    resp = red.client(Role.STREET_OFFICER).get(URL)
    assert _section(resp)["community"].ratings == []


# --- the query bound -----------------------------------------------------------------------


def _more_places(w: Any, n: int) -> None:
    """``n`` more communities in street A, each with a compound of company A, a
    volunteer team and a resource posted: more rows, the same number of queries."""
    sysadmin = w.users[Role.SYSADMIN]
    for i in range(n):
        c = territory.region_create(
            level="community",
            name=f"新社区{i}",
            code=f"T1-1-1-{i + 2}",
            parent=w.street,
            acting_user=None,
        )
        territory.compound_create(
            community=c,
            name=f"新小区{i}",
            management_type="red",
            company=w.company,
            acting_user=None,
        )
        vs.team_create(
            community_id=c.pk, name=f"居民服务联盟{i}", kind=TeamKind.ALLIANCE, acting_user=sysadmin
        )
        service_lists.item_post(
            acting_user=sysadmin,
            side="resource",
            service_class="liao_min_ji",
            title=f"每月义诊{i}",
            community_id=c.pk,
        )


def _count(focus: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        levels = selectors.red_property(focus=focus, month=this_month())
    assert levels
    return len(ctx.captured_queries)


def test_the_section_costs_a_fixed_number_of_queries(red: Any) -> None:
    """Party 4, ratings 1, volunteers 3, service lists 1 per level: 18 for a city's two
    levels, and the same after three more communities with data."""
    focus = selectors.focus_for(scope=red.users[Role.HOUSING_BUREAU].scope_set())
    before = _count(focus)
    assert before == 18
    _more_places(red, 3)
    focus = selectors.focus_for(scope=red.users[Role.HOUSING_BUREAU].scope_set())
    after = _count(focus)
    assert after == before
    rows = selectors.red_property(focus=focus, month=this_month())
    assert len(rows[1].party) == 5 and len(rows[1].service_lists) == 5


def test_red_scope_keeps_only_the_territory() -> None:
    scope = ScopeSet.of([Scope("org", 3), Scope("street", 7)])
    assert list(selectors.red_scope(scope)) == [Scope("street", 7)]
    assert not selectors.red_scope(ScopeSet.of([Scope("org", 3)]))
    assert list(selectors.red_scope(Scope("community", 9))) == [Scope("community", 9)]


def test_the_monthly_workbook_carries_the_section(red: Any) -> None:
    """The street's monthly report (xlsx) has a 红色物业 sheet with the same figures as
    the page, rates as fractions formatted as percentages, and only its street's rows."""
    import io

    from openpyxl import load_workbook

    from redprop.dashboards.xlsx import render_xlsx

    report = selectors.monthly_report(node=red.street, month=this_month())
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames[-1] == "红色物业"
    ws = wb["红色物业"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    headings = [r[0] for r in cells[3:] if isinstance(r[0], str) and " · " in r[0]]
    assert headings == [
        f"{what} · {where}"
        for where in ("按街道", "按社区")
        for what in ("物业党建", "星级物业企业", "志愿服务", "服务清单")
    ]
    rows = {(r[0], r[1]): r for r in cells if r[0] == "红星社区"}
    party_row = next(r for r in cells if r[0] == "径河街道" and r[1] == 1)
    assert party_row[:6] == [
        "径河街道",
        1,
        1,
        1.0,
        1,
        3,
    ]  # projects, covered, 100 %, branch, members
    total = rows[("红星社区", "合计")]
    assert total[2:7] == [3, 2, 1, 1, pytest.approx(0.667)]
    assert ws.cell(row=1, column=1).value.startswith("径河街道 ")
    flat = {v for r in cells for v in r if isinstance(v, str)}
    assert "江南街道" not in flat and "二桥西社区" not in flat
