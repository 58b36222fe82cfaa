"""Frozen results of an agreement run and their JSON form (the `agreement --json` contract).

JSON numbers are rounded (coefficients and deviations to 4 decimals, grades to 2); a value
that cannot be computed is ``null`` with a reason beside it, never NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

from qualcert.agreement.base import ALPHA_KEYS, ICC_KEYS, KAPPA_KEY, BootstrapPlan, Coefficients, Estimate
from qualcert.agreement.coefficients import ESTIMATORS
from qualcert.errors import Problem
from qualcert.numeric import to_float
from qualcert.rubric import Rubric

DIGITS: Final = 4
GRADE_DIGITS: Final = 2

LOO_SKIPPED: Final = "not computed in this run (it re-scores every institution once per reviewer)"

REVIEWER_METHODS: Final = {
    "mean_deviation": "mean over the reviewer's ratings in units with 2+ ratings of (rating - mean of the "
    "co-reviewers' ratings of that unit), in fractions of the indicator's points; < 0 severe, > 0 lenient",
    "se": "cluster-robust standard error of that mean, clustered by institution: "
    "sqrt(G / (G - 1) * sum_g (sum of residuals at g)^2) / n",
    "tendency": "severe / lenient when |z| = |mean_deviation / se| >= 1.96 (screening, not adjusted for multiplicity)",
    "consensus_grade": "Moodle Workshop 'comparison with the best assessment' per (institution, stage) sheet, "
    "averaged over the reviewer's sheets: values as 0-100; per indicator unit var = max(population variance, "
    "0.01); distance(a, r) = sum_i w_i |a_i - r_i|^3 / (5 var_i) / sum_i w_i (w = points, 5 = Moodle's 'fair'); "
    "best = the sheet(s) nearest the mean sheet; grade = clamp(100 - distance to the nearest best, 0, 100)",
}


@dataclass(frozen=True)
class Spread:
    """Highest minus lowest reviewer fraction, over units with 2 or more ratings."""

    units: int
    mean: float | None
    max: float | None
    flagged: int | None  # units whose spread (rounded to the rubric's precision) exceeds the limit
    limit: float | None  # rubric.disagreement.max_spread


@dataclass(frozen=True)
class IndicatorAgreement:
    indicator_id: str
    scale: str
    level_scale: bool
    coefficients: Coefficients
    spread: Spread


@dataclass(frozen=True)
class ReviewerAgreement:
    reviewer_id: str
    n_scores: int  # numeric scores (N/A not counted)
    n_na: int
    n_institutions: int
    n_shared: int  # scores in units that a co-reviewer also rated
    mean_deviation: float | None
    se: float | None
    consensus_grade: float | None
    n_sheets: int  # (institution, stage) sheets graded against the best one
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def z(self) -> float | None:
        if self.mean_deviation is None or not self.se:
            return None
        return self.mean_deviation / self.se

    @property
    def tendency(self) -> str | None:
        z = self.z
        if z is None:
            return None
        return "lenient" if z >= 1.96 else "severe" if z <= -1.96 else "neutral"


@dataclass(frozen=True)
class LeaveOneOut:
    """What an institution's decision would be without one of its reviewers (reported, never applied)."""

    institution_id: str
    reviewer_id: str
    decision: str
    decision_without: str
    total: Fraction | None  # percent, exact
    total_without: Fraction | None

    @property
    def changes(self) -> bool:
        return self.decision != self.decision_without


@dataclass(frozen=True)
class Agreement:
    rubric: Rubric
    overall: Coefficients
    overall_spread: Spread
    by_indicator: tuple[IndicatorAgreement, ...]
    by_reviewer: tuple[ReviewerAgreement, ...]
    leave_one_out: tuple[LeaveOneOut, ...] | None  # None: not computed in this run
    bootstrap: BootstrapPlan
    problems: tuple[Problem, ...] = ()

    def to_json_dict(self, *, embedded: bool = False) -> dict[str, Any]:
        """The `agreement --json` document; ``embedded``: the ``agreement`` key of `score --json`.

        Embedded, ``rubric`` and ``problems`` are left out: the score document has its own.
        ``leave_one_out`` is null with ``leave_one_out_reason`` when it was not computed.
        """
        overall = coefficients_json(self.overall) | {"spread": _spread_json(self.overall_spread)}
        rubric = {"id": self.rubric.id, "version": self.rubric.version, "sha256": self.rubric.sha256}
        return {
            **({} if embedded else {"rubric": rubric}),
            "overall": overall,
            "by_indicator": [
                {"indicator_id": i.indicator_id, "scale": i.scale, "level_scale": i.level_scale}
                | coefficients_json(i.coefficients)
                | {"spread": _spread_json(i.spread)}
                for i in self.by_indicator
            ],
            "by_reviewer": [_reviewer_json(r) for r in self.by_reviewer],
            "leave_one_out": None
            if self.leave_one_out is None
            else [
                {
                    "institution_id": o.institution_id,
                    "reviewer_id": o.reviewer_id,
                    "decision": o.decision,
                    "decision_without": o.decision_without,
                    "changes": o.changes,
                    "total": _exact(o.total, self.rubric.precision),
                    "total_without": _exact(o.total_without, self.rubric.precision),
                }
                for o in self.leave_one_out
            ],
            **({"leave_one_out_reason": LOO_SKIPPED} if self.leave_one_out is None else {}),
            "bootstrap": {
                "replicates": self.bootstrap.replicates,
                "seed": self.bootstrap.seed,
                "level": self.bootstrap.level,
            },
            "methods": dict(ESTIMATORS) | REVIEWER_METHODS,
            **({} if embedded else {"problems": [p.to_dict() for p in self.problems]}),
        }


def _round(value: float | None, digits: int = DIGITS) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def _exact(value: Fraction | None, precision: int) -> float | None:
    return None if value is None else to_float(value, precision)


def _ci(est: Estimate) -> dict[str, float | None] | None:
    if est.ci is None:
        return None
    return {"low": _round(est.ci[0]), "high": _round(est.ci[1])}


def coefficients_json(c: Coefficients) -> dict[str, Any]:
    """The coefficients block shared by ``overall`` and each ``by_indicator`` entry."""
    est = c.estimates
    keys = (*ALPHA_KEYS, KAPPA_KEY, *ICC_KEYS)
    return {
        "n_units": c.n_units,
        "n_units_single": c.n_single,
        "n_ratings": c.n_ratings,
        "n_reviewers": c.n_reviewers,
        "crossed": c.crossed,
        **{key: _round(est[key].value) for key in (*ALPHA_KEYS, KAPPA_KEY)},
        "icc": {key: _round(est[key].value) for key in ICC_KEYS},
        "icc1_oneway_k0": _round(c.k0),
        "ci": {key: _ci(est[key]) for key in keys},
        "reasons": {key: est[key].reason for key in keys if est[key].reason is not None},
        "ci_reasons": {key: est[key].ci_reason for key in keys if est[key].ci_reason is not None},
    }


def _spread_json(s: Spread) -> dict[str, Any]:
    return {
        "units": s.units,
        "mean": _round(s.mean),
        "max": _round(s.max),
        "flagged": s.flagged,
        "limit": s.limit,
    }


def _reviewer_json(r: ReviewerAgreement) -> dict[str, Any]:
    return {
        "reviewer_id": r.reviewer_id,
        "n_scores": r.n_scores,
        "n_na": r.n_na,
        "n_institutions": r.n_institutions,
        "n_shared": r.n_shared,
        "mean_deviation": _round(r.mean_deviation),
        "se": _round(r.se),
        "z": _round(r.z, 2),
        "tendency": r.tendency,
        "consensus_grade": _round(r.consensus_grade, GRADE_DIGITS),
        "n_sheets": r.n_sheets,
        "reasons": dict(r.reasons),
    }
