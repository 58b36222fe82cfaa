"""The one numeric policy of qualcert.

Inside, every number is an exact :class:`fractions.Fraction`. Numbers written in a
rubric arrive as :class:`decimal.Decimal` (the YAML loader builds floats from their
text), so ``0.1`` means one tenth, not the nearest binary double. Values are rounded
half-up (ties away from zero, as Korean score sheets do) to the rubric's
``precision`` only where DESIGN.md says: for comparisons and for output.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

Number = int | Decimal | Fraction


@lru_cache(maxsize=4096)  # rubric numbers recur for every institution; Fractions are immutable
def exact(value: Number | str) -> Fraction:
    """An exact Fraction from an int, Decimal, Fraction or decimal text (never a float)."""
    if isinstance(value, float):  # pragma: no cover - guarded by types; floats are never exact input
        raise TypeError("floats are not exact; pass Decimal or str")
    return Fraction(value)


def _half_up_units(value: Fraction, precision: int) -> int:
    """``value`` in units of 10**-precision, rounded half-up (ties away from zero); integer arithmetic only."""
    whole, rest = divmod(abs(value.numerator) * 10**precision, value.denominator)
    if 2 * rest >= value.denominator:
        whole += 1
    return int(-whole if value.numerator < 0 else whole)


def round_half_up(value: Fraction, precision: int) -> Decimal:
    """``value`` rounded half-up (ties away from zero) to ``precision`` decimals, exactly."""
    return Decimal(_half_up_units(value, precision)).scaleb(-precision) + 0  # + 0 turns -0 into 0


def quantize(value: Decimal, precision: int) -> Decimal:
    """A Decimal shown with exactly ``precision`` decimals (half-up)."""
    return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)


def to_float(value: Fraction, precision: int) -> float:
    """The rounded value as a float for JSON/CSV/xlsx: the double nearest to the rounded decimal."""
    return float(_half_up_units(value, precision) / 10**precision)  # int / int is correctly rounded


def fmt(value: Fraction | Decimal, precision: int) -> str:
    """Text with exactly ``precision`` decimals, e.g. ``58.33``."""
    dec = round_half_up(value, precision) if isinstance(value, Fraction) else quantize(value, precision)
    return f"{dec:.{precision}f}"
