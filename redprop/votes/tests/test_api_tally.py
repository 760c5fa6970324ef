"""``POST /api/v1/votes/tally``: the stateless count, its shape and its refusals."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/votes/tally"


def post(client, body, **headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def body(item=6, ballots=None, units=None, **extra):
    units = units or [
        {"unit": "1-101", "owners": ["张三", "李四"], "areas": {"register": "89.50"}},
        {"unit": "1-102", "owners": ["王五"], "areas": {"survey": "100.25"}},
        {"unit": "1-201", "owners": ["王五"], "areas": {"contract": "60"}},
        {"unit": "1-202", "owners": [], "areas": {"register": "120"}, "developer_unsold": True},
        {"unit": "1-301", "owners": [], "areas": {"register": "120"}, "developer_unsold": True},
    ]
    return {"item": item, "units": units, "ballots": ballots or {}, **extra}


def test_the_count_with_every_field(client):
    ballots = {"张三&李四": "agree", "王五": "agree", "developer": "disagree"}
    r = post(client, body(ballots=ballots))
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["total_area"] == "489.75"
    assert d["total_heads"] == 3  # co-owners 1, 王五 with two units 1, developer 1
    assert d["participating_area"] == "489.75" and d["participating_heads"] == 3
    assert d["agree_area"] == "249.75" and d["agree_heads"] == 2
    assert d["disagree_area"] == "240" and d["disagree_heads"] == 1
    assert d["thresholds"]["agreement"] == "3/4" and d["thresholds"]["agreement_inclusive"]
    assert d["ratios"]["agree_area"] == "333/653"  # 249.75 / 489.75 = 24975/48975, reduced
    assert d["quorum_met"] is True
    assert d["agree_heads_met"] is False  # 2/3 < 3/4
    assert d["passed"] is False
    assert d["area_sources"] == {
        "1-101": "register",
        "1-102": "survey",
        "1-201": "contract",
        "1-202": "register",
        "1-301": "register",
    }
    # Item 4 (hire or dismiss the company) needs more than half only: 249.75 of 489.75.
    d = post(client, body(item=4, ballots=ballots)).json()
    assert d["passed"] is True and d["thresholds"]["agreement"] == "1/2"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"item": 0}, "invalid_item", "item"),
        ({"item": 10}, "invalid_item", "item"),
        ({"item": 10**30}, "validation_error", "item"),
        ({"ballots": {"赵六": "agree"}}, "ballot_owner_unknown", "ballots.赵六"),
        ({"ballots": {"王五": "maybe"}}, "validation_error", None),
        (
            {"units": [{"unit": "a", "owners": ["x"], "areas": {"register": "-1"}}]},
            "invalid_area",
            "units[0].areas.register",
        ),
        (
            {"units": [{"unit": "a", "owners": ["x"], "areas": {"register": "0"}}]},
            "invalid_area",
            "units[0].areas",
        ),
        (
            {"units": [{"unit": "a", "owners": ["x"], "areas": {"register": 90.5}}]},
            "validation_error",
            None,
        ),
        (
            {"units": [{"unit": "a", "owners": ["x"], "areas": {"register": "1e3"}}]},
            "invalid_area",
            "units[0].areas.register",
        ),
        ({"units": [{"unit": "a", "owners": ["x"], "areas": {}}]}, "unit_without_area", None),
        (
            {"units": [{"unit": "a", "owners": [], "areas": {"register": "9"}}]},
            "unit_without_owner",
            "units[0].owners",
        ),
        (
            {
                "units": [
                    {"unit": "a", "owners": ["x"], "areas": {"register": "9"}},
                    {"unit": "a", "owners": ["y"], "areas": {"register": "9"}},
                ]
            },
            "duplicate_unit",
            "units[1].unit",
        ),
        ({"units": []}, "no_eligible_units", "units"),
    ],
)
def test_bad_input_is_a_400_with_code_and_field(client, change, code, field):
    r = post(client, {**body(), **change})
    assert r.status_code == 400, r.content
    d = r.json()
    assert d["code"] == code
    assert d["message"]
    if field is not None:
        assert d["field"] == field


def test_the_message_is_chinese_by_default_and_english_on_request(client):
    zh = post(client, body(item=11)).json()["message"]
    en = post(client, body(item=11), HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert "第二百七十八条" in zh
    assert en != zh and "278" in en
