from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as s

from qualcert.numeric import fmt, round_half_up


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (Fraction("79.995"), 2, "80.00"),  # exactly half: up
        (Fraction("79.99499999"), 2, "79.99"),
        (Fraction("79.99"), 2, "79.99"),
        (Fraction(2, 3) * 100, 2, "66.67"),
        (Fraction("0.5"), 0, "1"),
        (Fraction("2.5"), 0, "3"),  # half-up, not banker's rounding
        (Fraction("-2.5"), 0, "-3"),  # ties away from zero
        (Fraction("-0.004"), 2, "0.00"),
        (Fraction(1, 3), 4, "0.3333"),
    ],
)
def test_round_half_up(value: Fraction, precision: int, expected: str) -> None:
    assert round_half_up(value, precision) == Decimal(expected)
    assert fmt(value, precision) == expected


def test_float_drift_does_not_reach_the_result() -> None:
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in floats; exactly 0.6 here.
    assert sum([Fraction("0.1"), Fraction("0.2"), Fraction("0.3")]) == Fraction("0.6")
    assert round_half_up(Fraction("26.665"), 2) == Decimal("26.67")  # float 26.665 would round to 26.66


@given(s.fractions(min_value=0, max_value=1000), s.integers(min_value=0, max_value=4))
def test_rounding_is_within_half_a_unit(value: Fraction, precision: int) -> None:
    rounded = Fraction(round_half_up(value, precision))
    unit = Fraction(1, 10**precision)
    assert -unit / 2 < rounded - value <= unit / 2
