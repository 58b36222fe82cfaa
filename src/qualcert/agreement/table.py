"""From the validated score table to rating arrays: units, reviewers, values, level categories, spreads.

A unit is one (institution, indicator, stage); a rating is a reviewer's fraction ``num / den``
of the indicator's points. N/A rows are not ratings.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

import numpy as np
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


class RatingFrame:
    """The numeric ratings of a score table, with unit codes and Fleiss categories."""

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
        scales = {ind.id: ind.scale for ind in rubric.indicators.values()}
        self.level_scales = sorted(k for k, v in rubric.scales.items() if isinstance(v, LevelsScale))
        frame[SCALE] = frame[st.INDICATOR].map(scales).astype(str)
        frame[UNIT] = frame.groupby(UNIT_KEY, sort=True).ngroup().to_numpy(dtype=np.intp)
        level = frame[SCALE].isin(self.level_scales).to_numpy()
        keys = pd.MultiIndex.from_arrays([frame[SCALE][level], frame[st.NUM][level]])
        codes, uniques = pd.factorize(keys, sort=True)
        category = np.full(len(frame), -1, dtype=np.intp)
        category[level] = codes
        frame[CATEGORY] = category
        stratum_names = [str(u[0]) for u in uniques]
        self.stratum = np.array([self.level_scales.index(s) for s in stratum_names], dtype=np.intp)
        self.frame = frame

    def ratings(self, rows: pd.DataFrame | None = None, *, categorical: bool = True) -> Ratings:
        """Rating arrays of all rows (or a subset), with dense unit and reviewer codes.

        ``categorical``: pass the level categories for Fleiss' kappa (only level scales have them).
        """
        f = self.frame if rows is None else rows
        unit = pd.factorize(f[UNIT], sort=True)[0].astype(np.intp)
        rater = pd.factorize(f[st.REVIEWER], sort=True)[0].astype(np.intp)
        value = f[VALUE].to_numpy(dtype=np.float64)
        if not (categorical and self.level_scales):
            return Ratings(unit, rater, value)
        return Ratings(unit, rater, value, f[CATEGORY].to_numpy(dtype=np.intp), self.stratum)


def spread(rows: pd.DataFrame, limit: Fraction | None, precision: int) -> Spread:
    """Spread statistics over units with 2+ ratings; flags as the scoring engine does (rounded half-up, > limit)."""
    g = rows.groupby(UNIT, sort=False)
    stats = pd.DataFrame({"lo": g[st.NUM].min(), "hi": g[st.NUM].max(), "den": g[st.DEN].first(), "n": g.size()})
    stats = stats[stats["n"] >= 2]
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
