"""The estimators, each as features per unit plus a function of their sums (see :mod:`.coefficients`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from qualcert.agreement.base import (
    ALPHA_KEYS,
    ICC_CROSSED_KEYS,
    KAPPA_KEY,
    Estimate,
    Floats,
    Ints,
    Ratings,
    Statistic,
    Work,
    clean,
    dense,
    nonzero,
    safe,
)
from qualcert.agreement.reasons import reason

ORDINAL_FEATURE_LIMIT: Final = 4_000_000  # patterns × values² kept for the ordinal bootstrap
ICC_UNDEFINED: Final = reason("icc_zero_variance")


# -- Krippendorff's alpha ------------------------------------------------------------------


def add_alpha(work: Work, unit: Ints, value: Floats, n_units: int) -> None:
    if n_units == 0:
        for key in ALPHA_KEYS:
            work.estimates[key] = Estimate(None, reason("no_unit_rated_twice"))
        return
    values, code = np.unique(value, return_inverse=True)
    v = len(values)
    nuc = np.bincount(unit * v + code, minlength=n_units * v).reshape(n_units, v)
    patterns, inverse = unique_rows(nuc)
    nuc_p = patterns.astype(np.float64)
    m = nuc_p.sum(axis=1)
    undefined = reason("no_variation")
    diff = values[:, None] - values[None, :]
    total = values[:, None] + values[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total != 0, (diff / np.where(total != 0, total, 1.0)) ** 2, 0.0)
    metrics = {"alpha_nominal": 1.0 - np.eye(v), "alpha_interval": diff**2, "alpha_ratio": ratio}
    for key, delta in metrics.items():
        d_unit = np.einsum("pi,ij,pj->p", nuc_p, delta, nuc_p) / (m - 1)
        features = np.column_stack([m, d_unit, nuc_p])
        work.statistics.append(Statistic((key,), features, _fixed_metric(delta), undefined, inverse))
    multiplicity = np.bincount(inverse, minlength=len(nuc_p)).astype(np.float64)
    if len(nuc_p) * v * v <= ORDINAL_FEATURE_LIMIT:
        outer = (nuc_p[:, :, None] * nuc_p[:, None, :] / (m - 1)[:, None, None]).reshape(len(nuc_p), v * v)
        features = np.column_stack([m, nuc_p, outer])
        work.statistics.append(Statistic(("alpha_ordinal",), features, _ordinal(v), undefined, inverse))
    else:  # the point estimate from the full coincidence matrix; no interval
        coincidence = ((nuc_p * (multiplicity / (m - 1))[:, None]).T @ nuc_p).reshape(1, v * v)
        features = np.column_stack([m, nuc_p])
        no_ci = reason("ordinal_too_many_values")
        work.statistics.append(
            Statistic(("alpha_ordinal",), features, _ordinal(v, coincidence), undefined, inverse, no_ci)
        )


def unique_rows(counts: Ints) -> tuple[Ints, Ints]:
    """``np.unique(counts, axis=0, return_inverse=True)`` for non-negative integer rows, without its row sort.

    Each row is read as a number in base ``max + 1``, first column most significant, so the
    patterns come out in the same (lexicographic) order; 50 times faster on 128,000 units.
    """
    n, width = counts.shape
    base = int(counts.max(initial=0)) + 1
    if n == 0 or width * math.log2(base) >= 62:  # the number would not fit in int64
        patterns, inverse = np.unique(counts, axis=0, return_inverse=True)
        return patterns, inverse.reshape(-1).astype(np.intp)
    key = np.zeros(n, dtype=np.int64)
    for column in counts.T:
        key = key * base + column
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return counts[first], inverse.reshape(-1).astype(np.intp)


def _fixed_metric(delta: Floats) -> Callable[[Floats], Floats]:
    def alpha(sums: Floats) -> Floats:
        n, d_o, nc = sums[:, 0], sums[:, 1], sums[:, 2:]
        d_e = np.einsum("bi,ij,bj->b", nc, delta, nc)
        return safe(1.0 - (n - 1.0) * d_o / nonzero(d_e))[:, None]

    return alpha


def _ordinal_delta(nc: Floats) -> Floats:
    """(b, v, v) ordinal metric from the value totals: ``(mid_k - mid_c)**2`` with mid = cumsum - n/2."""
    mid = np.cumsum(nc, axis=1) - nc / 2.0
    return np.asarray((mid[:, None, :] - mid[:, :, None]) ** 2, dtype=np.float64)


def _ordinal(v: int, coincidence: Floats | None = None) -> Callable[[Floats], Floats]:
    """Ordinal alpha from sums of (m, value counts, coincidences); ``coincidence`` fixed when given."""

    def alpha(sums: Floats) -> Floats:
        n, nc = sums[:, 0], sums[:, 1 : 1 + v]
        o = (sums[:, 1 + v :] if coincidence is None else coincidence).reshape(-1, v, v)
        delta = _ordinal_delta(nc)
        d_o = (o * delta).sum(axis=(1, 2))
        d_e = np.einsum("bi,bij,bj->b", nc, delta, nc)
        return safe(1.0 - (n - 1.0) * d_o / nonzero(d_e))[:, None]

    return alpha


# -- intraclass correlations -----------------------------------------------------------------


def add_oneway(work: Work, unit: Ints, value: Floats, n_units: int) -> None:
    if n_units < 2:
        work.estimates["icc1_oneway"] = Estimate(None, reason("few_units_rated_twice"))
        return
    n = np.bincount(unit, minlength=n_units).astype(np.float64)
    s = np.bincount(unit, weights=value, minlength=n_units)
    q = np.bincount(unit, weights=value * value, minlength=n_units)
    features = np.column_stack([np.ones(n_units), n, s, s * s / n, q, n * n])

    def icc(sums: Floats) -> Floats:
        g, big_n, total, between, squares, n2 = (sums[:, i] for i in range(6))
        sst = clean(squares - total * total / big_n, squares)
        ssb = clean(between - total * total / big_n, squares)
        ssw = clean(squares - between, squares)
        msb, msw = ssb / (g - 1.0), ssw / (big_n - g)
        k0 = (big_n - n2 / big_n) / (g - 1.0)
        value = (msb - msw) / nonzero(msb + (k0 - 1.0) * msw)
        return safe(np.where(sst > 0, value, np.nan))[:, None]

    work.statistics.append(Statistic(("icc1_oneway",), features, icc, ICC_UNDEFINED))


def k0(n: Ints) -> float | None:
    """icc1_oneway's average panel size from the pairable units' rating counts."""
    if len(n) < 2:
        return None
    big_n = float(n.sum())
    return (big_n - float((n * n).sum()) / big_n) / (len(n) - 1)


def n_raters(ratings: Ratings) -> int:
    return int(np.count_nonzero(np.bincount(ratings.rater)))


def is_crossed(ratings: Ratings, counts: Ints) -> bool:
    units = int((counts > 0).sum())
    raters = n_raters(ratings)
    return raters >= 2 and units >= 1 and len(ratings.unit) == units * raters


def add_crossed_icc(work: Work, ratings: Ratings, crossed: bool, n_units: int, n_reviewers: int) -> None:
    why = None
    if n_reviewers < 2:
        why = reason("few_reviewers")
    elif not crossed:
        per_unit = np.bincount(ratings.unit)
        lacking = int(((per_unit > 0) & (per_unit < n_reviewers)).sum())
        why = reason("not_crossed", lacking=lacking, units=int((per_unit > 0).sum()), reviewers=n_reviewers)
    elif n_units < 2:
        why = reason("few_units")
    if why is not None:
        for key in ICC_CROSSED_KEYS:
            work.estimates[key] = Estimate(None, why)
        return
    unit = dense(ratings.unit, int(ratings.unit.max()) + 1)[1]
    rater = dense(ratings.rater, int(ratings.rater.max()) + 1)[1]
    k = n_reviewers
    x = np.zeros((n_units, k))
    x[unit, rater] = ratings.value
    rows = x.sum(axis=1)
    features = np.column_stack([np.ones(n_units), x, rows, (x * x).sum(axis=1), rows * rows / k])

    def icc(sums: Floats) -> Floats:
        n, cols = sums[:, 0], sums[:, 1 : 1 + k]
        total, squares, between = sums[:, 1 + k], sums[:, 2 + k], sums[:, 3 + k]
        correction = total * total / (n * k)
        sst = clean(squares - correction, squares)
        ssr = clean(between - correction, squares)
        ssc = clean((cols * cols).sum(axis=1) / n - correction, squares)
        sse = clean(sst - ssr - ssc, squares)
        msr, msc = ssr / (n - 1.0), ssc / (k - 1.0)
        msw, mse = (sst - ssr) / (n * (k - 1.0)), sse / ((n - 1.0) * (k - 1.0))
        forms = [
            (msr - msw) / nonzero(msr + (k - 1.0) * msw),
            (msr - mse) / nonzero(msr + (k - 1.0) * mse + k * (msc - mse) / n),
            (msr - mse) / nonzero(msr + (k - 1.0) * mse),
            (msr - msw) / nonzero(msr),
            (msr - mse) / nonzero(msr + (msc - mse) / n),
            (msr - mse) / nonzero(msr),
        ]
        return safe(np.where((sst > 0)[:, None], np.column_stack(forms), np.nan))

    work.statistics.append(Statistic(ICC_CROSSED_KEYS, features, icc, ICC_UNDEFINED))


# -- Fleiss' kappa ---------------------------------------------------------------------------


def add_fleiss(work: Work, ratings: Ratings, keep: npt.NDArray[np.bool_], unit: Ints, n_units: int) -> None:
    if ratings.category is None or ratings.stratum is None:
        work.estimates[KAPPA_KEY] = Estimate(None, reason("no_level_ratings"))
        return
    category = ratings.category[keep]
    rated = category >= 0
    if not rated.any():
        level = bool((ratings.category >= 0).any())
        why = reason("no_level_unit_rated_twice" if level else "no_level_indicator")
        work.estimates[KAPPA_KEY] = Estimate(None, why)
        return
    c = len(ratings.stratum)
    strata = int(ratings.stratum.max()) + 1
    nij = np.bincount(unit[rated] * c + category[rated], minlength=n_units * c).reshape(n_units, c).astype(float)
    n_i = nij.sum(axis=1)
    level_unit = n_i >= 2  # units of level-scale indicators (others have no categorical rating)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_i = np.where(level_unit, (nij * (nij - 1)).sum(axis=1) / (n_i * (n_i - 1)), 0.0)
    first = np.argmax(nij > 0, axis=1)
    member = np.zeros((n_units, strata))
    member[np.flatnonzero(level_unit), ratings.stratum[first[level_unit]]] = 1.0
    features = np.column_stack([level_unit.astype(float), p_i, nij, member])
    onehot = np.zeros((c, strata))
    onehot[np.arange(c), ratings.stratum] = 1.0

    def kappa(sums: Floats) -> Floats:
        g, p_sum, counts, units_in = sums[:, 0], sums[:, 1], sums[:, 2 : 2 + c], sums[:, 2 + c :]
        per_stratum = counts @ onehot  # (b, strata) ratings per scale
        totals = per_stratum @ onehot.T  # each category's scale total
        share = np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), 0.0)
        chance = ((share * share) @ onehot * units_in).sum(axis=1) / nonzero(g)
        observed = p_sum / nonzero(g)
        room = 1.0 - chance
        return safe((observed - chance) / nonzero(np.where(room > 1e-12, room, 0.0)))[:, None]

    work.statistics.append(Statistic((KAPPA_KEY,), features, kappa, reason("one_category")))
