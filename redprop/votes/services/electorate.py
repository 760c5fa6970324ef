"""Creating a vote, opening it and freezing its electorate (heads, units, areas); and
``open_vote``, the one step a meeting's resolution calls to launch one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.models import AuditEvent
from redprop.votes import counting, permissions
from redprop.votes.choices import (
    AreaSource,
    CountRule,
)
from redprop.votes.errors import VoteError, counting_error, vote_error
from redprop.votes.models import (
    AreaRecord,
    Elector,
    ElectorUnit,
    Vote,
)
from redprop.votes.services.base import (
    DEFAULT_WINDOW,
    DESCRIPTION_MAX,
    MAX_WINDOW,
    ORIGIN_MAX,
    TITLE_MAX,
    _text,
    _visible,
)
from redprop.votes.workflow import WORKFLOW


def _item(item: Any) -> int:
    try:
        return int(counting.Item(int(item)))
    except (TypeError, ValueError):
        raise counting_error(
            counting.CountingError(VoteError.INVALID_ITEM, "item"), field="item"
        ) from None


@transaction.atomic
def vote_create(
    *,
    acting_user: Any,
    scope: Any,
    item: int,
    title: str,
    description: str = "",
    closes_at: dt.datetime | None = None,
    opens_at: dt.datetime | None = None,
    origin: str = "",
    blank_rule: str = CountRule.PARTICIPATES,
    invalid_rule: str = CountRule.EXCLUDED,
    territory_area_source: str = AreaSource.SURVEY,
) -> Vote:
    """A draft vote on art. 278 item ``item`` over ``scope`` (a Compound or a Building),
    by community staff or a street officer of its place."""
    from redprop.territory.models import Building, Compound

    if isinstance(scope, Building):
        compound, building = scope.compound, scope
    elif isinstance(scope, Compound):
        compound, building = scope, None
    else:
        raise vote_error(VoteError.INVALID_SCOPE, field="scope")
    vote = Vote(
        compound=compound,
        building=building,
        item=_item(item),
        title=_text(title, "title", TITLE_MAX, required=True),
        description=_text(description, "description", DESCRIPTION_MAX),
        origin=_text(origin, "origin", ORIGIN_MAX),
        organiser=acting_user,
        blank_rule=CountRule(blank_rule),
        invalid_rule=CountRule(invalid_rule),
        territory_area_source=AreaSource(territory_area_source) if territory_area_source else "",
        opens_at=opens_at,
        closes_at=closes_at or (opens_at or clock.now()) + DEFAULT_WINDOW,
    )
    vote.set_place(building or compound)
    if not permissions.is_organiser(acting_user, vote):
        raise vote_error(VoteError.INVALID_SCOPE, field="scope")
    _check_window(vote.opens_at or clock.now(), vote.closes_at)
    vote.save()
    audit(actor=acting_user, event=AuditEvent.VOTE_CREATED, target=vote, after=snapshot(vote))
    return vote


def _check_window(opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if closes_at <= opens_at or closes_at - opens_at > MAX_WINDOW:
        raise vote_error(VoteError.INVALID_WINDOW, field="closes_at")


def vote_open(*, vote: Vote, acting_user: Any, opens_at: dt.datetime | None = None) -> Vote:
    """Open the vote: freeze its electorate (heads, units, areas with their source) and
    start the window. Refused, with nothing written, when a unit has no area or no owner,
    or nothing is eligible."""
    with WORKFLOW.step(
        "open",
        acting_user,
        _visible(acting_user),
        vote.pk,
        update_fields=("opens_at", "opened_at", "total_area", "total_heads"),
    ) as v:
        now = clock.now()
        v.opens_at = opens_at or v.opens_at or now
        if v.opens_at < now - dt.timedelta(minutes=5):
            v.opens_at = now  # never back-dated: ballots start from the opening
        _check_window(v.opens_at, v.closes_at)
        v.opened_at = now
        freeze_electorate(vote=v)
        audit(
            actor=acting_user,
            event=AuditEvent.VOTE_OPENED,
            target=v,
            total_area=str(v.total_area),
            total_heads=v.total_heads,
        )
    return v


def open_vote(
    acting_user: Any,
    *,
    scope: Any,
    item: int,
    title: str,
    description: str = "",
    closes_at: dt.datetime | None = None,
    origin: str = "",
    blank_rule: str = CountRule.PARTICIPATES,
    invalid_rule: str = CountRule.EXCLUDED,
) -> Vote:
    """Create and open a vote in one step: what a meeting's resolution calls to launch
    one (``origin``: a free label or URL of what launched it). Listen to
    ``signals.vote_published`` for its result."""
    with transaction.atomic():
        vote = vote_create(
            acting_user=acting_user,
            scope=scope,
            item=item,
            title=title,
            description=description,
            closes_at=closes_at,
            origin=origin,
            blank_rule=blank_rule,
            invalid_rule=invalid_rule,
        )
        return vote_open(vote=vote, acting_user=acting_user)


@dataclass
class _Head:
    key: str
    label: str
    developer_id: int | None
    person_ids: tuple[int, ...]
    units: list[tuple[int, str, Decimal, str]]


def freeze_electorate(*, vote: Vote) -> None:
    """Write the electorate of ``vote`` as it stands now (interpretation arts. 8–9).

    A unit's area: its AreaRecord from the register, else the survey, else the contract;
    the territory's ``exclusive_area`` counts as ``vote.territory_area_source`` when set.
    Heads: the unit's owners as a set (co-owners one head; the same owner or owners of
    several units one head with all the area); a developer-held unit (unsold, or its
    ownership still the developer's: sold but not delivered) goes to the developer's
    single head. A handful of queries for the whole scope, bulk inserts."""
    from redprop.territory.models import Ownership, Unit

    units_qs = Unit.objects.filter(compound_id=vote.compound_id)
    if vote.building_id:
        units_qs = units_qs.filter(building_id=vote.building_id)
    units = list(
        units_qs.order_by("pk").values_list(
            "pk", "label", "building__name", "exclusive_area", "developer_unsold"
        )
    )
    unit_ids = [u[0] for u in units]
    persons: dict[int, dict[int, str]] = {}
    developers: dict[int, tuple[int, str]] = {}
    for unit_id, pid, pname, dev_id, dev_name in Ownership.objects.filter(
        unit__in=units_qs
    ).values_list("unit_id", "person_id", "person__name", "developer_id", "developer__name"):
        if dev_id:
            developers[unit_id] = (dev_id, dev_name)
        elif pid:
            persons.setdefault(unit_id, {})[pid] = pname
    records: dict[int, dict[counting.AreaSource, Decimal]] = {}
    for unit_id, source, area in AreaRecord.objects.filter(unit__in=units_qs).values_list(
        "unit_id", "source", "area"
    ):
        records.setdefault(unit_id, {})[counting.AreaSource(source)] = area

    heads: dict[str, _Head] = {}
    counted: list[counting.UnitRecord] = []
    for unit_id, label, building_name, exclusive_area, unsold in units:
        full_label = f"{building_name} {label}" if building_name not in label else label
        areas = dict(records.get(unit_id, {}))
        if vote.territory_area_source:
            areas.setdefault(counting.AreaSource(vote.territory_area_source), exclusive_area)
        if unit_id in developers or unsold:
            dev_id, dev_name = developers.get(unit_id, (0, ""))
            key = f"d:{dev_id}"
            head = heads.setdefault(
                key, _Head(key, dev_name or _("开发建设单位"), dev_id or None, (), [])
            )
        else:
            owners = persons.get(unit_id)
            if not owners:
                raise vote_error(VoteError.UNIT_WITHOUT_OWNER, field=f"units.{full_label}")
            ids = tuple(sorted(owners))
            key = "p:" + "&".join(str(i) for i in ids)
            head = heads.setdefault(
                key, _Head(key, "、".join(owners[i] for i in ids), None, ids, [])
            )
        record = counting.UnitRecord(label=str(unit_id), owner=key, areas=areas)
        try:
            area, source = record.area()
        except counting.CountingError:
            raise vote_error(VoteError.UNIT_WITHOUT_AREA, field=f"units.{full_label}") from None
        counted.append(record)
        head.units.append((unit_id, full_label[:80], area, source.value))
    try:
        # The same validation as every count (positive areas, something eligible).
        empty = counting.tally(item=vote.item, units=counted, ballots={})
    except counting.CountingError as err:
        raise counting_error(err, field="units" if not unit_ids else None) from None

    electors = Elector.objects.bulk_create(
        [
            Elector(
                vote=vote,
                key=h.key,
                label=h.label[:200],
                area=sum((u[2] for u in h.units), Decimal(0)),
                units_count=len(h.units),
                developer_id=h.developer_id,
            )
            for h in heads.values()
        ],
        batch_size=2000,
    )
    through = Elector.persons.through
    links, rows = [], []
    for elector, h in zip(electors, heads.values(), strict=True):
        links += [through(elector_id=elector.pk, person_id=pid) for pid in h.person_ids]
        rows += [
            ElectorUnit(vote=vote, elector=elector, unit_id=u, label=lab, area=a, source=src)
            for u, lab, a, src in h.units
        ]
    through.objects.bulk_create(links, batch_size=2000)
    ElectorUnit.objects.bulk_create(rows, batch_size=2000)
    vote.total_area = empty.total_area
    vote.total_heads = empty.total_heads
