"""Stored votes through the services: freezing, ballots, replacement, paper and proxy
ballots, the import, publication, and every refusal leaving nothing behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent, AuditLog
from redprop.votes import counting, selectors, services
from redprop.votes.models import Ballot, Elector, ElectorUnit, Vote
from redprop.votes.signals import vote_published
from redprop.votes.tests.helpers import build_place, pdf, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build_world()


@pytest.fixture
def place(w):
    return build_place(w)


@pytest.fixture
def staff(w):
    return w.users[Role.COMMUNITY_STAFF]


def opened(staff, place, item=6, **kw):
    return services.open_vote(staff, scope=place.compound, item=item, title="增加维修资金", **kw)


def test_opening_freezes_heads_areas_and_sources(staff, place):
    vote = opened(staff, place)
    assert vote.state == "open" and vote.opened_at is not None
    assert vote.total_area == Decimal("489.75")
    assert vote.total_heads == 3  # 张三&李四, 王五 with two units, the developer
    heads = {e.key: e for e in Elector.objects.filter(vote=vote)}
    wang = heads[f"p:{place.people['wang'].pk}"]
    assert wang.area == Decimal("160.25") and wang.units_count == 2
    dev = heads[f"d:{place.developer.pk}"]
    assert dev.area == Decimal("240.00") and dev.units_count == 2 and dev.developer_id
    couple = sorted([place.people["zhang"].pk, place.people["li"].pk])
    assert heads["p:" + "&".join(map(str, couple))].area == Decimal("89.50")
    sources = dict(ElectorUnit.objects.filter(vote=vote).values_list("unit_id", "source"))
    assert sources[place.units["101"].pk] == "register"
    assert sources[place.units["102"].pk] == "survey"
    assert sources[place.units["202"].pk] == "survey"  # the territory figure, as set


def test_the_electorate_stays_frozen_when_ownership_changes(staff, place):
    from redprop.territory.models import Ownership

    vote = opened(staff, place)
    Ownership.objects.create(unit=place.units["102"], person=place.people["zhao"])
    assert not selectors.my_heads(vote=vote, user=place.users["zhao"])
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(
            vote=vote, acting_user=place.users["zhao"], ballots=[(place.units["102"].pk, "agree")]
        )
    # Not an owner of the frozen electorate: the open vote is not even shown to them.
    assert err.value.code == "not_found" and err.value.status == 404


def test_a_later_ballot_replaces_the_earlier_and_history_is_kept(staff, place):
    vote = opened(staff, place, item=4)
    wang = place.users["wang"]
    services.ballot_cast(vote=vote, acting_user=wang, ballots=[(place.units["102"].pk, "agree")])
    services.ballot_cast(vote=vote, acting_user=wang, ballots=[(place.units["201"].pk, "disagree")])
    rows = list(Ballot.objects.filter(vote=vote).order_by("id").values_list("choice", flat=True))
    assert rows == ["agree", "disagree"]
    (head,) = selectors.my_heads(vote=vote, user=wang)
    assert head.current.choice == "disagree" and len(head.history) == 2
    t = selectors.vote_tally(vote=vote)
    assert t.participating_heads == 1 and t.disagree_area == Decimal("160.25")


def test_co_owners_are_one_head_either_may_cast(staff, place):
    vote = opened(staff, place)
    u = place.units["101"].pk
    services.ballot_cast(vote=vote, acting_user=place.users["zhang"], ballots=[(u, "agree")])
    services.ballot_cast(vote=vote, acting_user=place.users["li"], ballots=[(u, "abstain")])
    t = selectors.vote_tally(vote=vote)
    assert t.participating_heads == 1 and t.abstain_heads == 1 and t.agree_heads == 0


def test_hand_worked_supermajority_through_the_stored_path(staff, place):
    """Item 6 needs 3/4 of the participating area and heads. All three heads take part
    (489.75 m², 3 heads): 张三&李四 and 王五 agree = 249.75 m² (333/653 < 3/4), 2 heads
    (2/3 < 3/4): quorum met, not passed. Same as the stateless API's worked case."""
    vote = opened(staff, place)
    services.ballot_cast(
        vote=vote, acting_user=place.users["zhang"], ballots=[(place.units["101"].pk, "agree")]
    )
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
    )
    services.ballot_enter(
        vote=vote,
        acting_user=staff,
        unit_id=place.units["202"].pk,
        choice="disagree",
        document=pdf(),
    )
    services.vote_close(vote=vote, acting_user=staff)
    vote = services.vote_publish(vote=vote, acting_user=staff)
    r = vote.result
    assert r["total_area"] == "489.75" and r["participating_heads"] == 3
    assert r["agree_area"] == "249.75" and r["ratios"]["agree_area"] == "333/653"
    assert r["ratios"]["agree_heads"] == "2/3"
    assert r["quorum_met"] is True and r["passed"] is False
    assert r["area_sources"][str(place.units["201"].pk)] == "survey"


def test_majority_item_exactly_half_is_not_enough(staff, place):
    """Item 4 (hire the property company), majority, "过半数" strict: with 王五 (160.25)
    and the developer (240) taking part, 王五 agreeing is 1 of 2 heads: not more than half."""
    vote = opened(staff, place, item=4)
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
    )
    services.ballot_enter(
        vote=vote,
        acting_user=staff,
        unit_id=place.units["301"].pk,
        choice="disagree",
        document=pdf(),
    )
    t = selectors.vote_tally(vote=vote)
    assert t.participating_heads == 2 and t.agree_heads == 1
    assert not t.agree_heads_met
    # 2 of 3 heads is exactly 2/3, inclusive ("以上"): met; 400.25 / 489.75 ≥ 2/3 too.
    assert t.quorum_heads_met and t.quorum_area_met
    assert t.participating_area == Decimal("400.25")
    assert t.agree_area_met is False  # 160.25 of 400.25 is not more than half
    assert not t.passed


def test_the_signal_carries_the_result_after_commit(
    staff, place, django_capture_on_commit_callbacks
):
    vote = opened(staff, place)
    services.vote_close(vote=vote, acting_user=staff)
    got = []

    def hear(sender, vote, result, **kw):
        got.append((vote.pk, result["passed"]))

    vote_published.connect(hear)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.vote_publish(vote=vote, acting_user=staff)
    finally:
        vote_published.disconnect(hear)
    assert got == [(vote.pk, False)]


@pytest.mark.parametrize(
    ("who", "unit", "code", "status"),
    [
        ("zhao", "102", "not_found", 404),  # not an owner here: the vote is not shown
        ("bureau", "102", "not_an_owner", 403),  # staff who sees the vote, owns nothing
        ("wang", "101", "unit_not_yours", 400),  # a unit of 张三 and 李四
        ("wang", "999", "unit_not_yours", 400),
    ],
)
def test_refused_ballots_record_nothing(w, staff, place, who, unit, code, status):
    vote = opened(staff, place)
    place.users["bureau"] = w.users[Role.HOUSING_BUREAU]
    uid = place.units[unit].pk if unit in place.units else 987654
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(vote=vote, acting_user=place.users[who], ballots=[(uid, "agree")])
    assert (err.value.code, err.value.status) == (code, status)
    assert not Ballot.objects.filter(vote=vote).exists()


def test_twice_in_one_request_is_refused(staff, place):
    vote = opened(staff, place)
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(
            vote=vote,
            acting_user=place.users["wang"],
            ballots=[(place.units["102"].pk, "agree"), (place.units["201"].pk, "disagree")],
        )
    assert err.value.code == "duplicate_ballot" and err.value.field == "ballots[1].unit_id"
    assert not Ballot.objects.exists()


def test_owners_choose_agree_disagree_or_abstain_only(staff, place):
    vote = opened(staff, place)
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(
            vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "blank")]
        )
    assert err.value.code == "invalid_choice"


def test_a_ballot_after_closing_is_refused(staff, place):
    vote = opened(staff, place)
    services.vote_close(vote=vote, acting_user=staff)
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(
            vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
        )
    assert err.value.status in (409,)
    assert not Ballot.objects.exists()


def test_a_ballot_after_the_window_is_refused_even_before_staff_close(staff, place):
    vote = opened(staff, place)
    Vote.objects.filter(pk=vote.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=3),
        closes_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(ApplicationError) as err:
        services.ballot_cast(
            vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
        )
    assert err.value.code == "voting_closed"


def test_item_outside_1_to_9_is_refused(staff, place):
    for item in (0, 10, -1):
        with pytest.raises(ApplicationError) as err:
            services.vote_create(acting_user=staff, scope=place.compound, item=item, title="x")
        assert err.value.code == "invalid_item" and err.value.field == "item"
    assert not Vote.objects.exists()


def test_a_scope_without_units_has_zero_eligible_area(w, staff, place):
    from redprop.territory import services as territory

    empty = territory.building_create(
        compound=place.compound, name="3栋", grid=w.grid, acting_user=None
    )
    vote = services.vote_create(acting_user=staff, scope=empty, item=4, title="空楼")
    with pytest.raises(ApplicationError) as err:
        services.vote_open(vote=vote, acting_user=staff)
    assert err.value.code == "no_eligible_units"
    vote.refresh_from_db()
    assert vote.state == "draft" and not Elector.objects.filter(vote=vote).exists()


def test_a_unit_without_any_area_refuses_the_opening(staff, place):
    """Counting only the recorded register/survey/contract figures: the developer's
    units have none."""
    vote = services.vote_create(
        acting_user=staff, scope=place.compound, item=4, title="x", territory_area_source=""
    )
    with pytest.raises(ApplicationError) as err:
        services.vote_open(vote=vote, acting_user=staff)
    assert err.value.code == "unit_without_area" and "202" in err.value.field
    assert not Elector.objects.exists() and not ElectorUnit.objects.exists()


def test_only_the_scope_s_organisers_create_and_open(w, place):
    for role in (Role.RESIDENT, Role.COMPANY_STAFF, Role.GRID_BUTLER, Role.HOUSING_BUREAU):
        with pytest.raises(ApplicationError):
            services.vote_create(acting_user=w.users[role], scope=place.compound, item=4, title="x")
    assert not Vote.objects.exists()


def test_paper_ballot_needs_a_scan_and_a_date_in_the_window(staff, place):
    vote = opened(staff, place)
    kw = {"vote": vote, "acting_user": staff, "unit_id": place.units["102"].pk, "choice": "agree"}
    with pytest.raises(ApplicationError) as err:
        services.ballot_enter(**kw, document=None)
    assert err.value.code == "document_required"
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as err:
        services.ballot_enter(**kw, document=SimpleUploadedFile("x.pdf", b"not a pdf"))
    assert err.value.code == "invalid_document"
    with pytest.raises(ApplicationError) as err:
        services.ballot_enter(**kw, document=pdf(), cast_at=timezone.now() - dt.timedelta(days=1))
    assert err.value.code == "voting_closed" and err.value.field == "cast_at"
    with pytest.raises(ApplicationError) as err:
        services.ballot_enter(**kw, document=pdf(), channel="proxy")
    assert err.value.field == "proxy_name"
    assert not Ballot.objects.exists()
    b = services.ballot_enter(**kw, document=pdf(), channel="proxy", proxy_name="王小五")
    assert b.channel == "proxy" and b.document.name.endswith(".pdf")


def test_paper_ballots_received_in_time_may_be_entered_after_closing(staff, place):
    vote = opened(staff, place)
    received = timezone.now()
    services.vote_close(vote=vote, acting_user=staff)
    services.ballot_enter(
        vote=vote,
        acting_user=staff,
        unit_id=place.units["102"].pk,
        choice="blank",
        document=pdf(),
        cast_at=received,
    )
    assert selectors.vote_tally(vote=vote).abstain_heads == 1  # blank participates


def test_a_registered_proxy_casts_from_their_phone(w, staff, place):
    vote = opened(staff, place)
    zhao = place.users["zhao"]
    services.proxy_register(
        vote=vote, acting_user=staff, unit_id=place.units["102"].pk, proxy=zhao, document=pdf()
    )
    (b,) = services.ballot_cast(
        vote=vote, acting_user=zhao, ballots=[(place.units["201"].pk, "agree")]
    )
    assert b.channel == "proxy" and b.proxy_name
    assert AuditLog.objects.filter(event_type=AuditEvent.PROXY_REGISTERED).count() == 1


def test_import_is_all_or_nothing_with_errors_per_row(staff, place):
    vote = opened(staff, place)
    now = timezone.localtime().replace(tzinfo=None)
    bad = xlsx(
        [
            [place.units["101"].pk, "1栋 101", "同意", now, None, None],
            [place.units["102"].pk, "1栋 102", "也许", now, None, None],
            [place.units["201"].pk, "2栋 201", "反对", now, None, None],  # 王五 again
            [987654, "?", "同意", now, None, None],
            [place.units["202"].pk, "2栋 202", "同意", "昨天", None, None],
        ]
    )
    with pytest.raises(ApplicationError) as err:
        services.ballots_import(vote=vote, acting_user=staff, upload=bad, document=pdf())
    rows = {(r["row"], r["code"]) for r in err.value.extra["rows"]}
    assert (3, "invalid_choice") in rows
    assert (5, "unit_not_yours") in rows
    assert (6, "voting_closed") in rows
    assert not Ballot.objects.exists()
    good = xlsx(
        [
            [place.units["101"].pk, "1栋 101", "同意", now, None, None],
            [place.units["102"].pk, "1栋 102", "废票", now, None, None],
            [place.units["201"].pk, "2栋 201", None, None, None, None],  # not returned
            [place.units["202"].pk, "2栋 202", "反对", now, "开发商代表", None],
        ]
    )
    assert services.ballots_import(vote=vote, acting_user=staff, upload=good, document=pdf()) == 3
    t = selectors.vote_tally(vote=vote)
    assert t.participating_heads == 2  # the void ballot does not take part (ADR 0016)
    assert set(Ballot.objects.values_list("channel", flat=True)) == {"paper", "proxy"}


def test_the_template_lists_the_frozen_units(staff, place):
    from io import BytesIO

    from openpyxl import load_workbook

    vote = opened(staff, place)
    wb = load_workbook(BytesIO(services.import_template(vote=vote)))
    ids = [r[0] for r in wb["选票"].iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted(u.pk for u in place.units.values())


def test_reading_the_ballots_is_for_organisers_and_logged(w, staff, place):
    vote = opened(staff, place)
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
    )
    with pytest.raises(ApplicationError):
        services.ballots_reveal(vote=vote, acting_user=place.users["wang"], reason="看看")
    rows = services.ballots_reveal(vote=vote, acting_user=staff, reason="核对纸质选票")
    assert [r.choice for r in rows] == ["agree"]
    log = AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).get()
    assert log.extra["reason"] == "核对纸质选票"


def test_participants_show_who_took_part_not_how(staff, place):
    vote = opened(staff, place)
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "disagree")]
    )
    (p,) = selectors.participants(vote=vote)
    assert p.label == "王五" and p.units == ["1栋 102", "2栋 201"]
    assert "disagree" not in repr(p)


def test_transitions_follow_the_table(staff, place):
    vote = opened(staff, place)
    with pytest.raises(ApplicationError) as err:
        services.vote_publish(vote=vote, acting_user=staff)
    assert err.value.status == 409
    services.vote_close(vote=vote, acting_user=staff)
    with pytest.raises(ApplicationError):
        services.vote_cancel(vote=vote, acting_user=staff)
    services.vote_publish(vote=vote, acting_user=staff)
    vote.refresh_from_db()
    assert vote.state == "published" and vote.result["total_heads"] == 3


def test_ballot_rows_are_append_only(staff, place):
    from redprop.core.chain import AppendOnlyError

    vote = opened(staff, place)
    (b,) = services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "agree")]
    )
    with pytest.raises(AppendOnlyError):
        Ballot.objects.filter(pk=b.pk).update(choice="disagree")
    b.choice = "disagree"
    with pytest.raises(AppendOnlyError):
        b.save()


def test_the_stored_tally_is_the_stateless_count(staff, place):
    """The same inputs through ``counting.tally`` directly give the same result."""
    vote = opened(staff, place)
    services.ballot_cast(
        vote=vote, acting_user=place.users["li"], ballots=[(place.units["101"].pk, "agree")]
    )
    stored = selectors.vote_tally(vote=vote)
    direct = counting.tally(
        item=6,
        units=[
            counting.UnitRecord("a", "couple", {counting.AreaSource.REGISTER: Decimal("89.50")}),
            counting.UnitRecord("b", "wang", {counting.AreaSource.SURVEY: Decimal("100.25")}),
            counting.UnitRecord("c", "wang", {counting.AreaSource.SURVEY: Decimal("60")}),
            counting.UnitRecord("d", "dev", {counting.AreaSource.SURVEY: Decimal("120")}),
            counting.UnitRecord("e", "dev", {counting.AreaSource.SURVEY: Decimal("120")}),
        ],
        ballots={"couple": counting.Choice.AGREE},
    )
    for f in ("total_area", "total_heads", "participating_area", "agree_area", "agree_heads"):
        assert getattr(stored, f) == getattr(direct, f)
