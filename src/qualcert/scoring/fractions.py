"""What a reviewer may write for an indicator, and the exact fraction it is worth.

Every indicator gets an :class:`IndicatorScale`: its valid entries and a common
integer denominator ``den``, so that a score is stored as an integer numerator
``num`` (fraction = num / den). Aggregation can then sum integers exactly and
vectorised; rationals appear only per indicator.

* ``levels`` scale: a label (우수, 양호 …), or a number of points equal to
  points × a level's value (so ``3`` on a 4-point 양호=0.75 indicator is 양호).
* ``points`` scale: any multiple of ``step`` from 0 to the indicator's points.
* ``N/A`` / ``해당없음`` (any case): not applicable, only where ``allow_na``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Final

from qualcert.numeric import exact, fmt
from qualcert.rubric.model import Indicator, LevelsScale, Rubric

NA_TOKENS: Final = frozenset({"n/a", "na", "해당없음", "해당 없음"})
NA: Final = "N/A"


def normalise_text(value: object) -> str:
    """Cell text as a reviewer meant it: NFKC (full-width digits → ASCII), trimmed; 10.0 → '10'."""
    if type(value) is str:
        if value.isascii():  # the common case: nothing for NFKC to do
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalise_texts(values: Sequence[object]) -> list[str]:
    """:func:`normalise_text` of each value. Nearly every column is text that is normalised already; that
    takes a strip of each value and one NFKC check of them all, in C, instead of a call per value."""
    try:
        stripped: list[str] = list(map(str.strip, values))  # type: ignore[arg-type]  # TypeError if not text
    except TypeError:  # numbers or dates among them
        return list(map(normalise_text, values))
    joined = "\x00".join(stripped)  # NUL neither composes nor reorders: the parts normalise apart
    if joined.isascii() or unicodedata.is_normalized("NFKC", joined):
        return stripped  # NFKC leaves the stripped texts and turns the stripped spaces into spaces
    return list(map(normalise_text, values))


def is_na(text: str) -> bool:
    return text.casefold() in NA_TOKENS


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed score: ``na`` or an exact numerator over the indicator's ``den``."""

    na: bool
    num: int


@dataclass(frozen=True)
class IndicatorScale:
    indicator_id: str
    points: Fraction
    den: int
    allow_na: bool
    labels: dict[str, int]  # level label -> numerator ({} on a points scale)
    step: Fraction | None  # points scale only
    precision: int

    def parse(self, text: str) -> Parsed | str:
        """The score for normalised cell ``text``, or a message saying what is valid."""
        if is_na(text):
            return Parsed(True, 0) if self.allow_na else f"N/A is not allowed for indicator {self.indicator_id}"
        if text in self.labels:
            return Parsed(False, self.labels[text])
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            return f"{text!r} is not a valid score for indicator {self.indicator_id}; valid: {self.describe()}"
        if not value.is_finite():
            return f"{text!r} is not a valid score for indicator {self.indicator_id}; valid: {self.describe()}"
        fraction = exact(value) / self.points
        num = fraction * self.den
        if 0 <= fraction <= 1 and num.denominator == 1 and (self.step is not None or int(num) in self.labels.values()):
            return Parsed(False, int(num))
        return f"{text} is not a valid score for indicator {self.indicator_id}; valid: {self.describe()}"

    def fraction(self, num: int) -> Fraction:
        return Fraction(num, self.den)

    def values(self) -> list[str]:
        """The entries a template drop-down offers, best first (N/A last where allowed)."""
        if self.step is not None:
            count = int(self.points / self.step)
            entries = [fmt(self.step * k, _decimals(self.step)) for k in range(count, -1, -1)]
        else:
            entries = list(self.labels)
        return entries + ([NA] if self.allow_na else [])

    def describe(self) -> str:
        if self.step is not None:
            text = f"0 to {fmt(self.points, _decimals(self.step))} in steps of {fmt(self.step, _decimals(self.step))}"
        else:
            text = ", ".join(self.labels)
        return text + (", N/A" if self.allow_na else "")


def _decimals(step: Fraction) -> int:
    """Decimals needed to write multiples of ``step`` (0.5 → 1, 0.25 → 2, 1 → 0)."""
    for places in range(7):
        if (step * 10**places).denominator == 1:
            return places
    return 6


def indicator_scale(rubric: Rubric, indicator: Indicator) -> IndicatorScale:
    scale = rubric.scale_of(indicator)
    points = exact(indicator.points)
    if isinstance(scale, LevelsScale):
        values = {label: exact(v) for label, v in scale.levels.items()}
        den = math.lcm(*(v.denominator for v in values.values()))
        labels = {label: int(v * den) for label, v in values.items()}
        return IndicatorScale(indicator.id, points, den, indicator.allow_na, labels, None, rubric.precision)
    step = exact(scale.step)
    den = int(points / step)  # the rubric checks guarantee points is a multiple of step
    return IndicatorScale(indicator.id, points, den, indicator.allow_na, {}, step, rubric.precision)


def scales_for(rubric: Rubric) -> dict[str, IndicatorScale]:
    """An :class:`IndicatorScale` for every indicator, by id."""
    return {ind.id: indicator_scale(rubric, ind) for ind in rubric.indicators.values()}
