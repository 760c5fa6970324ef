"""What every fees service shares: the 400 for a typed amount that is not money,
the 403 when a relationship check fails.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.fees.errors import FeesError
from redprop.fees.money import AmountError, parse_yuan

MONEY_MESSAGES = {
    "invalid_amount": (
        FeesError.INVALID_AMOUNT,
        gettext_lazy("金额格式不正确（请以字符串填写，如 12.50）"),
    ),
    "too_many_decimals": (FeesError.TOO_MANY_DECIMALS, gettext_lazy("金额最多保留两位小数")),
    "not_positive": (FeesError.NOT_POSITIVE, gettext_lazy("金额必须大于零")),
    "too_large": (FeesError.TOO_LARGE, gettext_lazy("金额过大")),
}


def amount_fen(raw: object, field: str = "amount") -> int:
    """Parse a typed amount or raise the 400 on ``field``."""
    if isinstance(raw, int) and not isinstance(raw, bool) and field == "":
        return raw
    try:
        return parse_yuan(raw)
    except AmountError as exc:
        code, message = MONEY_MESSAGES[exc.code]
        raise ApplicationError(code, str(message), field=field) from exc


def require(ok: bool) -> None:
    if not ok:
        raise PermissionDenied()
