"""Counting an owners' decision (业主共同决定) under the Civil Code, art. 278, as the
Supreme People's Court's interpretation on building ownership (法释〔2009〕7号, amended
2020), arts. 8–9, says. Pure functions: the stateless tally API and the stored votes
both call :func:`tally`, so the arithmetic is written once.

The rules (docs/subsystems/votes.md, docs/adr/0016-ballot-counting.md):

- Participation (参与表决): owners holding at least 2/3 of the total exclusive-part area
  AND at least 2/3 of all owners by head. "以上" is inclusive.
- Items 6–8 of art. 278 (筹集维修资金; 改建、重建; 改变共有部分用途或经营): at least 3/4 of
  the participating area AND at least 3/4 of the participating owners agree.
- Every other item: more than half (过半数, strict) of the participating area AND of the
  participating owners agree.
- Area (interpretation art. 8): the register's (不动产登记簿) exclusive-part area, else
  the survey's (实测), else the sale contract's (买卖合同). The total is the sum over
  all units.
- Heads (interpretation art. 9): one exclusive part is one head; co-owners of one unit
  are one head; one buyer with several units is one head; the developer's unsold and
  sold-but-undelivered units together are one head.

Every quantity is exact: areas are ``Decimal``, ratios ``Fraction``; nothing is rounded.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

# The owner key of the developer (建设单位), who holds its unsold units as one head.
DEVELOPER = "developer"


class Item(enum.IntEnum):
    """The matters of Civil Code art. 278, para. 1, by their number in the article."""

    MEETING_RULES = 1  # 制定和修改业主大会议事规则
    COVENANT = 2  # 制定和修改管理规约
    COMMITTEE = 3  # 选举业主委员会或者更换业主委员会成员
    PROPERTY_COMPANY = 4  # 选聘和解聘物业服务企业或者其他管理人
    USE_MAINTENANCE_FUND = 5  # 使用建筑物及其附属设施的维修资金
    RAISE_MAINTENANCE_FUND = 6  # 筹集建筑物及其附属设施的维修资金
    REBUILD = 7  # 改建、重建建筑物及其附属设施
    COMMON_PARTS_USE = 8  # 改变共有部分的用途或者利用共有部分从事经营活动
    OTHER_MAJOR = 9  # 有关共有和共同管理权利的其他重大事项


SUPERMAJORITY_ITEMS = frozenset({Item.RAISE_MAINTENANCE_FUND, Item.REBUILD, Item.COMMON_PARTS_USE})


class AreaSource(enum.StrEnum):
    """Where a unit's exclusive-part area comes from, in the order art. 8 prefers."""

    REGISTER = "register"  # 不动产登记簿
    SURVEY = "survey"  # 测绘机构实测
    CONTRACT = "contract"  # 房屋买卖合同


AREA_PRECEDENCE = (AreaSource.REGISTER, AreaSource.SURVEY, AreaSource.CONTRACT)


class Choice(enum.StrEnum):
    AGREE = "agree"  # 同意
    DISAGREE = "disagree"  # 反对
    ABSTAIN = "abstain"  # 弃权
    BLANK = "blank"  # 空白票: a ballot returned with nothing marked
    INVALID = "invalid"  # 废票: unreadable, both boxes, not signed by the owner


class BlankRule(enum.StrEnum):
    """What a blank or void ballot does (docs/adr/0016-ballot-counting.md)."""

    PARTICIPATES = "participates"  # took part, did not agree (the default for blank)
    EXCLUDED = "excluded"  # as if not returned (the default for void)


@dataclass(frozen=True)
class CountingRules:
    """A compound's choice for blank and void ballots; its meeting rules (议事规则) may
    choose another documented option. The defaults are the platform's."""

    blank: BlankRule = BlankRule.PARTICIPATES
    invalid: BlankRule = BlankRule.EXCLUDED

    def participates(self, choice: Choice) -> bool:
        if choice is Choice.BLANK:
            return self.blank is BlankRule.PARTICIPATES
        if choice is Choice.INVALID:
            return self.invalid is BlankRule.PARTICIPATES
        return True


DEFAULT_RULES = CountingRules()


class CountingError(ValueError):
    """The input cannot be counted. ``code`` and ``field`` say why and where."""

    def __init__(self, code: str, field: str, detail: str = "") -> None:
        super().__init__(f"{code} at {field}: {detail}")
        self.code = code
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class UnitRecord:
    """One exclusive part (专有部分) as counted: its label, who holds it (the owner key),
    and its areas by source (at least one)."""

    label: str
    owner: str
    areas: Mapping[AreaSource, Decimal]

    def area(self) -> tuple[Decimal, AreaSource]:
        for source in AREA_PRECEDENCE:
            if source in self.areas:
                return self.areas[source], source
        raise CountingError("unit_without_area", self.label)


def owner_key(owners: Iterable[str], *, developer_unsold: bool = False) -> str:
    """The head a unit counts towards: the developer for its unsold or undelivered units,
    else its owners' names sorted and joined with "&" (co-owners are one head)."""
    if developer_unsold:
        return DEVELOPER
    names = sorted({n.strip() for n in owners if n.strip()})
    if not names:
        raise CountingError("unit_without_owner", "owners")
    return "&".join(names)


@dataclass(frozen=True)
class Threshold:
    """``share`` of a whole, inclusive (以上) or strict (过半数)."""

    share: Fraction
    inclusive: bool

    def met(self, part: Fraction | Decimal | int, whole: Fraction | Decimal | int) -> bool:
        if whole == 0:
            return False
        ratio = Fraction(part) / Fraction(whole)
        return ratio >= self.share if self.inclusive else ratio > self.share


QUORUM = Threshold(Fraction(2, 3), inclusive=True)
SUPERMAJORITY = Threshold(Fraction(3, 4), inclusive=True)
MAJORITY = Threshold(Fraction(1, 2), inclusive=False)


def agreement_threshold(item: Item) -> Threshold:
    return SUPERMAJORITY if item in SUPERMAJORITY_ITEMS else MAJORITY


@dataclass(frozen=True)
class Tally:
    item: Item
    total_area: Decimal
    total_heads: int
    participating_area: Decimal
    participating_heads: int
    agree_area: Decimal
    agree_heads: int
    disagree_area: Decimal
    disagree_heads: int
    abstain_area: Decimal
    abstain_heads: int
    quorum_area_met: bool
    quorum_heads_met: bool
    agree_area_met: bool
    agree_heads_met: bool
    area_sources: dict[str, str] = field(default_factory=dict)

    @property
    def quorum_met(self) -> bool:
        return self.quorum_area_met and self.quorum_heads_met

    @property
    def agreement_met(self) -> bool:
        return self.agree_area_met and self.agree_heads_met

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.agreement_met

    @property
    def threshold(self) -> Threshold:
        return agreement_threshold(self.item)

    def ratios(self) -> dict[str, Fraction | None]:
        def ratio(part: Decimal | int, whole: Decimal | int) -> Fraction | None:
            return Fraction(part) / Fraction(whole) if whole else None

        return {
            "participation_area": ratio(self.participating_area, self.total_area),
            "participation_heads": ratio(self.participating_heads, self.total_heads),
            "agree_area": ratio(self.agree_area, self.participating_area),
            "agree_heads": ratio(self.agree_heads, self.participating_heads),
        }


def tally(
    *,
    item: Item | int,
    units: Iterable[UnitRecord],
    ballots: Mapping[str, Choice],
    rules: CountingRules = DEFAULT_RULES,
) -> Tally:
    """Count ``ballots`` (owner key → choice; an owner absent from it did not take part)
    over ``units``. Raises :class:`CountingError` for input that cannot be counted: an
    item outside 1–9, a unit without a positive area, a ballot key that holds no unit,
    or nothing eligible at all."""
    try:
        item = Item(item)
    except ValueError:
        raise CountingError("invalid_item", "item", str(item)) from None
    area_of: dict[str, Decimal] = {}
    sources: dict[str, str] = {}
    for unit in units:
        area, source = unit.area()
        if not area.is_finite() or area <= 0:
            raise CountingError("invalid_area", unit.label, str(area))
        if unit.label in sources:
            raise CountingError("duplicate_unit", unit.label)
        sources[unit.label] = source.value
        area_of[unit.owner] = area_of.get(unit.owner, Decimal(0)) + area
    if not area_of:
        raise CountingError("no_eligible_units", "units")
    for key in ballots:
        if key not in area_of:
            raise CountingError("ballot_owner_unknown", f"ballots.{key}", key)

    total_area = sum(area_of.values(), Decimal(0))
    area_sum: dict[str, Decimal] = dict.fromkeys(("part", *Choice), Decimal(0))
    head_sum: dict[str, int] = dict.fromkeys(("part", *Choice), 0)
    for key, raw in ballots.items():
        choice = Choice(raw)
        if not rules.participates(choice):
            continue
        # Blank and void ballots that participate are counted with the abstentions:
        # they took part and did not agree.
        bucket = choice if choice in (Choice.AGREE, Choice.DISAGREE) else Choice.ABSTAIN
        for b in ("part", bucket):
            area_sum[b] += area_of[key]
            head_sum[b] += 1
    part_area, part_heads = area_sum["part"], head_sum["part"]
    agree_area, agree_heads = area_sum[Choice.AGREE], head_sum[Choice.AGREE]
    need = agreement_threshold(item)
    return Tally(
        item=item,
        total_area=total_area,
        total_heads=len(area_of),
        participating_area=part_area,
        participating_heads=part_heads,
        agree_area=agree_area,
        agree_heads=agree_heads,
        disagree_area=area_sum[Choice.DISAGREE],
        disagree_heads=head_sum[Choice.DISAGREE],
        abstain_area=area_sum[Choice.ABSTAIN],
        abstain_heads=head_sum[Choice.ABSTAIN],
        quorum_area_met=QUORUM.met(part_area, total_area),
        quorum_heads_met=QUORUM.met(part_heads, len(area_of)),
        agree_area_met=need.met(agree_area, part_area),
        agree_heads_met=need.met(agree_heads, part_heads),
        area_sources=sources,
    )


def fraction_str(value: Fraction | None) -> str | None:
    """``"n/d"`` always (never a rounded percentage); ``None`` for an empty denominator."""
    if value is None:
        return None
    return f"{value.numerator}/{value.denominator}"


def as_dict(t: Tally, rules: CountingRules) -> dict[str, Any]:
    """The published shape of a count: decimals as strings, ratios as exact fractions."""
    need = t.threshold
    return {
        "item": int(t.item),
        "total_area": str(t.total_area),
        "total_heads": t.total_heads,
        "participating_area": str(t.participating_area),
        "participating_heads": t.participating_heads,
        "agree_area": str(t.agree_area),
        "agree_heads": t.agree_heads,
        "disagree_area": str(t.disagree_area),
        "disagree_heads": t.disagree_heads,
        "abstain_area": str(t.abstain_area),
        "abstain_heads": t.abstain_heads,
        "thresholds": {
            "participation": fraction_str(QUORUM.share),
            "participation_inclusive": QUORUM.inclusive,
            "agreement": fraction_str(need.share),
            "agreement_inclusive": need.inclusive,
        },
        "ratios": {k: fraction_str(v) for k, v in t.ratios().items()},
        "quorum_area_met": t.quorum_area_met,
        "quorum_heads_met": t.quorum_heads_met,
        "quorum_met": t.quorum_met,
        "agree_area_met": t.agree_area_met,
        "agree_heads_met": t.agree_heads_met,
        "passed": t.passed,
        "area_sources": t.area_sources,
        "rules": {"blank": rules.blank.value, "invalid": rules.invalid.value},
    }
