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


NO_SCORES = StageScores((), 1, 0, frozenset())  # a stage without any entry


def _codes(values: np.ndarray) -> np.ndarray:
    """Dense codes 0..k-1 of integer values: equal values, equal codes."""
    return pd.factorize(values.reshape(-1))[0].reshape(values.shape).astype(np.int64)


def _tuple_codes(num: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One code per group for the tuple ``num[start : start + length]``: equal tuples, equal codes.

    Built a position at a time: each step codes (the code of the tuple so far, the next number),
    numbered after every code used before, so that tuples of different lengths never share one."""
    codes = np.zeros(len(starts), dtype=np.int64)  # 0: the empty tuple
    low = int(num.min(initial=0))
    width, used = int(num.max(initial=0)) - low + 1, 1
    for position in range(int(lengths.max(initial=0))):
        longer = lengths > position
        fresh = _codes(codes[longer] * width + (num[starts[longer] + position] - low))
        codes[longer] = fresh + used
        used += int(fresh.max(initial=-1)) + 1
    return codes


class BatchScores:
    """The reviewers' scores of a batch of institutions, as integer arrays over (institution, indicator).

    ``key[i, j]`` codes everything an indicator's result depends on: the indicator, how many
    reviewers wrote something at any of its stages, and at each stage the sorted numerators and
    the N/A marks. Equal keys, equal inputs: the engine computes one result per distinct key.
    Built with sorts and factorisations over the whole table instead of a Python object per
    (institution, indicator, stage); :meth:`stages` makes those objects for the few it needs.

    ``ids`` are the institutions in the batch's order (rows of others are left out), ``plan``
    each indicator with the stages it is scored at, in the rubric's order.
    """

    def __init__(self, table: pd.DataFrame, ids: Sequence[str], plan: Sequence[tuple[str, Sequence[str]]]) -> None:
        n_ind, slots = len(plan), max((len(stages) for _, stages in plan), default=1)
        names = sorted({stage for _, stages in plan for stage in stages})
        slot_of = np.full((n_ind, len(names) + 1), -1, dtype=np.int64)  # (indicator, stage) → slot; last: unknown
        for j, (_, stages) in enumerate(plan):
            for k, stage in enumerate(stages):
                slot_of[j, names.index(stage)] = k
        inst, ind, stage_code = (  # -1: not in the batch, not in the rubric, not a stage of any indicator
            pd.Index(values).get_indexer(pd.Index(table[column])).astype(np.int64)
            for values, column in ((ids, st.INSTITUTION), ([i for i, _ in plan], st.INDICATOR), (names, st.STAGE))
        )
        slot = np.where(ind >= 0, slot_of[np.maximum(ind, 0), stage_code], -1)  # stage -1 reads the last column
        keep = np.flatnonzero((inst >= 0) & (slot >= 0))
        na = table[st.NA].to_numpy(dtype=bool)[keep]
        num = table[st.NUM].to_numpy(dtype=np.int64)[keep]
        inst, ind, slot = inst[keep], ind[keep], slot[keep]
        order = np.lexsort((num, na, slot, ind, inst))  # per (institution, indicator, stage): numbers up, N/A last
        inst, ind, slot, na, num = inst[order], ind[order], slot[order], na[order], num[order]
        reviewer = table[st.REVIEWER].to_numpy(dtype=object)[keep][order]
        den = table[st.DEN].to_numpy(dtype=np.int64)[keep][order]

        pair = inst * n_ind + ind
        cell = pair * slots + slot
        starts = np.flatnonzero(np.concatenate(([True], cell[1:] != cell[:-1]))) if len(cell) else np.zeros(0, int)
        sizes = np.diff(np.append(starts, len(cell)))
        marks = np.add.reduceat(na.astype(np.int64), starts) if len(cell) else np.zeros(0, np.int64)
        numbers = sizes - marks
        group_key = _tuple_codes(num, starts, numbers) * (int(marks.max(initial=0)) + 1) + marks

        n_pairs = len(ids) * n_ind
        self._group = np.full((n_pairs, slots), -1, dtype=np.int64)  # index of the stage's group, -1: no entry
        self._group[pair[starts], slot[starts]] = np.arange(len(starts))
        if slots == 1:
            reviewers = np.zeros(n_pairs, dtype=np.int64)
            reviewers[pair[starts]] = sizes
        else:  # everyone who wrote something at any stage, counted once
            who = pd.factorize(reviewer)[0].astype(np.int64)
            distinct = pd.unique(pair * (int(who.max(initial=0)) + 1) + who)  # np.unique: 15x slower here
            reviewers = np.bincount(distinct // (int(who.max(initial=0)) + 1), minlength=n_pairs)
        key = (np.arange(n_pairs) % n_ind) * (int(reviewers.max(initial=0)) + 1) + reviewers
        key = _codes(key)
        for k in range(slots):
            present = self._group[:, k]
            stage_key = np.zeros(n_pairs, dtype=np.int64)  # 0: no entry at this stage
            stage_key[present >= 0] = group_key[present[present >= 0]] + 1
            key = _codes(key * (int(stage_key.max(initial=0)) + 1) + stage_key)
        self.key = key.reshape(len(ids), n_ind)
        self.reviewers = reviewers.reshape(len(ids), n_ind)
        self._plan = plan
        self._starts, self._numbers, self._marks, self._sizes = starts, numbers, marks, sizes
        self._num, self._den, self._reviewer = num, den, reviewer

    def stages(self, i: int, j: int) -> list[StageScores]:
        """The scores of institution ``i`` at each stage of indicator ``j`` (:data:`NO_SCORES` where none)."""
        found = []
        for k in range(len(self._plan[j][1])):
            g = int(self._group[i * len(self._plan) + j, k])
            if g < 0:
                found.append(NO_SCORES)
                continue
            start = int(self._starts[g])
            found.append(
                StageScores(
                    tuple(self._num[start : start + self._numbers[g]].tolist()),
                    int(self._den[start]),
                    int(self._marks[g]),
                    frozenset(self._reviewer[start : start + self._sizes[g]].tolist()),
                )
            )
        return found
