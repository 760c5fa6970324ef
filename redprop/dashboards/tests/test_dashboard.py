"""The dashboard shows the rollup figures of selectors.rates, names keys in one query per
level, hides small samples in the league table and lists the slowest open requests."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from redprop.core.scope import Scope
from redprop.dashboards import selectors
from redprop.dashboards.periods import add_months, month_label, this_month
from redprop.dashboards.tests.helpers import build_history, drive, file
from redprop.requests import selectors as request_selectors
from redprop.requests.models import SlaPolicy

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:dashboard")


def _rates(scope, group_by=None, months=1):
    month = this_month()
    return request_selectors.rates(
        scope=scope,
        month_from=add_months(month, 1 - months),
        month_to=month,
        group_by=group_by,
    )


def test_dashboard_numbers_equal_selectors_rates(world):
    build_history(world)
    scope = world.users["street_officer"].scope_set()
    resp = world.client("street_officer").get(URL)
    assert resp.status_code == 200
    data = resp.context["data"]
    expected = _rates(scope)[0]
    assert data.totals == expected
    assert expected["filed"] == 10 and expected["rated"] == 7
    assert [f.rate for f in data.figures] == [
        expected["response_rate"],
        expected["resolution_rate"],
        expected["satisfaction_rate"],
        expected["compliance_rate"],
    ]
    assert [t.level for t in data.tables] == ["community", "grid", "org"]
    for table in data.tables:
        by_key = {r["key"]: r for r in _rates(scope, table.level)}
        assert {line.key: line.row for line in table.lines} == by_key
    categories = {r["key"]: r for r in _rates(scope, "category")}
    assert {line.key: line.row for line in data.categories} == categories
    # The page shows them in Chinese format: 满意率 6 of 7 rated (5,5,4,3,4,5 of 2) = 85.7%.
    html = resp.content.decode()
    assert expected["satisfaction_rate"] == Decimal("0.8571")
    assert "85.7%" in html
    assert month_label(this_month()) in html


def test_trend_covers_twelve_months_ending_with_the_chosen_one(world):
    build_history(world)
    scope = world.users["street_officer"].scope_set()
    data = world.client("street_officer").get(URL).context["data"]
    assert len(data.trend) == 12
    assert data.trend[-1].key == this_month()
    assert data.trend[0].key == add_months(this_month(), -11)
    assert data.trend[-1].row == {**_rates(scope, "month", 12)[0], "key": this_month()}
    assert all(line.filed == 0 and line.row["rated"] == 0 for line in data.trend[:-1])
    # An earlier month shows its own (empty) figures, and the trend ends there.
    earlier = add_months(this_month(), -2)
    resp = world.client("street_officer").get(URL, {"month": f"{earlier:%Y-%m}"})
    assert resp.context["data"].trend[-1].key == earlier
    assert resp.context["data"].totals["filed"] == 0


def test_focus_on_a_community_and_other_streets_are_apart(world):
    build_history(world)
    bureau = world.client("housing_bureau")
    city = bureau.get(URL).context["data"]
    assert city.totals["filed"] == 11
    assert [t.level for t in city.tables] == ["street", "community", "grid", "org"]
    one = bureau.get(URL, {"node": world.community_b.pk}).context["data"]
    assert one.totals == _rates(Scope("community", world.community_b.pk))[0]
    assert one.totals["filed"] == 1
    street_b = world.client("street_b").get(URL).context["data"]
    assert street_b.totals["filed"] == 1


def test_company_staff_see_their_own_unit(world):
    build_history(world)
    data = world.client("company_staff").get(URL).context["data"]
    assert data.focus.level == "org"
    assert data.totals == _rates(Scope("org", world.company.pk))[0]
    assert [t.level for t in data.tables] == ["community", "grid"]
    # The open requests are those of the unit only.
    assert {s.request.handling_org_id for s in data.slowest} == {world.company.pk}


def test_league_hides_rates_under_the_minimum_sample(world):
    """The default minimum sample is 10: with 7 ratings every rate says 样本不足."""
    build_history(world)
    client = world.client("street_officer")
    resp = client.get(URL)
    data = resp.context["data"]
    assert data.min_sample == 10
    units = next(t for t in data.leagues if t.level == "org")
    unit = units.lines[0]
    assert unit.key == world.company.pk and unit.rank is None
    assert [f.enough for f in unit.figures] == [False, False, False, False]
    assert "样本不足" in resp.content.decode()
    # The other tables still show the rate with its sample size.
    by_org = next(t for t in data.tables if t.level == "org")
    assert by_org.lines[0].figure("satisfaction_rate").enough

    for policy in SlaPolicy.objects.all():  # as the admin saves it (clears cached policies)
        policy.min_sample = 7
        policy.save()
    data = client.get(URL).context["data"]
    unit = next(t for t in data.leagues if t.level == "org").lines[0]
    assert unit.rank == 1
    assert [f.enough for f in unit.figures] == [True, True, True, True]


def test_league_ranks_by_the_chosen_rate_with_shared_ranks():
    def line(key, sat, n, resp=Decimal("0.5")):
        row = {
            "satisfaction_rate": sat,
            "rated": n,
            "response_rate": resp,
            "response_base": n,
            "resolution_rate": None,
            "rated_or_revisited": 0,
            "compliance_rate": None,
            "resolved": 0,
            "filed": n,
        }
        return selectors.Line(key, f"单位{key}", row, selectors.figures_of(row))

    lines = [
        line(1, Decimal("0.9"), 10),
        line(2, Decimal("0.95"), 10),
        line(3, Decimal("0.9"), 12, resp=Decimal("0.9")),
        line(4, Decimal("1"), 3),  # too few ratings: unranked, last
    ]
    out = selectors.league(lines, min_sample=10)
    assert [(x.key, x.rank) for x in out] == [(2, 1), (3, 2), (1, 2), (4, None)]
    assert out[-1].figure("satisfaction_rate").shown == "样本不足"
    by_response = selectors.league(lines, min_sample=10, rank_by="response_rate")
    assert [x.key for x in by_response][:1] == [3]


def test_slowest_open_requests_come_first(world):
    staff = world.users["community_staff"]
    on_time = drive(world, file(world), resolve=False)
    late = drive(world, file(world), late=True, resolve=False)
    submitted = file(world)
    from redprop.requests import services

    services.request_dispatch(request=submitted, org=world.company, acting_user=staff)
    data = world.client("community_staff").get(URL).context["data"]
    ids = [s.request.pk for s in data.slowest]
    assert set(ids) == {on_time.pk, late.pk, submitted.pk}
    first = data.slowest[0]
    assert first.request.pk == late.pk and first.overdue is not None
    by_age = world.client("community_staff").get(URL, {"slow": "age"}).context["data"]
    assert [s.request.pk for s in by_age.slowest] == [on_time.pk, late.pk, submitted.pk]


def test_query_count_does_not_grow_with_the_data(world):
    """Names are loaded per level, not per row: more grids, units and categories
    add no query."""
    client = world.client("sysadmin")
    drive(world, file(world), score=5)
    client.get(URL)  # warm caches (content types, policy)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    build_history(world)
    drive(world, file(world, category="seepage"), score=4)
    drive(world, file(world, where="street_b", category="heating"), score=3)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)
    # 18 of them are the 红色物业 section's (test_red_property.py bounds it on its own).
    assert len(many) < 40 + 18


def test_every_chart_has_a_label_and_its_numbers_one_click_away(world):
    build_history(world)
    html = world.client("street_officer").get(URL).content.decode()
    charts = re.findall(r'<div class="chart" id="([^"]+)" role="img" aria-label="([^"]+)"', html)
    assert [c for c, _label in charts] == ["chart-rates", "chart-categories", "chart-trend"]
    for chart_id, label in charts:
        assert label.strip()
        assert f'aria-controls="{chart_id}-table"' in html
        assert f'id="{chart_id}-table"' in html
        assert f'<script id="{chart_id}-data" type="application/json">' in html
    assert html.count('aria-expanded="true"') == 3
    # The table shows the same numbers as the chart.
    rates_table = html.split('id="chart-rates-table"')[1].split("</table>")[0]
    assert "85.7%" in rates_table


def test_the_page_asks_nothing_from_outside_the_server(world):
    build_history(world)
    html = world.client("street_officer").get(URL).content.decode()
    urls = re.findall(r'(?:src|href|action)="([^"]+)"', html)
    assert urls
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)]
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/redprop/dashboard.js" in html
    assert "@import" not in html and "url(http" not in html
