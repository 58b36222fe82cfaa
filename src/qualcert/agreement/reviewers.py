"""Per-reviewer diagnostics: severity or leniency against co-reviewers, and a distance-to-consensus grade.

* Deviation: for each rating in a unit with 2+ ratings, the rating minus the mean of the
  co-reviewers' ratings of that unit (fractions of the indicator's points). Its mean over a
  reviewer's ratings is < 0 for a severe reviewer and > 0 for a lenient one. The standard error
  is cluster-robust by institution (a reviewer's deviations at one institution are correlated):
  ``sqrt(G / (G - 1) * sum_g E_g**2) / n`` with ``E_g`` the sum of residuals at institution g.
* Consensus grade, after Moodle Workshop's "comparison with the best assessment"
  (mod/workshop/eval/best): each (institution, stage) sheet of a reviewer is an assessment whose
  dimensions are the indicators, values 0-100 and weights the indicator points. The mean sheet
  is the average per indicator; ``var_i`` the population variance per indicator (at least 0.01);
  ``distance(a, r) = sum_i w_i |a_i - r_i|**3 / (COMPARISON * var_i) / sum_i w_i`` over the
  indicators both rated; the best sheets are those nearest the mean sheet (4 decimals, ties
  kept); a sheet's grade is ``clamp(100 - distance to the nearest best sheet, 0, 100)`` and a
  reviewer's grade the mean over their sheets.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.model import ReviewerAgreement
from qualcert.agreement.table import CODES, UNIT, VALUE, RatingFrame
from qualcert.rubric import Rubric

COMPARISON: Final = 5.0  # Moodle's comparison factor: 1 very strict, 3 strict, 5 fair (its default), 7 lax, 9 very lax
MIN_VARIANCE: Final = 0.01  # Moodle's floor for a dimension's variance
SHEET: Final = [CODES[st.INSTITUTION], CODES[st.STAGE]]
REVIEWER: Final = CODES[st.REVIEWER]


def reviewer_agreement(rubric: Rubric, table: pd.DataFrame, ratings: RatingFrame) -> tuple[ReviewerAgreement, ...]:
    """One entry per reviewer of the score table, sorted by id."""
    codes, names = pd.factorize(table[st.REVIEWER], sort=True)  # every reviewer, N/A marks included
    reviewers = [str(r) for r in names]
    na = table[st.NA].to_numpy(dtype=bool)
    size = len(reviewers)
    counts = np.bincount(codes[~na], minlength=size), np.bincount(codes[na], minlength=size)
    institution = pd.factorize(table[st.INSTITUTION])[0].astype(np.int64)
    pairs = np.unique(institution * size + codes)  # (institution, reviewer) pairs that occur
    n_inst = np.bincount(pairs % size, minlength=size)
    deviations = _deviations(ratings.frame, ratings.ids[st.REVIEWER])
    grades = _consensus_grades(rubric, ratings.frame, ratings.ids)
    out = []
    for code, rid in enumerate(reviewers):
        reasons: dict[str, str] = {}
        dev = deviations.get(rid)
        if dev is None:
            reasons["mean_deviation"] = "no score shared with a co-reviewer"
        elif dev[2] is None:
            reasons["se"] = "shared scores at fewer than 2 institutions"
        grade = grades.get(rid)
        if grade is None:
            reasons["consensus_grade"] = "no sheet shared with a co-reviewer"
        out.append(
            ReviewerAgreement(
                reviewer_id=rid,
                n_scores=int(counts[0][code]),
                n_na=int(counts[1][code]),
                n_institutions=int(n_inst[code]),
                n_shared=0 if dev is None else dev[0],
                mean_deviation=None if dev is None else dev[1],
                se=None if dev is None else dev[2],
                consensus_grade=None if grade is None else grade[0],
                n_sheets=0 if grade is None else grade[1],
                reasons=reasons,
            )
        )
    return tuple(out)


def _deviations(ratings: pd.DataFrame, names: npt.NDArray[np.object_]) -> dict[str, tuple[int, float, float | None]]:
    """reviewer -> (shared ratings, mean deviation from co-reviewers, cluster-robust SE)."""
    unit = ratings[UNIT].to_numpy(dtype=np.intp)
    value = ratings[VALUE].to_numpy(dtype=np.float64)
    if not len(unit):
        return {}
    m = np.bincount(unit)[unit]
    s = np.bincount(unit, weights=value)[unit]
    shared = m >= 2
    dev = value[shared] - (s[shared] - value[shared]) / (m[shared] - 1)
    reviewer = ratings[REVIEWER].to_numpy(dtype=np.intp)[shared]
    institution = ratings[CODES[st.INSTITUTION]].to_numpy(dtype=np.intp)[shared]
    frame = pd.DataFrame({"reviewer": reviewer, "institution": institution, "dev": dev})
    by_reviewer = frame.groupby("reviewer", sort=True)["dev"]
    n, mean = by_reviewer.size(), by_reviewer.mean()
    # cluster-robust SE: residuals summed per (reviewer, institution), then squared and summed per reviewer
    means = np.full(int(reviewer.max(initial=-1)) + 1, np.nan)
    means[mean.index.to_numpy(dtype=np.intp)] = mean.to_numpy(dtype=np.float64)
    frame["resid"] = dev - means[reviewer]
    clusters = frame.groupby(["reviewer", "institution"], sort=True)["resid"].sum()
    squares = (clusters * clusters).groupby(level=0, sort=True).agg(["sum", "size"])
    result: dict[str, tuple[int, float, float | None]] = {}
    for code, count, m, ss, g in zip(
        n.index.to_numpy(dtype=np.intp),
        n.to_numpy(dtype=np.int64),
        mean.to_numpy(dtype=np.float64),
        squares["sum"].to_numpy(dtype=np.float64),
        squares["size"].to_numpy(dtype=np.int64),
        strict=True,
    ):
        se = float(np.sqrt(g / (g - 1) * ss) / count) if g >= 2 else None
        result[str(names[code])] = (int(count), float(m), se)
    return result


def _consensus_grades(
    rubric: Rubric, ratings: pd.DataFrame, ids: dict[str, npt.NDArray[np.object_]]
) -> dict[str, tuple[float, int]]:
    """reviewer -> (mean grade over sheets, number of sheets graded)."""
    unit = ratings[UNIT].to_numpy(dtype=np.intp)
    if not len(unit):
        return {}
    m = np.bincount(unit)[unit]
    f = ratings.loc[m >= 2, [*SHEET, CODES[st.INDICATOR], REVIEWER, UNIT]].copy()
    if f.empty:
        return {}
    points = {ind.id: float(ind.points) for ind in rubric.indicators.values()}
    weights = np.array([points[str(i)] for i in ids[st.INDICATOR]], dtype=np.float64)
    f["g"] = ratings.loc[m >= 2, VALUE].to_numpy(dtype=np.float64) * 100.0
    f["w"] = weights[f[CODES[st.INDICATOR]].to_numpy(dtype=np.intp)]
    f["g2"] = f["g"] * f["g"]
    by_unit = f.groupby(UNIT)
    f["avg"] = by_unit["g"].transform("mean")
    variance = by_unit["g2"].transform("mean").to_numpy(dtype=np.float64) - f["avg"].to_numpy(dtype=np.float64) ** 2
    f["var"] = np.maximum(variance, MIN_VARIANCE)  # population variance, floored as Moodle does
    # integer keys: a sheet is (institution, stage); a reviewer's sheet, sheet * reviewers + reviewer
    reviewers = int(ratings[REVIEWER].max()) + 1
    stages = int(ratings[CODES[st.STAGE]].max()) + 1
    sheet_of = f[SHEET[0]].to_numpy(dtype=np.int64) * stages + f[SHEET[1]].to_numpy(dtype=np.int64)
    f["sheet"] = sheet_of
    f["own"] = sheet_of * reviewers + f[REVIEWER].to_numpy(dtype=np.int64)
    to_mean = _distance(f, f["avg"].to_numpy(dtype=np.float64), f["own"].to_numpy(dtype=np.int64))
    to_mean = to_mean.round(4)
    own = to_mean.index.to_numpy(dtype=np.int64)
    nearest = to_mean.groupby(own // reviewers).transform("min")
    winners = own[(to_mean == nearest).to_numpy()]
    best = pd.DataFrame({"sheet": winners // reviewers, "best": winners % reviewers})
    ref = pd.DataFrame(
        {
            "pair": f[UNIT].to_numpy(dtype=np.int64) * reviewers + f[REVIEWER].to_numpy(dtype=np.int64),
            "g_best": f["g"].to_numpy(dtype=np.float64),
        }
    )
    pairs = f.merge(best, on="sheet")
    pairs["pair"] = pairs[UNIT].to_numpy(dtype=np.int64) * reviewers + pairs["best"].to_numpy(dtype=np.int64)
    pairs = pairs.merge(ref, on="pair")
    pair_key = pairs["own"].to_numpy(dtype=np.int64) * reviewers + pairs["best"].to_numpy(dtype=np.int64)
    distance = _distance(pairs, pairs["g_best"].to_numpy(dtype=np.float64), pair_key)
    sheet = distance.groupby(distance.index.to_numpy(dtype=np.int64) // reviewers).min()
    grade = (100.0 - sheet).clip(lower=0.0, upper=100.0)
    grade.index = grade.index.to_numpy(dtype=np.int64) % reviewers
    per_reviewer = grade.groupby(level=0).agg(["mean", "size"])
    names = ids[st.REVIEWER]
    return {
        str(names[code]): (float(mean), int(size))
        for code, mean, size in zip(
            per_reviewer.index.to_numpy(dtype=np.intp),
            per_reviewer["mean"].to_numpy(dtype=np.float64),
            per_reviewer["size"].to_numpy(dtype=np.int64),
            strict=True,
        )
    }


def _distance(f: pd.DataFrame, reference: np.ndarray, key: np.ndarray) -> pd.Series:
    """Moodle's weighted cubic distance of each sheet (rows sharing an integer ``key``) from the reference values."""
    delta = np.abs(f["g"].to_numpy(dtype=np.float64) - reference)
    w = f["w"].to_numpy(dtype=np.float64)
    term = w * delta**3 / (COMPARISON * f["var"].to_numpy(dtype=np.float64))
    sums = pd.DataFrame({"term": term, "w": w, "key": key}).groupby("key", sort=True).sum()
    return sums["term"] / sums["w"]
