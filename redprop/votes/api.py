"""The owners' votes API. ``POST /api/v1/votes/tally`` is stateless: a committee that
counted paper ballots elsewhere sends the units, owners, areas and ballots and gets
the art. 278 count back, computed by the same code as the stored votes
(docs/subsystems/votes.md). The other routes are the stored votes: create, open,
ballots (owner, proxy, paper, xlsx import), close, publish, and the reads each
relationship may make (the public result, the committee's participants, the
organisers' logged ballots)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from redprop.core import inputs
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.votes import counting, permissions, selectors, services, workflow
from redprop.votes.choices import AreaSource, CountRule, VoteState
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


# --- stored votes ------------------------------------------------------------------------

Choice3 = Literal["agree", "disagree", "abstain"]


class VoteIn(Schema):
    compound_id: inputs.Id | None = None
    building_id: inputs.Id | None = None
    item: int = Field(ge=-(2**31), le=2**31 - 1)
    title: inputs.Text(services.TITLE_MAX, required=True)  # type: ignore[valid-type]
    description: inputs.Text(services.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    origin: inputs.Text(services.ORIGIN_MAX) = ""  # type: ignore[valid-type]
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    blank_rule: Literal["participates", "excluded"] = CountRule.PARTICIPATES.value  # type: ignore[assignment]
    invalid_rule: Literal["participates", "excluded"] = CountRule.EXCLUDED.value  # type: ignore[assignment]
    territory_area_source: Literal["register", "survey", "contract", ""] = AreaSource.SURVEY.value  # type: ignore[assignment]


class VoteOut(Schema):
    id: int
    title: str
    item: int
    item_label: str
    description: str
    origin: str
    state: str
    state_label: str
    compound_id: int
    compound: str
    building_id: int | None
    opens_at: dt.datetime | None
    closes_at: dt.datetime
    total_area: str | None
    total_heads: int | None
    returned: int | None = None
    actions: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = None


class BallotIn(Schema):
    unit_id: inputs.Id
    choice: Choice3


class CastIn(Schema):
    ballots: list[BallotIn] = Field(min_length=1, max_length=inputs.IDS_MAX)


class BallotOut(Schema):
    id: int
    unit_ids: list[int] = Field(default_factory=list)
    choice: str
    channel: str
    cast_at: dt.datetime


class HeadOut(Schema):
    elector_id: int
    label: str
    units: list[dict[str, Any]]
    as_proxy: bool
    current: str | None
    history: list[dict[str, Any]]


class PaperIn(Schema):
    unit_id: inputs.Id
    choice: ChoiceIn
    channel: Literal["paper", "proxy"] = "paper"
    cast_at: dt.datetime | None = None
    proxy_name: inputs.Text(services.PROXY_NAME_MAX) = ""  # type: ignore[valid-type]
    note: inputs.Text(services.NOTE_MAX) = ""  # type: ignore[valid-type]


class ProxyIn(Schema):
    unit_id: inputs.Id
    proxy_user_id: inputs.Id


class ParticipantOut(Schema):
    label: str
    units: list[str]


class RevealOut(Schema):
    elector: str
    choice: str
    channel: str
    cast_at: dt.datetime
    recorded_at: dt.datetime
    cast_by: str
    proxy_name: str


class ResultOut(Schema):
    id: int
    title: str
    item: int
    item_label: str
    scope: str
    published_at: dt.datetime
    result: dict[str, Any]


class CountOut(Schema):
    imported: int


def _vote(request: HttpRequest, vote_id: int) -> Any:
    vote = (
        selectors.vote_list(user=request.user)
        .filter(pk=vote_id)
        .select_related("compound", "building")
        .first()
    )
    if vote is None or not permissions.can_view(request.user, vote):
        raise NotFound(_("表决不存在或不在您的管辖范围内"))
    return vote


def vote_out(user: Any, vote: Any) -> dict[str, Any]:
    staffish = permissions.is_organiser(user, vote) or permissions.is_committee(user, vote)
    return {
        "id": vote.pk,
        "title": vote.title,
        "item": vote.item,
        "item_label": vote.get_item_display(),
        "description": vote.description,
        "origin": vote.origin,
        "state": vote.state,
        "state_label": vote.get_state_display(),
        "compound_id": vote.compound_id,
        "compound": vote.scope_label,
        "building_id": vote.building_id,
        "opens_at": vote.opens_at,
        "closes_at": vote.closes_at,
        "total_area": str(vote.total_area) if vote.total_area is not None else None,
        "total_heads": vote.total_heads,
        "returned": selectors.turnout(vote=vote)["returned"]
        if staffish and vote.opened_at
        else None,
        "actions": sorted(workflow.available(user, vote)),
        "result": vote.result if vote.state == VoteState.PUBLISHED else None,
    }


@router.get("/", response=list[VoteOut])
def vote_list(request: HttpRequest) -> Any:
    """The votes the user may see (owners: their compounds'; staff: their scope's)."""
    rows = selectors.vote_list(user=request.user).select_related("compound", "building")[:200]
    return [vote_out(request.user, v) for v in rows if permissions.can_view(request.user, v)]


@router.post("/", response={201: VoteOut})
def vote_create(request: HttpRequest, payload: VoteIn) -> Any:
    """A draft vote over a compound or one building (community staff, street officers)."""
    from redprop.territory.models import Building, Compound

    scope: Any = None
    if payload.building_id:
        scope = Building.objects.filter(pk=payload.building_id).first()
    elif payload.compound_id:
        scope = Compound.objects.filter(pk=payload.compound_id).first()
    if scope is None:
        raise ApplicationError(
            "invalid_scope", _("表决范围须为您管辖范围内的小区或楼栋"), field="compound_id"
        )
    vote = services.vote_create(
        acting_user=request.user,
        scope=scope,
        item=payload.item,
        title=payload.title,
        description=payload.description,
        origin=payload.origin,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        blank_rule=payload.blank_rule,
        invalid_rule=payload.invalid_rule,
        territory_area_source=payload.territory_area_source,
    )
    return Status(201, vote_out(request.user, vote))


@router.get("/{vote_id}", response=VoteOut)
def vote_detail(request: HttpRequest, vote_id: int) -> Any:
    return vote_out(request.user, _vote(request, vote_id))


def _step(request: HttpRequest, vote_id: int, fn: Any) -> Any:
    vote = _vote(request, vote_id)
    fn(vote=vote, acting_user=request.user)
    return vote_out(request.user, _vote(request, vote_id))


@router.post("/{vote_id}/open", response=VoteOut)
def vote_open(request: HttpRequest, vote_id: int) -> Any:
    """Freeze the electorate and open the window (organisers)."""
    return _step(request, vote_id, services.vote_open)


@router.post("/{vote_id}/close", response=VoteOut)
def vote_close(request: HttpRequest, vote_id: int) -> Any:
    return _step(request, vote_id, services.vote_close)


@router.post("/{vote_id}/publish", response=VoteOut)
def vote_publish(request: HttpRequest, vote_id: int) -> Any:
    """Count the current ballots and publish the tallies (never who voted how)."""
    return _step(request, vote_id, services.vote_publish)


@router.post("/{vote_id}/cancel", response=VoteOut)
def vote_cancel(request: HttpRequest, vote_id: int) -> Any:
    return _step(request, vote_id, services.vote_cancel)


def _heads(request: HttpRequest, vote: Any) -> list[dict[str, Any]]:
    return [
        {
            "elector_id": h.elector.pk,
            "label": h.elector.label,
            "units": [
                {"unit_id": u.unit_id, "label": u.label, "area": str(u.area)} for u in h.units
            ],
            "as_proxy": h.as_proxy,
            "current": h.current.choice if h.current else None,
            "history": [
                {"choice": b.choice, "channel": b.channel, "cast_at": b.cast_at.isoformat()}
                for b in h.history
            ],
        }
        for h in selectors.my_heads(vote=vote, user=request.user)
    ]


@router.post("/{vote_id}/ballots", response={201: list[HeadOut]})
def vote_cast(request: HttpRequest, vote_id: int, payload: CastIn) -> Any:
    """The owner (or their registered proxy) votes: one entry per head, by one of its
    units. A later ballot replaces the earlier one; the history is kept."""
    vote = _vote(request, vote_id)
    services.ballot_cast(
        vote=vote,
        acting_user=request.user,
        ballots=[(b.unit_id, b.choice) for b in payload.ballots],
    )
    return Status(201, _heads(request, vote))


@router.get("/{vote_id}/mine", response=list[HeadOut])
def vote_mine(request: HttpRequest, vote_id: int) -> Any:
    """The heads the user may vote for, their current ballot and its history."""
    return _heads(request, _vote(request, vote_id))


@router.post("/{vote_id}/paper", response={201: BallotOut})
def vote_paper_ballot(
    request: HttpRequest,
    vote_id: int,
    payload: Form[PaperIn],
    document: File[UploadedFile],
) -> Any:
    """Staff enter a paper ballot with its scan, or a proxy's with the authorisation."""
    vote = _vote(request, vote_id)
    b = services.ballot_enter(
        vote=vote,
        acting_user=request.user,
        unit_id=payload.unit_id,
        choice=payload.choice,
        channel=payload.channel,
        cast_at=payload.cast_at,
        proxy_name=payload.proxy_name,
        note=payload.note,
        document=document,
    )
    return Status(
        201,
        {
            "id": b.pk,
            "unit_ids": [payload.unit_id],
            "choice": b.choice,
            "channel": b.channel,
            "cast_at": b.cast_at,
        },
    )


@router.post("/{vote_id}/proxies", response={201: dict[str, int]})
def vote_proxy_register(
    request: HttpRequest,
    vote_id: int,
    payload: Form[ProxyIn],
    document: File[UploadedFile],
) -> Any:
    """Register a written authorisation: the proxy user casts for that unit's head."""
    from redprop.accounts.models import User

    vote = _vote(request, vote_id)
    proxy = User.objects.filter(pk=payload.proxy_user_id, is_active=True).first()
    if not permissions.is_organiser(request.user, vote):
        raise PermissionDenied()
    row = services.proxy_register(
        vote=vote, acting_user=request.user, unit_id=payload.unit_id, proxy=proxy, document=document
    )
    return Status(201, {"id": row.pk})


@router.post("/{vote_id}/import", response={201: CountOut})
def vote_import(
    request: HttpRequest,
    vote_id: int,
    file: File[UploadedFile],
    document: File[UploadedFile],
) -> Any:
    """Import paper ballots from the template (xlsx) with the batch's scan. All or
    nothing: a bad row refuses the file; ``rows`` lists every row's error."""
    vote = _vote(request, vote_id)
    n = services.ballots_import(vote=vote, acting_user=request.user, upload=file, document=document)
    return Status(201, {"imported": n})


@router.get("/{vote_id}/import-template")
def vote_import_template(request: HttpRequest, vote_id: int) -> Any:
    """The xlsx to fill in: one row per unit of the frozen electorate (organisers)."""
    vote = _vote(request, vote_id)
    if not permissions.is_organiser(request.user, vote) or vote.opened_at is None:
        raise PermissionDenied()
    response = HttpResponse(
        services.import_template(vote=vote),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-ballots.xlsx"'
    return response


@router.get("/{vote_id}/participants", response=list[ParticipantOut])
def vote_participants(request: HttpRequest, vote_id: int) -> Any:
    """Who returned a ballot, never how (the owners' committee and the organisers)."""
    vote = _vote(request, vote_id)
    if not permissions.can_see_participants(request.user, vote):
        raise PermissionDenied()
    return [{"label": p.label, "units": p.units} for p in selectors.participants(vote=vote)]


@router.get("/{vote_id}/ballots", response=list[RevealOut])
def vote_ballots(
    request: HttpRequest,
    vote_id: int,
    reason: inputs.Text(inputs.NOTE_MAX, required=True),  # type: ignore[valid-type]
) -> Any:
    """How each head voted, with the history: organisers only, each read logged with
    its ``reason`` (personal data)."""
    vote = _vote(request, vote_id)
    rows = services.ballots_reveal(vote=vote, acting_user=request.user, reason=reason)
    return [
        {
            "elector": b.elector.label,
            "choice": b.choice,
            "channel": b.channel,
            "cast_at": b.cast_at,
            "recorded_at": b.recorded_at,
            "cast_by": str(b.cast_by),
            "proxy_name": b.proxy_name,
        }
        for b in rows
    ]


@router.get("/{vote_id}/result", response=ResultOut, auth=None)
def vote_result(request: HttpRequest, vote_id: int) -> Any:
    """The published result: tallies only (public)."""
    from redprop.votes.models import Vote

    vote = (
        Vote.objects.filter(pk=vote_id, state=VoteState.PUBLISHED)
        .select_related("compound", "building")
        .first()
    )
    if vote is None:
        raise NotFound(_("表决结果不存在或尚未公布"))
    return {
        "id": vote.pk,
        "title": vote.title,
        "item": vote.item,
        "item_label": vote.get_item_display(),
        "scope": vote.scope_label,
        "published_at": vote.published_at,
        "result": vote.result,
    }
