"""The owners' votes API. ``POST /api/v1/votes/tally`` is stateless: a committee that
counted paper ballots elsewhere sends the units, owners, areas and ballots and gets
the art. 278 count back, computed by the same code as the stored votes
(docs/subsystems/votes.md)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from redprop.votes import counting
from redprop.votes.errors import VoteError, counting_error

router = Router(tags=["votes 业主表决"])

MAX_UNITS = 20_000
MAX_NAME = 64
AREA_RE = re.compile(r"^[0-9]{1,7}(\.[0-9]{1,4})?$")

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
ChoiceIn = Literal["agree", "disagree", "abstain", "blank", "invalid"]
RuleIn = Literal["participates", "excluded"]


class TallyUnitIn(Schema):
    unit: Name
    owners: list[Name] = Field(default_factory=list, max_length=20)
    areas: dict[Literal["register", "survey", "contract"], Annotated[str, Field(max_length=16)]]
    developer_unsold: bool = False


class TallyRulesIn(Schema):
    blank: RuleIn = "participates"
    invalid: RuleIn = "excluded"


class TallyIn(Schema):
    item: int = Field(ge=-(2**31), le=2**31 - 1)
    units: list[TallyUnitIn] = Field(max_length=MAX_UNITS)
    ballots: dict[Annotated[str, Field(max_length=MAX_NAME * 21)], ChoiceIn] = Field(
        max_length=MAX_UNITS
    )
    rules: TallyRulesIn = Field(default_factory=TallyRulesIn)


class TallyOut(Schema):
    item: int
    total_area: str
    total_heads: int
    participating_area: str
    participating_heads: int
    agree_area: str
    agree_heads: int
    disagree_area: str
    disagree_heads: int
    abstain_area: str
    abstain_heads: int
    thresholds: dict[str, Any]
    ratios: dict[str, str | None]
    quorum_area_met: bool
    quorum_heads_met: bool
    quorum_met: bool
    agree_area_met: bool
    agree_heads_met: bool
    passed: bool
    area_sources: dict[str, str]
    rules: dict[str, str]


def _area(raw: str, field: str) -> Decimal:
    if not AREA_RE.match(raw):
        raise counting_error(counting.CountingError(VoteError.INVALID_AREA, field), field=field)
    return Decimal(raw)


tally_as_dict = counting.as_dict


@router.post("/tally", response=TallyOut, auth=None)
def tally(request: HttpRequest, payload: TallyIn) -> Any:
    """Count a decision under Civil Code art. 278 (public: nothing is stored or read).

    An owner key absent from ``ballots`` did not take part. A co-owned unit's key is its
    owners' names sorted and joined with "&"; the developer's is "developer"."""
    index: dict[str, int] = {}
    units = []
    for i, u in enumerate(payload.units):
        field = f"units[{i}]"
        if u.unit in index:
            raise counting_error(
                counting.CountingError(VoteError.DUPLICATE_UNIT, field), field=f"{field}.unit"
            )
        index[u.unit] = i
        try:
            owner = counting.owner_key(u.owners, developer_unsold=u.developer_unsold)
        except counting.CountingError as err:
            raise counting_error(err, field=f"{field}.owners") from None
        areas = {
            counting.AreaSource(src): _area(raw, f"{field}.areas.{src}")
            for src, raw in u.areas.items()
        }
        units.append(counting.UnitRecord(label=u.unit, owner=owner, areas=areas))
    rules = counting.CountingRules(
        blank=counting.BlankRule(payload.rules.blank),
        invalid=counting.BlankRule(payload.rules.invalid),
    )
    ballots = {k: counting.Choice(v) for k, v in payload.ballots.items()}
    try:
        result = counting.tally(item=payload.item, units=units, ballots=ballots, rules=rules)
    except counting.CountingError as err:
        field = err.field
        if err.field in index:
            field = f"units[{index[err.field]}].areas"
        raise counting_error(err, field=field) from None
    return tally_as_dict(result, rules)
