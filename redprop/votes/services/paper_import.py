"""The xlsx import of paper ballots: the template to fill and the all-or-nothing import
of a batch with its scan."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.votes import selectors
from redprop.votes.choices import (
    BallotChoice,
    Channel,
    VoteState,
)
from redprop.votes.errors import VoteError, vote_error
from redprop.votes.models import (
    Ballot,
    ElectorUnit,
    Vote,
)
from redprop.votes.services.ballots import _entered_ballot
from redprop.votes.services.base import (
    MAX_IMPORT_ROWS,
    _document,
    _unit_id,
    _visible,
)
from redprop.votes.workflow import WORKFLOW

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
                closed = vote_error(VoteError.VOTING_CLOSED, field="cast_at", status=409)
                errors.append(RowError(n, "cast_at", closed.code, closed.message))
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
