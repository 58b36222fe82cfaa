"""Reliability coefficients on long rating arrays, with unit-resampling bootstrap intervals. Pure numpy.

Every coefficient is written as a function of sums over units of per-unit statistics
("features"). The point estimate uses each unit once; a bootstrap replicate uses each
unit as often as it was drawn. So one resample of the units serves every coefficient,
and a replicate costs one matrix product instead of a rebuild of the data.

Estimators (units with fewer than 2 ratings carry no agreement information and are left out):

* Krippendorff's alpha, nominal / ordinal / interval / ratio, in the coincidence-matrix form of
  Krippendorff (2011), *Computing Krippendorff's Alpha-Reliability*, Annenberg School for
  Communication Departmental Papers 43: ``alpha = 1 - (n - 1) * sum(o_ck * d_ck) / sum(n_c * n_k * d_ck)``
  with every pairable value (missing ratings allowed).
  Ordinal ``d_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)**2``; ratio ``d_ck = ((c - k) / (c + k))**2``.
* The six intraclass correlations of Shrout & Fleiss (1979), *Psychological Bulletin* 86(2),
  420-428, from the two-way ANOVA of a fully crossed design (every reviewer rated every unit).
* ``icc1_oneway``: the one-way random-effects ANOVA estimator for unequal panel sizes,
  ``(MSB - MSW) / (MSB + (k0 - 1) * MSW)`` with ``k0 = (N - sum(n_i**2) / N) / (G - 1)``
  (G units, N ratings, n_i ratings of unit i; Donner 1986, *Int. Stat. Review* 54, 67-82).
  It equals ICC(1,1) when every unit has the same number of ratings.
* Fleiss' kappa with a varying number of raters per unit: ``P_i = sum_j n_ij (n_ij - 1) / (n_i (n_i - 1))``
  averaged over units (each unit weighs the same), ``p_j`` = share of category j among all
  ratings, ``kappa = (P - Pe) / (1 - Pe)``. With equal ``n_i`` this is Fleiss (1971),
  *Psychological Bulletin* 76(5), 378-382. When categories come from several scales
  (strata: a yes/no scale and a four-level scale), ``Pe`` is computed within each scale from
  that scale's own ``p_j`` and averaged over units; with one scale it is ``sum_j p_j**2``.
* Bootstrap intervals: percentile intervals over ``replicates`` resamples of the units with
  replacement, from a generator seeded by ``(seed, scope)``: the same inputs and seed give
  the same intervals, whatever else is computed.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from qualcert.agreement import estimators
from qualcert.agreement.base import (
    KEYS,
    BootstrapPlan,
    Coefficients,
    Estimate,
    Floats,
    Ints,
    Ratings,
    Statistic,
    Work,
    dense,
)
from qualcert.agreement.reasons import reason

MIN_UNITS_CI: Final = 5  # a bootstrap over fewer units says nothing
MIN_DEFINED_SHARE: Final = 0.9  # share of replicates where the coefficient must be defined
_DRAWS_PER_CHUNK: Final = 2_000_000  # resampled unit indices held in memory at once

ESTIMATORS: Final = {
    "alpha": "Krippendorff (2011) coincidence matrices, every pairable value; units with < 2 ratings left out",
    "icc": "Shrout & Fleiss (1979) two-way ANOVA forms; only for a fully crossed design",
    "icc1_oneway": "one-way random-effects ANOVA estimator (MSB - MSW) / (MSB + (k0 - 1) MSW), "
    "k0 = (N - sum n_i^2 / N) / (G - 1) for unequal panels (Donner 1986)",
    "fleiss_kappa": "Fleiss (1971) generalised to varying raters per unit: mean of "
    "P_i = sum n_ij (n_ij - 1) / (n_i (n_i - 1)), p_j over all ratings; chance agreement within each scale",
    "bootstrap": "percentile interval; units resampled with replacement; seeded per scope",
}


def compute(ratings: Ratings, *, plan: BootstrapPlan | None = None, scope: str = "overall") -> Coefficients:
    """Every coefficient of :data:`KEYS` for these ratings; undefined ones are None with a reason."""
    work, n_units = _prepare(ratings)
    _estimate(work)
    if plan is not None:
        _bootstrap(work, n_units, plan, scope)
    counts = np.bincount(ratings.unit) if ratings.unit.size else np.zeros(0, dtype=np.intp)
    pairable = counts >= 2
    return Coefficients(
        n_units=n_units,
        n_single=int((counts == 1).sum()),
        n_ratings=int(counts[pairable].sum()),
        n_reviewers=estimators.n_raters(ratings),
        crossed=estimators.is_crossed(ratings, counts),
        k0=estimators.k0(counts[pairable]),
        estimates={key: work.estimates[key] for key in KEYS},
    )


def replicate(ratings: Ratings, draw: npt.ArrayLike) -> dict[str, float | None]:
    """Every coefficient for one resample: ``draw`` lists pairable units (0-based, by code order), repeats allowed.

    This is what one bootstrap replicate computes; tests compare it with the coefficients of the
    physically resampled data.
    """
    work, _ = _prepare(ratings)
    picks = np.asarray(draw, dtype=np.intp)[None, :]
    result: dict[str, float | None] = {}
    for stat in work.statistics:
        weights = _counts(picks if stat.inverse is None else stat.inverse[picks], stat.features.shape[0])
        for name, value in zip(stat.names, stat.compute(weights @ stat.features)[0].tolist(), strict=True):
            result[name] = value if np.isfinite(value) else None
    return result


def _prepare(ratings: Ratings) -> tuple[Work, int]:
    """The estimates decided up front (None with a reason) and the statistics to evaluate."""
    counts = np.bincount(ratings.unit) if ratings.unit.size else np.zeros(0, dtype=np.intp)
    keep = counts[ratings.unit] >= 2
    unit_codes, unit = dense(ratings.unit[keep], len(counts))
    value = ratings.value[keep]
    n_units = len(unit_codes)
    n_reviewers = estimators.n_raters(ratings)
    work = Work()
    estimators.add_alpha(work, unit, value, n_units)
    estimators.add_oneway(work, unit, value, n_units)
    estimators.add_crossed_icc(work, ratings, estimators.is_crossed(ratings, counts), n_units, n_reviewers)
    estimators.add_fleiss(work, ratings, keep, unit, n_units)
    return work, n_units


# -- evaluation ------------------------------------------------------------------------------


def _weights(stat: Statistic) -> Floats:
    if stat.inverse is None:
        return np.ones((1, stat.features.shape[0]))
    return np.bincount(stat.inverse, minlength=stat.features.shape[0]).astype(np.float64)[None, :]


def _estimate(work: Work) -> None:
    for stat in work.statistics:
        values = stat.compute(_weights(stat) @ stat.features)[0]
        for name, value in zip(stat.names, values.tolist(), strict=True):
            finite = bool(np.isfinite(value))
            work.estimates[name] = Estimate(value if finite else None, None if finite else stat.undefined)


def _bootstrap(work: Work, n_units: int, plan: BootstrapPlan, scope: str) -> None:
    live = [s for s in work.statistics if any(work.estimates[n].value is not None for n in s.names)]
    no_ci = None
    if plan.replicates <= 0:
        no_ci = reason("bootstrap_off")
    elif n_units < MIN_UNITS_CI:
        no_ci = reason("few_units_for_interval", minimum=MIN_UNITS_CI)
    if no_ci is not None or not live:
        for s in live:
            for name in s.names:
                work.estimates[name] = _with_ci(work.estimates[name], None, no_ci or s.ci_reason)
        return
    rng = plan.rng(scope)
    reps = {id(s): np.empty((plan.replicates, len(s.names))) for s in live}
    chunk = max(1, min(plan.replicates, _DRAWS_PER_CHUNK // max(n_units, 1)))
    for start in range(0, plan.replicates, chunk):
        b = min(chunk, plan.replicates - start)
        draws = rng.integers(0, n_units, size=(b, n_units))
        weights: dict[int, Floats] = {}  # per row mapping (units, or one pattern map shared by the alphas)
        for s in live:
            if s.ci_reason is not None:
                continue
            key = 0 if s.inverse is None else id(s.inverse)
            if key not in weights:
                rows = draws if s.inverse is None else s.inverse[draws]
                weights[key] = _counts(rows, s.features.shape[0])
            reps[id(s)][start : start + b] = s.compute(weights[key] @ s.features)
    alpha = (1.0 - plan.level) / 2.0
    for s in live:
        for j, name in enumerate(s.names):
            est = work.estimates[name]
            if est.value is None:
                continue
            if s.ci_reason is not None:
                work.estimates[name] = _with_ci(est, None, s.ci_reason)
                continue
            sample = reps[id(s)][:, j]
            defined = sample[np.isfinite(sample)]
            if len(defined) < MIN_DEFINED_SHARE * plan.replicates:
                undefined = plan.replicates - len(defined)
                why = reason("bootstrap_undefined", undefined=undefined, replicates=plan.replicates)
                work.estimates[name] = _with_ci(est, None, why)
                continue
            low, high = np.quantile(defined, [alpha, 1.0 - alpha]).tolist()
            work.estimates[name] = _with_ci(est, (float(low), float(high)), None)


def _with_ci(est: Estimate, ci: tuple[float, float] | None, ci_reason: str | None) -> Estimate:
    return Estimate(est.value, est.reason, ci, ci_reason if est.value is not None else None)


def _counts(draws: Ints, size: int) -> Floats:
    """(b, size) how often each row index occurs in each row of ``draws``."""
    b = draws.shape[0]
    offsets = (np.arange(b, dtype=np.intp) * size)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=b * size).reshape(b, size).astype(np.float64)
