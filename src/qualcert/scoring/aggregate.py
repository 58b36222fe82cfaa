"""Reviewers → one fraction per (institution, indicator, stage).

Reviewer scores are integer numerators over the indicator's denominator
(:mod:`qualcert.scoretable`), so every aggregate is computed exactly on sorted
integer lists and returned as a :class:`~fractions.Fraction` of the indicator's points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Final, NamedTuple

import numpy as np
import pandas as pd

from qualcert import scoretable as st


def _mean(nums: Sequence[int]) -> Fraction:
    return Fraction(sum(nums), len(nums))


def _median(nums: Sequence[int]) -> Fraction:
    mid = len(nums) // 2
    return Fraction(nums[mid]) if len(nums) % 2 else Fraction(nums[mid - 1] + nums[mid], 2)


def _trimmed_mean(nums: Sequence[int]) -> Fraction:
    """최고·최저점 제외: drop one highest and one lowest when there are 3 or more."""
    return _mean(nums[1:-1] if len(nums) >= 3 else nums)


AGGREGATORS: Final[dict[str, Callable[[Sequence[int]], Fraction]]] = {
    "mean": _mean,
    "median": _median,
    "trimmed_mean": _trimmed_mean,
    "min": lambda nums: Fraction(nums[0]),
    "max": lambda nums: Fraction(nums[-1]),
}
"""Each takes the reviewers' numerators sorted ascending (at least one) and returns a numerator."""


class StageScores(NamedTuple):
    """The reviewers' scores for one (institution, indicator, stage).

    A named tuple: a national round makes a few hundred thousand, and a tuple is made 3× faster
    than a frozen dataclass."""

    nums: tuple[int, ...]  # numeric scores, sorted ascending
    den: int
    na: int  # how many reviewers marked N/A
    reviewers: frozenset[str]  # everyone who wrote something, N/A included

    def fraction(self, aggregate: str) -> Fraction | None:
        """The aggregate fraction of the indicator's points, or None when nobody gave a number."""
        if not self.nums:
            return None
        return AGGREGATORS[aggregate](self.nums) / self.den

    @property
    def spread(self) -> Fraction | None:
        """Highest minus lowest reviewer fraction (0 for one reviewer, None without numbers)."""
        return Fraction(self.nums[-1] - self.nums[0], self.den) if self.nums else None


StageKey = tuple[str, str, str]  # institution_id, indicator_id, stage


def stage_scores(table: pd.DataFrame) -> dict[StageKey, StageScores]:
    """Group a validated score table by (institution, indicator, stage) in one sorted pass."""
    if table.empty:
        return {}
    t = table.sort_values([st.INSTITUTION, st.INDICATOR, st.STAGE, st.NA, st.NUM], kind="stable")
    inst, ind, stage = (t[c].to_numpy(dtype=object) for c in (st.INSTITUTION, st.INDICATOR, st.STAGE))
    change = (inst[1:] != inst[:-1]) | (ind[1:] != ind[:-1]) | (stage[1:] != stage[:-1])
    starts = np.flatnonzero(np.concatenate(([True], change)))
    ends = np.append(starts[1:], len(t))
    marks = np.add.reduceat(t[st.NA].to_numpy().astype(np.int64), starts)  # N/A rows sort last in a group
    nums, reviewers = t[st.NUM].tolist(), t[st.REVIEWER].tolist()
    dens = t[st.DEN].to_numpy()[starts].tolist()
    keys = zip(inst[starts].tolist(), ind[starts].tolist(), stage[starts].tolist(), strict=True)
    return {
        key: StageScores(tuple(nums[start : end - na]), den, na, frozenset(reviewers[start:end]))
        for key, start, end, na, den in zip(keys, starts.tolist(), ends.tolist(), marks.tolist(), dens, strict=True)
    }
