"""From the validated score table to rating arrays: units, reviewers, values, level categories, spreads.

A unit is one (institution, indicator, stage); a rating is a reviewer's fraction ``num / den``
of the indicator's points. N/A rows are not ratings.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.base import Floats, Ints, Ratings, dense
from qualcert.agreement.model import Spread
from qualcert.numeric import exact
from qualcert.rubric import LevelsScale, Rubric

UNIT_KEY: Final = (st.INSTITUTION, st.INDICATOR, st.STAGE)
COLUMNS: Final = (st.INSTITUTION, st.REVIEWER, st.STAGE, st.INDICATOR)  # the columns given integer codes

Objects = npt.NDArray[np.object_]


class RatingFrame:
    """The numeric ratings of a score table as arrays: integer codes, values, units and Fleiss categories.

    ``codes`` has, per rating, integer codes of institution, reviewer, stage and indicator (each in
    the sorted order of its ids, ``ids``), so that grouping never hashes strings again: at national
    scale (a million ratings) that was most of the agreement's cost. Each column is factorised
    once, over every row of the score table: ``table_codes`` and ``table_ids`` keep those, N/A
    marks included (the reviewer diagnostics count them). ``unit`` numbers the (institution,
    indicator, stage) units in that sorted order, as a sorted groupby would.
    """

    def __init__(self, rubric: Rubric, table: pd.DataFrame) -> None:
        numeric = ~table[st.NA].to_numpy(dtype=bool)
        self.table_codes: dict[str, Ints] = {}
        self.table_ids: dict[str, Objects] = {}
        self.codes: dict[str, Ints] = {}
        self.ids: dict[str, Objects] = {}
        for column in COLUMNS:
            codes, uniques = pd.factorize(table[column].to_numpy(dtype=object), sort=True)
            self.table_codes[column] = codes.astype(np.intp)
            self.table_ids[column] = np.asarray(uniques, dtype=object)
            found, self.codes[column] = dense(self.table_codes[column][numeric], len(uniques))
            self.ids[column] = self.table_ids[column][found]
        self.num = table[st.NUM].to_numpy(dtype=np.int64)[numeric]
        self.den = table[st.DEN].to_numpy(dtype=np.int64)[numeric]
        self.value = self.num.astype(np.float64) / self.den.astype(np.float64)
        key = np.zeros(len(self.num), dtype=np.int64)
        size = 1
        for column in UNIT_KEY:
            key = key * len(self.ids[column]) + self.codes[column]
            size *= len(self.ids[column])
        found, self.unit = dense(key, size)
        self.n_units = len(found)
        scales = {ind.id: ind.scale for ind in rubric.indicators.values()}
        self.level_scales = sorted(k for k, v in rubric.scales.items() if isinstance(v, LevelsScale))
        indicator = self.codes[st.INDICATOR]
        scale_of = np.array([scales[str(i)] for i in self.ids[st.INDICATOR]], dtype=object)
        # Fleiss categories: (scale, level) pairs of level-scale ratings, numbered in sorted order
        level_of = np.array([scale in self.level_scales for scale in scale_of], dtype=bool)
        level = level_of[indicator] if len(level_of) else np.zeros(0, dtype=bool)
        scale_code = np.array([self.level_scales.index(x) if x in self.level_scales else -1 for x in scale_of])
        num = self.num
        span = int(num[level].max(initial=0)) + 1
        pairs = scale_code[indicator[level]].astype(np.int64) * span + num[level] if level.any() else num[level]
        found, codes = dense(pairs, len(self.level_scales) * span)
        self.category = np.full(len(num), -1, dtype=np.intp)
        self.category[level] = codes
        self.stratum = (found // span).astype(np.intp)

    def ratings(self, rows: Ints | None = None, *, categorical: bool = True) -> Ratings:
        """Rating arrays of all ratings (or those at the ascending positions ``rows``), with dense unit and
        reviewer codes.

        ``categorical``: pass the level categories for Fleiss' kappa (only level scales have them).
        """
        unit, rater, value, category = self.unit, self.codes[st.REVIEWER], self.value, self.category
        if rows is not None:  # over every rating the codes are dense already
            unit = dense(unit[rows], self.n_units)[1]
            rater = dense(rater[rows], len(self.ids[st.REVIEWER]))[1]
            value, category = value[rows], category[rows]
        if not (categorical and self.level_scales):
            return Ratings(unit, rater, value)
        return Ratings(unit, rater, value, category, self.stratum)

    def rows_by(self, column: str) -> list[Ints]:
        """The ascending positions of the ratings of each id of ``column`` (in the order of ``ids[column]``)."""
        return groups(self.codes[column], len(self.ids[column]))


def groups(codes: Ints, size: int) -> list[Ints]:
    """The ascending positions of the entries of each code ``0..size-1``: one stable sort (radix up to 16 bits)."""
    order = np.argsort(codes.astype(np.min_scalar_type(max(size - 1, 0))), kind="stable")
    return np.split(order, np.cumsum(np.bincount(codes, minlength=size))[:-1]) if size else []


@dataclass(frozen=True)
class UnitSpreads:
    """Per unit with 2+ ratings, in unit order: its indicator's code, lowest and highest ``num``, and ``den``."""

    indicator: Ints
    lo: Ints
    hi: Ints
    den: Ints

    @classmethod
    def of(cls, ratings: RatingFrame) -> UnitSpreads:
        """One pass over the ratings for every indicator's spread."""
        unit, size = ratings.unit, ratings.n_units
        lo = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(lo, unit, ratings.num)
        np.maximum.at(hi, unit, ratings.num)
        indicator = np.zeros(size, dtype=np.intp)
        indicator[unit] = ratings.codes[st.INDICATOR]
        den = np.zeros(size, dtype=np.int64)
        den[unit] = ratings.den  # one denominator per indicator
        pairable = np.bincount(unit, minlength=size) >= 2
        return cls(indicator[pairable], lo[pairable], hi[pairable], den[pairable])

    def take(self, units: Ints) -> UnitSpreads:
        return UnitSpreads(self.indicator[units], self.lo[units], self.hi[units], self.den[units])


def spread_of(stats: UnitSpreads, limit: Fraction | None, precision: int) -> Spread:
    """Spread statistics over units with 2+ ratings; flags as the scoring engine does (rounded half-up, > limit)."""
    if not len(stats.lo):
        return Spread(0, None, None, 0 if limit is not None else None, None if limit is None else float(limit))
    width = stats.hi - stats.lo
    den = stats.den
    values = width / den
    flagged = None
    if limit is not None:
        scale = 10**precision
        rounded = (2 * width * scale + den) // (2 * den)  # round half-up of width / den to `precision` decimals
        flagged = int((rounded * limit.denominator > limit.numerator * scale).sum())
    return Spread(
        len(stats.lo), float(values.mean()), float(values.max()), flagged, None if limit is None else float(limit)
    )


def group_sums(groups: Ints, values: Floats, size: int) -> Floats:
    """Per group (codes ``0..size-1``) the sums of ``values`` (a column, or columns), as pandas' groupby sums them.

    pandas adds with ``np.add.reduceat`` when the codes are sorted and with a compensated sum in row
    order otherwise, so a caller that renumbers keys in their order (:func:`dense`) gets the bits of a
    groupby on the keys themselves. The codes go in as categories, which spares pandas hashing them.
    """
    categories = pd.Series(pd.Categorical.from_codes(groups, categories=pd.RangeIndex(size)))
    sums = pd.DataFrame(values).groupby(categories, observed=False).sum()
    return np.asarray(sums, dtype=np.float64).reshape((size, *values.shape[1:]))


def spread_limit(rubric: Rubric) -> Fraction | None:
    limit = rubric.disagreement.max_spread
    return None if limit is None else exact(limit)
