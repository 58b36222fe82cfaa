"""From the validated score table to rating arrays: units, reviewers, values, level categories, spreads.

A unit is one (institution, indicator, stage); a rating is a reviewer's fraction ``num / den``
of the indicator's points. N/A rows are not ratings.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.base import Ratings
from qualcert.agreement.model import Spread
from qualcert.numeric import exact
from qualcert.rubric import LevelsScale, Rubric

UNIT: Final = "unit"
VALUE: Final = "value"
SCALE: Final = "scale"
CATEGORY: Final = "category"  # Fleiss category code: (scale, level) of level-scale indicators, else -1
UNIT_KEY: Final = [st.INSTITUTION, st.INDICATOR, st.STAGE]
CODES: Final = {c: f"{c}_code" for c in (st.INSTITUTION, st.REVIEWER, st.STAGE, st.INDICATOR)}  # integer codes


class RatingFrame:
    """The numeric ratings of a score table, with unit codes and Fleiss categories.

    Besides the ids, ``frame`` has integer codes of institution, reviewer, stage and indicator
    (``CODES``; each in the sorted order of its ids), so that grouping never hashes strings again:
    at national scale (300k ratings) that was most of the agreement's cost.
    """

    def __init__(self, rubric: Rubric, table: pd.DataFrame) -> None:
        numeric = table.loc[~table[st.NA].to_numpy(dtype=bool)]
        frame = pd.DataFrame(
            {
                st.INSTITUTION: numeric[st.INSTITUTION].to_numpy(dtype=object),
                st.REVIEWER: numeric[st.REVIEWER].to_numpy(dtype=object),
                st.STAGE: numeric[st.STAGE].to_numpy(dtype=object),
                st.INDICATOR: numeric[st.INDICATOR].to_numpy(dtype=object),
                st.NUM: numeric[st.NUM].to_numpy(dtype=np.int64),
                st.DEN: numeric[st.DEN].to_numpy(dtype=np.int64),
            }
        )
        frame[VALUE] = frame[st.NUM].to_numpy(dtype=np.float64) / frame[st.DEN].to_numpy(dtype=np.float64)
        self.ids: dict[str, npt.NDArray[np.object_]] = {}
        for column, code in CODES.items():
            codes, uniques = pd.factorize(frame[column], sort=True)
            frame[code] = codes.astype(np.intp)
            self.ids[column] = np.asarray(uniques, dtype=object)
        scales = {ind.id: ind.scale for ind in rubric.indicators.values()}
        self.level_scales = sorted(k for k, v in rubric.scales.items() if isinstance(v, LevelsScale))
        indicator = frame[CODES[st.INDICATOR]].to_numpy(dtype=np.intp)
        scale_of = np.array([scales[str(i)] for i in self.ids[st.INDICATOR]], dtype=object)
        frame[SCALE] = scale_of[indicator] if len(scale_of) else np.array([], dtype=object)
        # units numbered in the sorted order of (institution, indicator, stage), as a sorted groupby would
        sizes = [len(self.ids[c]) for c in UNIT_KEY]
        key = np.zeros(len(frame), dtype=np.int64)
        for column, size in zip(UNIT_KEY, sizes, strict=True):
            key = key * size + frame[CODES[column]].to_numpy(dtype=np.int64)
        frame[UNIT] = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.intp)
        # Fleiss categories: (scale, level) pairs of level-scale ratings, numbered in sorted order
        level_of = np.array([scale in self.level_scales for scale in scale_of], dtype=bool)
        level = level_of[indicator] if len(level_of) else np.zeros(0, dtype=bool)
        scale_code = np.array([self.level_scales.index(x) if x in self.level_scales else -1 for x in scale_of])
        num = frame[st.NUM].to_numpy(dtype=np.int64)
        span = int(num[level].max(initial=0)) + 1
        pairs = scale_code[indicator[level]].astype(np.int64) * span + num[level] if level.any() else num[level]
        found, codes = np.unique(pairs, return_inverse=True)
        category = np.full(len(frame), -1, dtype=np.intp)
        category[level] = codes.reshape(-1)
        frame[CATEGORY] = category
        self.stratum = (found // span).astype(np.intp)
        self.frame = frame

    def ratings(self, rows: pd.DataFrame | None = None, *, categorical: bool = True) -> Ratings:
        """Rating arrays of all rows (or a subset), with dense unit and reviewer codes.

        ``categorical``: pass the level categories for Fleiss' kappa (only level scales have them).
        """
        f = self.frame if rows is None else rows
        unit = pd.factorize(f[UNIT], sort=True)[0].astype(np.intp)
        rater = pd.factorize(f[CODES[st.REVIEWER]], sort=True)[0].astype(np.intp)
        value = f[VALUE].to_numpy(dtype=np.float64)
        if not (categorical and self.level_scales):
            return Ratings(unit, rater, value)
        return Ratings(unit, rater, value, f[CATEGORY].to_numpy(dtype=np.intp), self.stratum)


def unit_spreads(rows: pd.DataFrame) -> pd.DataFrame:
    """Per unit with 2+ ratings (index: unit code): its indicator's code, lowest and highest ``num``, ``den``."""
    g = rows.groupby(UNIT, sort=True)
    stats = pd.DataFrame(
        {"indicator": g[CODES[st.INDICATOR]].first(), "lo": g[st.NUM].min(), "hi": g[st.NUM].max()}
        | {"den": g[st.DEN].first(), "n": g.size()}
    )
    return stats[stats["n"] >= 2]


def spread_of(stats: pd.DataFrame, limit: Fraction | None, precision: int) -> Spread:
    """Spread statistics over units with 2+ ratings (:func:`unit_spreads`); flags as the scoring engine does
    (rounded half-up, > limit)."""
    if stats.empty:
        return Spread(0, None, None, 0 if limit is not None else None, None if limit is None else float(limit))
    width = (stats["hi"] - stats["lo"]).to_numpy(dtype=np.int64)
    den = stats["den"].to_numpy(dtype=np.int64)
    values = width / den
    flagged = None
    if limit is not None:
        scale = 10**precision
        rounded = (2 * width * scale + den) // (2 * den)  # round half-up of width / den to `precision` decimals
        flagged = int((rounded * limit.denominator > limit.numerator * scale).sum())
    return Spread(
        len(stats), float(values.mean()), float(values.max()), flagged, None if limit is None else float(limit)
    )


def spread_limit(rubric: Rubric) -> Fraction | None:
    limit = rubric.disagreement.max_spread
    return None if limit is None else exact(limit)
