"""Every write of stored votes (业主表决). Each service is atomic: on an error nothing is
written. Staff acts leave an audit row (AuditEvent 741–749); a ballot row is its own
trace. See docs/subsystems/votes.md and docs/adr/0022-stored-votes.md."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.votes import counting, permissions, selectors
from redprop.votes.choices import (
    OWNER_CHOICES,
    AreaSource,
    BallotChoice,
    Channel,
    CountRule,
    VoteState,
)
from redprop.votes.errors import VoteError, counting_error, vote_error
from redprop.votes.models import (
    AreaRecord,
    Ballot,
    Elector,
    ElectorUnit,
    ProxyAuthorisation,
    Vote,
)
from redprop.votes.signals import vote_published
from redprop.votes.workflow import WORKFLOW

MAX_WINDOW = dt.timedelta(days=90)
DEFAULT_WINDOW = dt.timedelta(days=14)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
TITLE_MAX = 120
DESCRIPTION_MAX = 2000
ORIGIN_MAX = 200
NOTE_MAX = 200
PROXY_NAME_MAX = 64


def _text(value: str, field: str, max_length: int, *, required: bool = False) -> str:
    value = value or ""
    problem = text_problem(value, required=required)
    if problem or len(value) > max_length:
        raise ApplicationError(
            "validation_error",
            _("不能为空，且不能超过 %(max)s 个字符") % {"max": max_length},
            field=field,
        )
    return value.strip()


def _item(item: Any) -> int:
    try:
        return int(counting.Item(int(item)))
    except (TypeError, ValueError):
        raise counting_error(
            counting.CountingError(VoteError.INVALID_ITEM, "item"), field="item"
        ) from None


def _visible(user: Any) -> Any:
    return selectors.vote_list(user=user)


# --- creating and opening ----------------------------------------------------------------


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


# --- ballots -----------------------------------------------------------------------------


def _document(upload: Any, field: str) -> Any:
    """A scan or an authorisation: PDF, JPEG or PNG (checked by content), ≤ 10 MB."""
    if upload is None:
        raise vote_error(VoteError.DOCUMENT_REQUIRED, field=field)
    size = getattr(upload, "size", None) or 0
    head = upload.read(8)
    upload.seek(0)
    kinds = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
    ext = next((e for magic, e in kinds.items() if head.startswith(magic)), None)
    if ext is None or size > MAX_DOCUMENT_BYTES or size == 0:
        raise vote_error(VoteError.INVALID_DOCUMENT, field=field)
    upload.name = f"doc.{ext}"
    return upload


def _choice(value: Any, field: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise vote_error(VoteError.INVALID_CHOICE, field=field)
    return str(value)


def _unit_id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def ballot_cast(
    *, vote: Vote, acting_user: Any, ballots: Sequence[tuple[Any, Any]]
) -> list[Ballot]:
    """An owner (or their proxy) votes from the phone: ``ballots`` is a list of
    (unit id, choice) for the heads they may vote for. A later ballot by the same head
    in the window replaces the earlier one; both rows stay. Refused, with nothing
    written: outside the window, a user who is neither an owner nor a proxy, a unit
    not theirs, the same head twice in one request."""
    visible = _visible(acting_user)
    target = visible.filter(pk=vote.pk).first()
    if target is None:
        raise NotFound()
    if not (permissions.is_owner(acting_user, target) or permissions.is_proxy(acting_user, target)):
        raise vote_error(VoteError.NOT_AN_OWNER, status=403)
    if not target.window_open():
        raise vote_error(VoteError.VOTING_CLOSED, status=409)
    if not ballots:
        raise vote_error(VoteError.INVALID_CHOICE, field="ballots")
    try:
        return _cast(vote, acting_user, visible, ballots)
    except ApplicationError as err:
        if err.code == VoteError.INVALID_TRANSITION:  # closed while this one waited
            raise vote_error(VoteError.VOTING_CLOSED, status=409) from None
        raise


def _cast(
    vote: Vote, acting_user: Any, visible: Any, ballots: Sequence[tuple[Any, Any]]
) -> list[Ballot]:
    out: list[Ballot] = []
    with WORKFLOW.step("cast", acting_user, visible, vote.pk) as v:
        # The vote row is locked: closing waits for this ballot, or this ballot sees it
        # closed. Two ballots of one owner at once are taken one after the other.
        if not v.window_open():
            raise vote_error(VoteError.VOTING_CLOSED, status=409)
        heads = {h.elector.pk: h for h in selectors.my_heads(vote=v, user=acting_user)}
        by_unit = {eu.unit_id: h for h in heads.values() for eu in h.units}
        seen: set[int] = set()
        now = clock.now()
        for i, (raw_unit, raw_choice) in enumerate(ballots):
            field = f"ballots[{i}]"
            unit_id = _unit_id(raw_unit)
            head = by_unit.get(unit_id) if unit_id else None
            if head is None:
                raise vote_error(VoteError.UNIT_NOT_YOURS, field=f"{field}.unit_id")
            choice = _choice(raw_choice, f"{field}.choice", OWNER_CHOICES)
            if head.elector.pk in seen:
                raise vote_error(VoteError.DUPLICATE_BALLOT, field=f"{field}.unit_id")
            seen.add(head.elector.pk)
            out.append(
                Ballot(
                    vote=v,
                    elector=head.elector,
                    choice=choice,
                    channel=Channel.PROXY if head.as_proxy else Channel.ONLINE,
                    cast_by=acting_user,
                    cast_at=now,
                    recorded_at=now,
                    proxy_name=str(acting_user)[:PROXY_NAME_MAX] if head.as_proxy else "",
                )
            )
        for b in out:
            b.save()
    return out


def ballot_enter(
    *,
    vote: Vote,
    acting_user: Any,
    unit_id: Any,
    choice: str,
    document: Any,
    channel: str = Channel.PAPER,
    cast_at: dt.datetime | None = None,
    proxy_name: str = "",
    note: str = "",
) -> Ballot:
    """Staff enter a paper ballot with its scan, or a proxy's ballot with the written
    authorisation. ``cast_at`` is the date on the ballot as received: inside the window
    (a ballot received in time may be entered after closing, before publication)."""
    visible = _visible(acting_user)
    current = visible.filter(pk=vote.pk).first()
    if current is None:
        raise NotFound()
    action = "enter_received" if current.state == VoteState.CLOSED else "enter"
    with WORKFLOW.step(action, acting_user, visible, vote.pk) as v:
        ballot = _entered_ballot(
            v,
            acting_user=acting_user,
            unit_id=unit_id,
            choice=choice,
            channel=channel,
            cast_at=cast_at,
            proxy_name=proxy_name,
            note=note,
            field="",
        )
        ballot.document = _document(document, "document")
        ballot.save()
        audit(
            actor=acting_user,
            event=AuditEvent.BALLOT_ENTERED,
            target=v,
            ballot_id=ballot.pk,
            channel=ballot.channel,
            elector=ballot.elector.label,
        )
    return ballot


def _entered_ballot(
    v: Vote,
    *,
    acting_user: Any,
    unit_id: Any,
    choice: Any,
    channel: Any,
    cast_at: dt.datetime | None,
    proxy_name: str,
    note: str,
    field: str,
    units: dict[int, ElectorUnit] | None = None,
) -> Ballot:
    now = clock.now()
    uid = _unit_id(unit_id)
    if units is None:
        units = selectors.electors_of(vote=v, unit_ids=[uid] if uid else [])
    eu = units.get(uid) if uid else None
    if eu is None:
        raise vote_error(VoteError.UNIT_NOT_YOURS, field=f"{field}unit_id")
    choice = _choice(choice, f"{field}choice", BallotChoice.values)
    if channel not in (Channel.PAPER, Channel.PROXY):
        raise vote_error(VoteError.INVALID_CHOICE, field=f"{field}channel")
    at = cast_at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if v.opens_at is None or not (v.opens_at <= at <= min(v.closes_at, now)):
        raise vote_error(VoteError.VOTING_CLOSED, field=f"{field}cast_at", status=409)
    proxy_name = _text(proxy_name, f"{field}proxy_name", PROXY_NAME_MAX)
    if channel == Channel.PROXY and not proxy_name:
        raise ApplicationError(
            "validation_error", _("委托投票须填写代理人姓名"), field=f"{field}proxy_name"
        )
    return Ballot(
        vote=v,
        elector=eu.elector,
        choice=choice,
        channel=channel,
        cast_by=acting_user,
        cast_at=at,
        recorded_at=now,
        proxy_name=proxy_name,
        note=_text(note, f"{field}note", NOTE_MAX),
    )


def proxy_register(
    *, vote: Vote, acting_user: Any, unit_id: Any, proxy: Any, document: Any
) -> ProxyAuthorisation:
    """Staff register a written authorisation (授权委托书): ``proxy`` (a user) may cast the
    ballot of the head holding ``unit_id`` from their own phone."""
    with WORKFLOW.step("register_proxy", acting_user, _visible(acting_user), vote.pk) as v:
        uid = _unit_id(unit_id)
        eu = selectors.electors_of(vote=v, unit_ids=[uid] if uid else []).get(uid or 0)
        if eu is None:
            raise vote_error(VoteError.UNIT_NOT_YOURS, field="unit_id")
        if proxy is None or not getattr(proxy, "is_active", False):
            raise ApplicationError("validation_error", _("代理人须为已注册的用户"), field="proxy")
        row = ProxyAuthorisation(
            vote=v,
            elector=eu.elector,
            proxy=proxy,
            registered_by=acting_user,
            document=_document(document, "document"),
        )
        row.save()
        audit(
            actor=acting_user,
            event=AuditEvent.PROXY_REGISTERED,
            target=v,
            elector=eu.elector.label,
            proxy_user=proxy.pk,
        )
    return row


# --- the xlsx import of paper ballots ------------------------------------------------------

TEMPLATE_HEADERS = ("房屋编号", "门牌", "表决意见", "投票日期时间", "代理人", "备注")
CHOICE_WORDS = {
    "同意": BallotChoice.AGREE,
    "反对": BallotChoice.DISAGREE,
    "弃权": BallotChoice.ABSTAIN,
    "空白": BallotChoice.BLANK,
    "空白票": BallotChoice.BLANK,
    "废票": BallotChoice.INVALID,
    **{c.value: c for c in BallotChoice},
}


def import_template(*, vote: Vote) -> bytes:
    """The xlsx to fill: one row per unit of the frozen electorate (id and label), the
    choice and the date to fill in. The choices are listed on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "选票"
    ws.append(TEMPLATE_HEADERS)
    rows = ElectorUnit.objects.filter(vote=vote).order_by("label").values_list("unit_id", "label")
    for unit_id, label in rows.iterator(chunk_size=5000):
        ws.append([unit_id, label, None, None, None, None])
    dv = DataValidation(type="list", formula1='"同意,反对,弃权,空白票,废票"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"C2:C{max(2, ws.max_row)}")
    help_ws = wb.create_sheet("说明")
    for line in (
        ("表决", vote.title),
        ("事项", f"《民法典》第二百七十八条第一款第{vote.item}项"),
        ("表决意见", "同意 / 反对 / 弃权 / 空白票 / 废票"),
        ("投票日期时间", "纸质选票上的日期，如 2026-12-05 14:30；须在投票期内"),
        ("代理人", "委托投票时填写代理人姓名；否则留空"),
        ("未填写表决意见的行", "跳过（该户未交回选票）"),
    ):
        help_ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    code: str
    message: str


def ballots_import(*, vote: Vote, acting_user: Any, upload: Any, document: Any) -> int:
    """Import paper ballots from the template (xlsx) with the scan of the batch.
    All or nothing: any bad row refuses the whole file, with every row's error
    (``extra.rows``). Rows without a choice are skipped. Returns how many were entered."""
    from openpyxl import load_workbook

    visible = _visible(acting_user)
    current = visible.filter(pk=vote.pk).first()
    if current is None:
        raise NotFound()
    action = "enter_received" if current.state == VoteState.CLOSED else "enter"
    if not WORKFLOW.related(action, acting_user, current):
        raise PermissionDenied()
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
        ws = wb["选票"] if "选票" in wb.sheetnames else wb.worksheets[0]
        rows = list(ws.iter_rows(min_row=2, max_row=MAX_IMPORT_ROWS + 2, values_only=True))
    except Exception:
        raise vote_error(VoteError.INVALID_SPREADSHEET, field="file") from None
    if len(rows) > MAX_IMPORT_ROWS:
        raise vote_error(VoteError.INVALID_SPREADSHEET, field="file")
    with WORKFLOW.step(action, acting_user, visible, vote.pk) as v:
        doc = _document(document, "document")
        ids = [_unit_id(r[0]) for r in rows if r and len(r) > 0]
        units = selectors.electors_of(vote=v, unit_ids=[i for i in ids if i])
        errors: list[RowError] = []
        ballots: list[Ballot] = []
        seen: dict[int, int] = {}
        for n, raw in enumerate(rows, start=2):
            cells = list(raw or ()) + [None] * 6
            unit_id, _label, choice_word, when, proxy_name, note = cells[:6]
            if all(c in (None, "") for c in cells[:6]) or choice_word in (None, ""):
                continue
            choice = CHOICE_WORDS.get(str(choice_word).strip())
            try:
                if isinstance(when, str):
                    when = dt.datetime.fromisoformat(when.strip())
                if when is not None and not isinstance(when, dt.datetime):
                    raise vote_error(VoteError.VOTING_CLOSED, field="cast_at", status=409)
                if when is None:
                    raise vote_error(VoteError.VOTING_CLOSED, field="cast_at", status=409)
                ballot = _entered_ballot(
                    v,
                    acting_user=acting_user,
                    unit_id=unit_id,
                    choice=choice or str(choice_word),
                    channel=Channel.PROXY if proxy_name else Channel.PAPER,
                    cast_at=when,
                    proxy_name=str(proxy_name or ""),
                    note=str(note or ""),
                    field="",
                    units=units,
                )
                if ballot.elector_id in seen:
                    raise vote_error(VoteError.DUPLICATE_BALLOT, field="unit_id")
                seen[ballot.elector_id] = n
                ballot.document = doc
                ballots.append(ballot)
            except ApplicationError as err:
                errors.append(RowError(n, err.field or "", err.code, err.message))
            except ValueError:
                err = vote_error(VoteError.VOTING_CLOSED, field="cast_at", status=409)
                errors.append(RowError(n, "cast_at", err.code, err.message))
        if errors:
            raise ApplicationError(
                VoteError.IMPORT_ROWS_INVALID,
                str(vote_error(VoteError.IMPORT_ROWS_INVALID)),
                field="file",
                extra={"rows": [e.__dict__ for e in errors[:500]]},
            )
        if not ballots:
            raise vote_error(VoteError.INVALID_SPREADSHEET, field="file")
        # One stored scan for the batch: saved with the first row, shared by the rest.
        first = ballots[0]
        first.save()
        for b in ballots[1:]:
            b.document = first.document.name
        Ballot.objects.bulk_create(ballots[1:], batch_size=2000)
        audit(
            actor=acting_user,
            event=AuditEvent.BALLOTS_IMPORTED,
            target=v,
            count=len(ballots),
        )
    return len(ballots)


# --- closing, publishing, cancelling --------------------------------------------------------


def vote_close(*, vote: Vote, acting_user: Any) -> Vote:
    with WORKFLOW.step(
        "close", acting_user, _visible(acting_user), vote.pk, update_fields=("closed_at",)
    ) as v:
        v.closed_at = clock.now()
        audit(actor=acting_user, event=AuditEvent.VOTE_CLOSED, target=v)
    return v


def vote_publish(*, vote: Vote, acting_user: Any) -> Vote:
    """Count the current ballots with ``counting.tally`` and publish the result (tallies
    only). ``signals.vote_published`` is sent once the transaction commits."""
    with WORKFLOW.step(
        "publish",
        acting_user,
        _visible(acting_user),
        vote.pk,
        update_fields=("result", "published_at"),
    ) as v:
        tally = selectors.vote_tally(vote=v)
        v.result = counting.as_dict(tally, selectors.rules_of(v))
        v.published_at = clock.now()
        audit(
            actor=acting_user,
            event=AuditEvent.VOTE_PUBLISHED,
            target=v,
            passed=tally.passed,
            participating_heads=tally.participating_heads,
            agree_heads=tally.agree_heads,
        )
        result = v.result
        transaction.on_commit(lambda: vote_published.send(sender=Vote, vote=v, result=result))
    return v


def vote_cancel(*, vote: Vote, acting_user: Any, reason: str = "") -> Vote:
    with WORKFLOW.step(
        "cancel", acting_user, _visible(acting_user), vote.pk, update_fields=("cancelled_at",)
    ) as v:
        v.cancelled_at = clock.now()
        audit(
            actor=acting_user,
            event=AuditEvent.VOTE_CANCELLED,
            target=v,
            reason=_text(reason, "reason", NOTE_MAX),
        )
    return v


# --- reading how someone voted (restricted, logged) -------------------------------------------


@transaction.atomic
def ballots_reveal(*, vote: Vote, acting_user: Any, reason: str) -> list[Ballot]:
    """Every ballot of ``vote`` with its choice and history: the organisers only, each
    read written to the audit log with its reason (how an owner voted is personal)."""
    v = _visible(acting_user).filter(pk=vote.pk).first()
    if v is None:
        raise NotFound()
    if not permissions.is_organiser(acting_user, v):
        raise PermissionDenied()
    reason = _text(reason, "reason", NOTE_MAX, required=True)
    rows = list(
        Ballot.objects.filter(vote=v)
        .select_related("elector", "cast_by")
        .order_by("elector__label", "cast_at", "id")
    )
    audit(
        actor=acting_user,
        event=AuditEvent.BALLOTS_VIEWED,
        target=v,
        reason=reason,
        rows=len(rows),
    )
    return rows
