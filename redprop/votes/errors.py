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
    return _("无法计票")


def counting_error(err: CountingError, *, field: str | None = None) -> ApplicationError:
    """The API's shape for a :class:`CountingError` (400, code, Chinese message, field)."""
    code = err.code if err.code in VoteError.__members__.values() else ErrorCode.VALIDATION
    return ApplicationError(code, _message(err.code), field=field or err.field, status=400)
