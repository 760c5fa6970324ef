"""Error codes of owners' votes (业主表决)."""

from __future__ import annotations

import enum

from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError, ErrorCode
from redprop.votes.counting import CountingError


class VoteError(enum.StrEnum):
    INVALID_ITEM = "invalid_item"
    INVALID_AREA = "invalid_area"
    UNIT_WITHOUT_AREA = "unit_without_area"
    UNIT_WITHOUT_OWNER = "unit_without_owner"
    DUPLICATE_UNIT = "duplicate_unit"
    NO_ELIGIBLE_UNITS = "no_eligible_units"
    BALLOT_OWNER_UNKNOWN = "ballot_owner_unknown"
    # Stored votes.
    INVALID_TRANSITION = "vote_invalid_transition"
    VOTING_CLOSED = "voting_closed"
    NOT_AN_OWNER = "not_an_owner"
    UNIT_NOT_YOURS = "unit_not_yours"
    DUPLICATE_BALLOT = "duplicate_ballot"
    INVALID_CHOICE = "invalid_choice"
    INVALID_WINDOW = "invalid_window"
    INVALID_SCOPE = "invalid_scope"
    DOCUMENT_REQUIRED = "document_required"
    INVALID_DOCUMENT = "invalid_document"
    INVALID_SPREADSHEET = "invalid_spreadsheet"
    IMPORT_ROWS_INVALID = "import_rows_invalid"


def _message(code: str) -> str:
    # Each literal is its own gettext call so makemessages extracts it.
    if code == VoteError.INVALID_ITEM:
        return _("表决事项须为《民法典》第二百七十八条第一款的第 1 至 9 项")
    if code == VoteError.INVALID_AREA:
        return _("专有部分面积须为正数，以字符串表示，最多四位小数")
    if code == VoteError.UNIT_WITHOUT_AREA:
        return _("该房屋没有登记、实测或合同面积，无法计票")
    if code == VoteError.UNIT_WITHOUT_OWNER:
        return _("该房屋没有业主，也未标为建设单位未售房屋")
    if code == VoteError.DUPLICATE_UNIT:
        return _("同一房屋出现了两次")
    if code == VoteError.NO_ELIGIBLE_UNITS:
        return _("没有可参与表决的专有部分（总面积为零）")
    if code == VoteError.BALLOT_OWNER_UNKNOWN:
        return _("该选票的业主不拥有表决范围内的任何房屋")
    if code == VoteError.INVALID_TRANSITION:
        return _("表决当前状态不允许此操作")
    if code == VoteError.VOTING_CLOSED:
        return _("表决不在投票期内（未开始或已截止），不能投票")
    if code == VoteError.NOT_AN_OWNER:
        return _("您不是本次表决范围内的业主，也未受业主委托")
    if code == VoteError.UNIT_NOT_YOURS:
        return _("该房屋不属于您，或不在本次表决范围内")
    if code == VoteError.DUPLICATE_BALLOT:
        return _("同一业主在一次提交中只能投一票")
    if code == VoteError.INVALID_CHOICE:
        return _("表决意见无效")
    if code == VoteError.INVALID_WINDOW:
        return _("投票期无效：截止时间须晚于开始时间，且不超过 90 天")
    if code == VoteError.INVALID_SCOPE:
        return _("表决范围须为您管辖范围内的小区或楼栋")
    if code == VoteError.DOCUMENT_REQUIRED:
        return _("请上传纸质选票扫描件或授权委托书")
    if code == VoteError.INVALID_DOCUMENT:
        return _("文件须为 PDF、JPEG 或 PNG，且不超过 10 MB")
    if code == VoteError.INVALID_SPREADSHEET:
        return _("无法读取该 xlsx 文件，请使用下载的模板")
    if code == VoteError.IMPORT_ROWS_INVALID:
        return _("导入文件有错误，未导入任何选票；请按行修改后重新上传")
    return _("无法计票")


def vote_error(code: VoteError, *, field: str | None = None, status: int = 400) -> ApplicationError:
    """A stored vote's refusal: ``{code, message, field}`` with a 4xx."""
    return ApplicationError(code, _message(code), field=field, status=status)


def counting_error(err: CountingError, *, field: str | None = None) -> ApplicationError:
    """The API's shape for a :class:`CountingError` (400, code, Chinese message, field)."""
    code = err.code if err.code in VoteError.__members__.values() else ErrorCode.VALIDATION
    return ApplicationError(code, _message(err.code), field=field or err.field, status=400)
