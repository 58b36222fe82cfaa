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
import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.model import ReviewerAgreement
from qualcert.agreement.table import UNIT, VALUE
from qualcert.rubric import Rubric

COMPARISON: Final = 5.0  # Moodle's comparison factor: 1 very strict, 3 strict, 5 fair (its default), 7 lax, 9 very lax
MIN_VARIANCE: Final = 0.01  # Moodle's floor for a dimension's variance
SHEET: Final = [st.INSTITUTION, st.STAGE]


def reviewer_agreement(rubric: Rubric, table: pd.DataFrame, ratings: pd.DataFrame) -> tuple[ReviewerAgreement, ...]:
    """One entry per reviewer of the score table, sorted by id."""
    reviewers = sorted(set(table[st.REVIEWER].tolist()))
    na = table[st.NA].to_numpy(dtype=bool)
    n_scores = table.loc[~na].groupby(st.REVIEWER).size()
    n_na = table.loc[na].groupby(st.REVIEWER).size()
    n_inst = table.groupby(st.REVIEWER)[st.INSTITUTION].nunique()
    deviations = _deviations(ratings)
    grades = _consensus_grades(rubric, ratings)
    out = []
    for rid in reviewers:
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
                n_scores=int(n_scores.get(rid, 0)),
                n_na=int(n_na.get(rid, 0)),
                n_institutions=int(n_inst.get(rid, 0)),
                n_shared=0 if dev is None else dev[0],
                mean_deviation=None if dev is None else dev[1],
                se=None if dev is None else dev[2],
                consensus_grade=None if grade is None else grade[0],
                n_sheets=0 if grade is None else grade[1],
                reasons=reasons,
            )
        )
    return tuple(out)


def _deviations(ratings: pd.DataFrame) -> dict[str, tuple[int, float, float | None]]:
    """reviewer -> (shared ratings, mean deviation from co-reviewers, cluster-robust SE)."""
    unit = ratings[UNIT].to_numpy(dtype=np.intp)
    value = ratings[VALUE].to_numpy(dtype=np.float64)
    if not len(unit):
        return {}
    m = np.bincount(unit)[unit]
    s = np.bincount(unit, weights=value)[unit]
    shared = m >= 2
    dev = value[shared] - (s[shared] - value[shared]) / (m[shared] - 1)
    frame = pd.DataFrame(
        {
            "reviewer": ratings[st.REVIEWER].to_numpy(dtype=object)[shared],
            "institution": ratings[st.INSTITUTION].to_numpy(dtype=object)[shared],
            "dev": dev,
        }
    )
    result: dict[str, tuple[int, float, float | None]] = {}
    for rid, rows in frame.groupby("reviewer", sort=True):
        n = len(rows)
        mean = float(rows["dev"].mean())
        clusters = (rows["dev"] - mean).groupby(rows["institution"]).sum().to_numpy(dtype=np.float64)
        g = len(clusters)
        se = float(np.sqrt(g / (g - 1) * (clusters * clusters).sum()) / n) if g >= 2 else None
        result[str(rid)] = (n, mean, se)
    return result


def _consensus_grades(rubric: Rubric, ratings: pd.DataFrame) -> dict[str, tuple[float, int]]:
    """reviewer -> (mean grade over sheets, number of sheets graded)."""
    points = {ind.id: float(ind.points) for ind in rubric.indicators.values()}
    unit = ratings[UNIT].to_numpy(dtype=np.intp)
    if not len(unit):
        return {}
    m = np.bincount(unit)[unit]
    f = ratings.loc[m >= 2, [st.INSTITUTION, st.STAGE, st.INDICATOR, st.REVIEWER, UNIT]].copy()
    if f.empty:
        return {}
    f["g"] = ratings.loc[m >= 2, VALUE].to_numpy(dtype=np.float64) * 100.0
    f["w"] = f[st.INDICATOR].map(points).astype(float)
    f["g2"] = f["g"] * f["g"]
    by_unit = f.groupby(UNIT)
    f["avg"] = by_unit["g"].transform("mean")
    variance = by_unit["g2"].transform("mean").to_numpy(dtype=np.float64) - f["avg"].to_numpy(dtype=np.float64) ** 2
    f["var"] = np.maximum(variance, MIN_VARIANCE)  # population variance, floored as Moodle does
    key = [*SHEET, st.REVIEWER]
    to_mean = _distance(f, f["avg"].to_numpy(dtype=np.float64), key)
    to_mean = to_mean.round(4)
    nearest = to_mean.groupby(level=SHEET).transform("min")
    best = to_mean[to_mean == nearest].reset_index()[key].rename(columns={st.REVIEWER: "best"})
    ref = f[[UNIT, st.REVIEWER, "g"]].rename(columns={st.REVIEWER: "best", "g": "g_best"})
    pairs = f.merge(best, on=SHEET).merge(ref, on=[UNIT, "best"])
    distance = _distance(pairs, pairs["g_best"].to_numpy(dtype=np.float64), [*key, "best"])
    sheet = distance.groupby(level=key).min()
    grade = (100.0 - sheet).clip(lower=0.0, upper=100.0)
    per_reviewer = grade.groupby(level=st.REVIEWER).agg(["mean", "size"])
    return {str(r): (float(row["mean"]), int(row["size"])) for r, row in per_reviewer.iterrows()}


def _distance(f: pd.DataFrame, reference: np.ndarray, key: list[str]) -> pd.Series:
    """Moodle's weighted cubic distance of each sheet in ``key`` from the reference values."""
    delta = np.abs(f["g"].to_numpy(dtype=np.float64) - reference)
    w = f["w"].to_numpy(dtype=np.float64)
    term = w * delta**3 / (COMPARISON * f["var"].to_numpy(dtype=np.float64))
    parts = pd.DataFrame({"term": term, "w": w}, index=pd.MultiIndex.from_frame(f[key]))
    sums = parts.groupby(level=key).sum()
    return sums["term"] / sums["w"]
