"""Money parsing and the one rounding rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from redprop.fees.billing import line_amount
from redprop.fees.money import AmountError, parse_yuan, to_fen, yuan


@pytest.mark.parametrize(
    ("raw", "fen"),
    [("12.3", 1230), ("0.01", 1), ("40.28", 4028), ("100", 10000), (Decimal("7.50"), 750)],
)
def test_parse_yuan(raw, fen):
    assert parse_yuan(raw) == fen


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (12.3, "invalid_amount"),  # a float never enters
        ("1.234", "too_many_decimals"),
        ("0", "not_positive"),
        ("-5", "not_positive"),
        ("1e3", "invalid_amount"),
        ("NaN", "invalid_amount"),
        ("999999999", "invalid_amount"),
        (True, "invalid_amount"),
        (Decimal("1.005"), "too_many_decimals"),
    ],
)
def test_parse_yuan_refuses(raw, code):
    with pytest.raises(AmountError) as exc:
        parse_yuan(raw)
    assert exc.value.code == code


def test_rounding_is_half_up_at_the_line():
    # 89.50 m² × 0.45 = 40.275 → 40.28 (half-up), not banker's 40.28/40.27 by accident.
    assert line_amount(Decimal("89.50"), Decimal("0.45"), 31, 31) == 4028
    assert to_fen(Decimal("0.005")) == 1
    assert to_fen(Decimal("0.0049")) == 0
    # Rounded once per line, not per m²: 0.45 × 33.33 = 14.9985 → 15.00.
    assert line_amount(Decimal("33.33"), Decimal("0.45"), 30, 30) == 1500
    # Proration: 16 of 31 days of 40.275 = 20.787… → 20.79.
    assert line_amount(Decimal("89.50"), Decimal("0.45"), 16, 31) == 2079
    assert yuan(4028) == Decimal("40.28")
