"""The art. 278 count: hand-worked edge cases, then properties against a second,
independent computation (integer hundredths of a m² and cross-multiplication, no
Fraction, heads grouped by a different route)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redprop.votes.counting import (
    DEVELOPER,
    AreaSource,
    BlankRule,
    Choice,
    CountingError,
    CountingRules,
    Item,
    UnitRecord,
    fraction_str,
    owner_key,
    tally,
)

A, D, AB, BL, INV = Choice.AGREE, Choice.DISAGREE, Choice.ABSTAIN, Choice.BLANK, Choice.INVALID


def unit(label: str, owner: str, area: str, source: AreaSource = AreaSource.REGISTER) -> UnitRecord:
    return UnitRecord(label=label, owner=owner, areas={source: Decimal(area)})


def equal_units(n: int, area: str = "100") -> list[UnitRecord]:
    return [unit(f"u{i}", f"o{i}", area) for i in range(n)]


# -- participation: 2/3 inclusive, by area AND by head ---------------------------------


def test_exactly_two_thirds_of_area_and_heads_is_a_quorum():
    units = equal_units(3)
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": A, "o1": A})
    assert t.quorum_area_met and t.quorum_heads_met
    assert fraction_str(t.ratios()["participation_heads"]) == "2/3"
    assert fraction_str(t.ratios()["participation_area"]) == "2/3"


def test_just_under_two_thirds_of_area_is_no_quorum_even_with_heads():
    # Heads 2/3 exactly, area 199.99 / 300: under.
    units = [unit("u0", "o0", "99.99"), unit("u1", "o1", "100"), unit("u2", "o2", "100.01")]
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": A, "o1": A})
    assert t.quorum_heads_met
    assert not t.quorum_area_met
    assert not t.passed


def test_area_quorum_without_heads_is_no_quorum():
    # One big owner holds 80 % of the area but is 1 head of 4.
    units = [unit("big-1", "big", "400"), *equal_units(3, "33.33")]
    t = tally(item=Item.COVENANT, units=units, ballots={"big": A})
    assert t.quorum_area_met and not t.quorum_heads_met and not t.passed


# -- agreement: more than half (strict), 3/4 (inclusive) for items 6–8 -----------------


def test_exactly_half_does_not_pass_an_ordinary_item():
    units = equal_units(4)
    t = tally(item=Item.PROPERTY_COMPANY, units=units, ballots={"o0": A, "o1": A, "o2": D, "o3": D})
    assert t.quorum_met
    assert fraction_str(t.ratios()["agree_area"]) == "1/2"
    assert not t.agree_area_met and not t.agree_heads_met and not t.passed


def test_just_over_half_passes_an_ordinary_item():
    units = [unit("u0", "o0", "100.01"), unit("u1", "o1", "100"), unit("u2", "o2", "100")]
    t = tally(item=Item.PROPERTY_COMPANY, units=units, ballots={"o0": A, "o1": A, "o2": D})
    assert t.passed


def test_exactly_three_quarters_passes_raising_the_fund():
    units = equal_units(4)
    t = tally(
        item=Item.RAISE_MAINTENANCE_FUND, units=units, ballots={"o0": A, "o1": A, "o2": A, "o3": D}
    )
    assert t.agree_area_met and t.agree_heads_met and t.passed


@pytest.mark.parametrize("item", [6, 7, 8])
def test_under_three_quarters_fails_items_six_to_eight(item):
    units = [unit(f"u{i}", f"o{i}", "100") for i in range(3)] + [unit("u3", "o3", "100.01")]
    ballots = {"o0": A, "o1": A, "o2": A, "o3": D}  # heads 3/4, area 300/400.01
    t = tally(item=item, units=units, ballots=ballots)
    assert t.agree_heads_met and not t.agree_area_met and not t.passed
    # The same count passes an ordinary item.
    assert tally(item=Item.OTHER_MAJOR, units=units, ballots=ballots).passed


# -- heads and areas (interpretation arts. 8–9) ----------------------------------------


def test_one_owner_with_many_units_is_one_head_with_all_the_area():
    units = [unit("u0", "王", "80"), unit("u1", "王", "90"), unit("u2", "李", "100")]
    t = tally(item=Item.COVENANT, units=units, ballots={"王": A})
    assert t.total_heads == 2
    assert t.participating_area == Decimal("170")
    assert t.participating_heads == 1


def test_co_owners_of_one_unit_are_one_head():
    assert owner_key(["李四", "张三"]) == owner_key(["张三", "李四"]) == "张三&李四"
    units = [unit("u0", owner_key(["张三", "李四"]), "100"), unit("u1", "王", "100")]
    t = tally(item=Item.COVENANT, units=units, ballots={"张三&李四": A, "王": A})
    assert t.total_heads == 2 and t.participating_heads == 2


def test_the_developers_unsold_units_are_one_head():
    key = owner_key([], developer_unsold=True)
    assert key == DEVELOPER
    units = [unit(f"d{i}", DEVELOPER, "100") for i in range(5)] + equal_units(2)
    t = tally(item=Item.COVENANT, units=units, ballots={DEVELOPER: D, "o0": A, "o1": A})
    assert t.total_heads == 3
    assert t.total_area == Decimal("700")
    # Heads 2 of 3 agree, but area 200 of 700: not more than half.
    assert t.agree_heads_met and not t.agree_area_met


@pytest.mark.parametrize(
    ("areas", "used", "source"),
    [
        ({"register": "90", "survey": "91", "contract": "92"}, "90", "register"),
        ({"survey": "91", "contract": "92"}, "91", "survey"),
        ({"contract": "92"}, "92", "contract"),
    ],
)
def test_area_source_precedence(areas, used, source):
    u = UnitRecord(
        label="u0", owner="o0", areas={AreaSource(k): Decimal(v) for k, v in areas.items()}
    )
    t = tally(item=Item.COVENANT, units=[u], ballots={})
    assert t.total_area == Decimal(used)
    assert t.area_sources == {"u0": source}


# -- abstentions, blank and void ballots (ADR 0016) ------------------------------------


def test_an_abstention_takes_part_and_does_not_agree():
    units = equal_units(3)
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": A, "o1": AB})
    assert t.quorum_met  # 2 of 3 took part
    assert not t.agreement_met  # 1 of 2 is not more than half
    assert t.abstain_heads == 1


def test_a_blank_ballot_takes_part_by_default_and_a_void_one_does_not():
    units = equal_units(3)
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": A, "o1": BL, "o2": INV})
    assert t.participating_heads == 2
    assert not t.agreement_met
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": A, "o1": INV})
    assert t.participating_heads == 1 and not t.quorum_met


def test_a_compounds_rules_can_exclude_blank_or_count_void():
    units = equal_units(3)
    ballots = {"o0": A, "o1": A, "o2": BL}
    excluded = CountingRules(blank=BlankRule.EXCLUDED)
    assert tally(item=Item.COVENANT, units=units, ballots=ballots).participating_heads == 3
    assert (
        tally(item=Item.COVENANT, units=units, ballots=ballots, rules=excluded).participating_heads
        == 2
    )
    counted = CountingRules(invalid=BlankRule.PARTICIPATES)
    t = tally(item=Item.COVENANT, units=units, ballots={"o0": INV}, rules=counted)
    assert t.participating_heads == 1 and t.agree_heads == 0


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"item": 0}, "invalid_item"),
        ({"item": 10}, "invalid_item"),
        ({"units": [unit("u0", "o0", "0")]}, "invalid_area"),
        ({"units": [unit("u0", "o0", "-1")]}, "invalid_area"),
        ({"units": [UnitRecord(label="u0", owner="o0", areas={})]}, "unit_without_area"),
        ({"units": []}, "no_eligible_units"),
        ({"ballots": {"nobody": A}}, "ballot_owner_unknown"),
        ({"units": [unit("u0", "o0", "1"), unit("u0", "o1", "1")]}, "duplicate_unit"),
    ],
)
def test_what_cannot_be_counted_is_refused(kwargs, code):
    args = {"item": Item.COVENANT, "units": equal_units(2), "ballots": {}} | kwargs
    with pytest.raises(CountingError) as err:
        tally(**args)
    assert err.value.code == code


def test_nobody_voting_is_no_quorum_and_no_division_by_zero():
    t = tally(item=Item.COVENANT, units=equal_units(3), ballots={})
    assert not t.quorum_met and not t.passed
    assert t.ratios()["agree_area"] is None


# -- properties against an independent computation -------------------------------------

owners_st = st.sampled_from(["甲", "乙", "丙", "丁", "戊", DEVELOPER])
units_st = st.lists(
    st.tuples(owners_st, st.integers(min_value=1, max_value=50_000)), min_size=1, max_size=25
)
choice_st = st.sampled_from(list(Choice))


def independent(item, units, ballots, blank_counts, void_counts):
    """Hundredths of a m² as integers, heads as the set of owners, tests by
    cross-multiplication."""
    cents: dict[str, int] = {}
    for owner, c in units:
        cents[owner] = cents.get(owner, 0) + c
    total_c, total_h = sum(cents.values()), len(cents)
    taking = [
        o
        for o, ch in ballots.items()
        if not (ch == Choice.BLANK and not blank_counts)
        and not (ch == Choice.INVALID and not void_counts)
    ]
    part_c = sum(cents[o] for o in taking)
    part_h = len(taking)
    agree = [o for o in taking if ballots[o] == Choice.AGREE]
    agree_c, agree_h = sum(cents[o] for o in agree), len(agree)
    quorum = 3 * part_c >= 2 * total_c and 3 * part_h >= 2 * total_h
    if item in (6, 7, 8):
        ok = part_h > 0 and 4 * agree_c >= 3 * part_c and 4 * agree_h >= 3 * part_h
    else:
        ok = part_h > 0 and 2 * agree_c > part_c and 2 * agree_h > part_h
    return quorum, ok, part_c, agree_c


@settings(max_examples=300, deadline=None)
@given(
    item=st.integers(min_value=1, max_value=9),
    units=units_st,
    picks=st.lists(st.tuples(owners_st, choice_st), max_size=10),
    blank_counts=st.booleans(),
    void_counts=st.booleans(),
)
def test_tally_agrees_with_an_independent_count(item, units, picks, blank_counts, void_counts):
    records = [
        UnitRecord(label=f"u{i}", owner=o, areas={AreaSource.SURVEY: Decimal(c) / 100})
        for i, (o, c) in enumerate(units)
    ]
    held = {o for o, _ in units}
    ballots = {o: ch for o, ch in picks if o in held}  # a later pick replaces an earlier one
    rules = CountingRules(
        blank=BlankRule.PARTICIPATES if blank_counts else BlankRule.EXCLUDED,
        invalid=BlankRule.PARTICIPATES if void_counts else BlankRule.EXCLUDED,
    )
    t = tally(item=item, units=records, ballots=ballots, rules=rules)
    quorum, ok, part_c, agree_c = independent(item, units, ballots, blank_counts, void_counts)
    assert t.quorum_met == quorum
    assert t.agreement_met == ok
    assert t.passed == (quorum and ok)
    assert t.participating_area * 100 == part_c
    assert t.agree_area * 100 == agree_c
    assert t.agree_heads + t.disagree_heads + t.abstain_heads == t.participating_heads
    assert t.agree_area + t.disagree_area + t.abstain_area == t.participating_area
