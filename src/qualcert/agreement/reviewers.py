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
from qualcert.agreement.base import Floats, Ints, dense
from qualcert.agreement.model import ReviewerAgreement
from qualcert.agreement.reasons import reason
from qualcert.agreement.table import RatingFrame, group_sums
from qualcert.rubric import Rubric

COMPARISON: Final = 5.0  # Moodle's comparison factor: 1 very strict, 3 strict, 5 fair (its default), 7 lax, 9 very lax
MIN_VARIANCE: Final = 0.01  # Moodle's floor for a dimension's variance


def reviewer_agreement(rubric: Rubric, table: pd.DataFrame, ratings: RatingFrame) -> tuple[ReviewerAgreement, ...]:
    """One entry per reviewer of the score table, sorted by id."""
    codes = ratings.table_codes[st.REVIEWER]  # every reviewer, N/A marks included
    reviewers = [str(r) for r in ratings.table_ids[st.REVIEWER]]
    na = table[st.NA].to_numpy(dtype=bool)
    size = len(reviewers)
    counts = np.bincount(codes[~na], minlength=size), np.bincount(codes[na], minlength=size)
    institution = ratings.table_codes[st.INSTITUTION].astype(np.int64)
    pairs = dense(institution * size + codes, len(ratings.table_ids[st.INSTITUTION]) * size)[0]  # pairs that occur
    n_inst = np.bincount(pairs % size, minlength=size)
    deviations = _deviations(ratings)
    grades = _consensus_grades(rubric, ratings)
    out = []
    for code, rid in enumerate(reviewers):
        reasons: dict[str, str] = {}
        dev = deviations.get(rid)
        if dev is None:
            reasons["mean_deviation"] = reason("no_shared_score")
        elif dev[2] is None:
            reasons["se"] = reason("shared_at_few_institutions")
        grade = grades.get(rid)
        if grade is None:
            reasons["consensus_grade"] = reason("no_shared_sheet")
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


def _deviations(ratings: RatingFrame) -> dict[str, tuple[int, float, float | None]]:
    """reviewer -> (shared ratings, mean deviation from co-reviewers, cluster-robust SE)."""
    unit, value = ratings.unit, ratings.value
    if not len(unit):
        return {}
    m = np.bincount(unit)[unit]
    s = np.bincount(unit, weights=value)[unit]
    shared = m >= 2
    dev = value[shared] - (s[shared] - value[shared]) / (m[shared] - 1)
    reviewer = ratings.codes[st.REVIEWER][shared]
    institution = ratings.codes[st.INSTITUTION][shared]
    size, institutions = len(ratings.ids[st.REVIEWER]), len(ratings.ids[st.INSTITUTION])
    n = np.bincount(reviewer, minlength=size)
    found = np.flatnonzero(n)  # reviewers with shared ratings
    means = np.full(size, np.nan)
    means[found] = group_sums(reviewer, dev, size)[found] / n[found]
    # cluster-robust SE: residuals summed per (reviewer, institution), then squared and summed per reviewer
    clusters, cluster = dense(reviewer.astype(np.int64) * institutions + institution, size * institutions)
    resid = group_sums(cluster, dev - means[reviewer], len(clusters))
    of = clusters // institutions  # each cluster's reviewer
    squares, g = group_sums(of, resid * resid, size), np.bincount(of, minlength=size)
    result: dict[str, tuple[int, float, float | None]] = {}
    for code, count, mean, ss, groups in zip(found, n[found], means[found], squares[found], g[found], strict=True):
        se = float(np.sqrt(groups / (groups - 1) * ss) / count) if groups >= 2 else None
        result[str(ratings.ids[st.REVIEWER][code])] = (int(count), float(mean), se)
    return result


def _consensus_grades(rubric: Rubric, ratings: RatingFrame) -> dict[str, tuple[float, int]]:
    """reviewer -> (mean grade over sheets, number of sheets graded)."""
    counts = np.bincount(ratings.unit)
    rows = np.flatnonzero(counts[ratings.unit] >= 2)
    if not len(rows):
        return {}
    points = {ind.id: float(ind.points) for ind in rubric.indicators.values()}
    weights = np.array([points[str(i)] for i in ratings.ids[st.INDICATOR]], dtype=np.float64)
    reviewer = ratings.codes[st.REVIEWER][rows]
    g = ratings.value[rows] * 100.0
    w = weights[ratings.codes[st.INDICATOR][rows]]
    _, unit = dense(ratings.unit[rows], ratings.n_units)
    n = np.bincount(unit)
    means = group_sums(unit, np.column_stack([g, g * g]), len(n)) / n[:, None]  # of g and of g**2
    avg = means[unit, 0]
    variance = means[unit, 1] - avg**2
    var = np.maximum(variance, MIN_VARIANCE)  # population variance, floored as Moodle does
    # a sheet is an (institution, stage); a reviewer's sheet ("own") is sheet * reviewers + reviewer
    reviewers, stages = len(ratings.ids[st.REVIEWER]), len(ratings.ids[st.STAGE])
    sheets, sheet = dense(
        ratings.codes[st.INSTITUTION][rows].astype(np.int64) * stages + ratings.codes[st.STAGE][rows],
        len(ratings.ids[st.INSTITUTION]) * stages,
    )
    own_keys, own = dense(sheet * reviewers + reviewer, len(sheets) * reviewers)
    to_mean = np.round(_distance(g - avg, w, var, own, len(own_keys)), 4)
    nearest = np.full(len(sheets), np.inf)
    np.minimum.at(nearest, own_keys // reviewers, to_mean)
    winners = own_keys[to_mean == nearest[own_keys // reviewers]]  # the best sheets, ties kept, by reviewer
    # each sheet's t-th best reviewer against every sheet's ratings of the units that reviewer rated
    rank = np.arange(len(winners)) - np.searchsorted(winners // reviewers, winners // reviewers)
    pair_rows, pair_best, pair_refs = [], [], []
    for t in range(int(rank.max()) + 1):
        best = np.full(len(sheets), -1, dtype=np.intp)
        best[winners[rank == t] // reviewers] = winners[rank == t] % reviewers
        mine = np.flatnonzero(reviewer == best[sheet])  # the t-th best reviewer's own ratings
        row_of = np.full(len(n), -1, dtype=np.intp)  # per unit, that reviewer's rating if any
        row_of[unit[mine]] = mine
        paired = np.flatnonzero(row_of[unit] >= 0)
        pair_rows.append(paired)
        pair_best.append(best[sheet[paired]])
        pair_refs.append(row_of[unit[paired]])
    i, ref = np.concatenate(pair_rows), np.concatenate(pair_refs)
    pair_keys, pair = dense(own[i] * reviewers + np.concatenate(pair_best), len(own_keys) * reviewers)
    distance = _distance(g[i] - g[ref], w[i], var[i], pair, len(pair_keys))
    owners = pair_keys // reviewers  # own sheet of each (own sheet, best reviewer) pair, ascending
    nearest_best = np.full(len(own_keys), np.inf)
    np.minimum.at(nearest_best, owners, distance)
    graded = np.unique(owners)
    grade = np.clip(100.0 - nearest_best[graded], 0.0, 100.0)
    by = own_keys[graded] % reviewers
    sheets_of = np.bincount(by, minlength=reviewers)
    found = np.flatnonzero(sheets_of)
    mean = group_sums(by, grade, reviewers)[found] / sheets_of[found]
    names = ratings.ids[st.REVIEWER]
    return {str(names[code]): (float(m), int(k)) for code, m, k in zip(found, mean, sheets_of[found], strict=True)}


def _distance(delta: Floats, w: Floats, var: Floats, key: Ints, size: int) -> Floats:
    """Moodle's weighted cubic distance of each sheet (rows sharing a ``key``, 0..size-1) from reference values,
    given each row's difference ``delta`` from its reference."""
    sums = group_sums(key, np.column_stack([w * np.abs(delta) ** 3 / (COMPARISON * var), w]), size)
    return sums[:, 0] / sums[:, 1]
