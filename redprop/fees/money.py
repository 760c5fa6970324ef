"""Money as ``Decimal`` yuan in Python and integer fen (分) in the database.

The rules (docs/adr/0023-money-rounding-ledger.md):

* an amount typed by a person or sent to the API is a string of at most two decimals
  (``"12.30"``); a float never enters (the API refuses JSON numbers for amounts);
* the database keeps integer fen (``BigIntegerField``): sums are exact and need no
  rounding;
* a computed charge (area × rate × days / days of the month) is rounded once, at the
  bill line, half-up to the fen (``ROUND_HALF_UP``), never per square metre.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
# At most 10 million yuan in one amount: larger is a typing error, not a fee.
MAX_FEN = 10_000_000_00
_AMOUNT_RE = re.compile(r"^[0-9]{1,8}(\.[0-9]{1,2})?$")


class AmountError(ValueError):
    """``code`` is the reason: ``invalid_amount``, ``too_many_decimals``, ``not_positive``,
    ``too_large``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_yuan(raw: object, *, allow_zero: bool = False) -> int:
    """A typed amount in yuan (a string, or a ``Decimal``/``int``) → fen. Floats are
    refused, as are more than two decimals, zero (unless ``allow_zero``), negatives and
    amounts over ``MAX_FEN``."""
    if isinstance(raw, (float, bool)):
        raise AmountError("invalid_amount")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if text.startswith("-"):
            raise AmountError("not_positive")
        if re.match(r"^[0-9]+\.[0-9]{3,}$", text):
            raise AmountError("too_many_decimals")
        if not _AMOUNT_RE.match(text):
            raise AmountError("invalid_amount")
        value = Decimal(text)
    else:
        raise AmountError("invalid_amount")
    try:
        if not value.is_finite():
            raise AmountError("invalid_amount")
        if value != value.quantize(FEN):
            raise AmountError("too_many_decimals")
    except InvalidOperation as exc:
        raise AmountError("invalid_amount") from exc
    fen = int(value * 100)
    if fen < 0 or (fen == 0 and not allow_zero):
        raise AmountError("not_positive")
    if fen > MAX_FEN:
        raise AmountError("too_large")
    return fen


def to_fen(value: Decimal) -> int:
    """A computed yuan amount → fen, rounded half-up (the one rounding rule)."""
    if isinstance(value, float):  # pragma: no cover - a programming error
        raise TypeError("money is never a float")
    return int(value.quantize(FEN, rounding=ROUND_HALF_UP) * 100)


def yuan(fen: int) -> Decimal:
    """Fen → yuan with two decimals (exact)."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


def fmt(fen: int) -> str:
    """Fen as a display string: ``1234.50``."""
    return f"{yuan(fen):,.2f}"
