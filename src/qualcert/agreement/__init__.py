"""Reviewer agreement: reliability coefficients, spreads, reviewer diagnostics, leave-one-reviewer-out. Pure.

Units are (institution, indicator, stage); values are the reviewers' fractions of the
indicator's points (N/A marks are not ratings). See :mod:`qualcert.agreement.coefficients`
for the estimators, :mod:`qualcert.agreement.reviewers` for the per-reviewer measures and
:mod:`qualcert.agreement.loo` for leave-one-reviewer-out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.base import (
    ALPHA_KEYS,
    ICC_KEYS,
    KAPPA_KEY,
    KEYS,
    BootstrapPlan,
    Coefficients,
    Estimate,
    Ratings,
)
from qualcert.agreement.coefficients import compute
from qualcert.agreement.loo import leave_one_out
from qualcert.agreement.model import Agreement, IndicatorAgreement, LeaveOneOut, ReviewerAgreement, Spread
from qualcert.agreement.reviewers import reviewer_agreement
from qualcert.agreement.table import RatingFrame, UnitSpreads, groups, spread_limit, spread_of
from qualcert.errors import Problem
from qualcert.results import Consensus, InstitutionResult
from qualcert.rubric import LevelsScale, Rubric
from qualcert.scoring.engine import InstitutionInfo

__all__ = [
    "ALPHA_KEYS",
    "ICC_KEYS",
    "KAPPA_KEY",
    "KEYS",
    "Agreement",
    "BootstrapPlan",
    "Coefficients",
    "Estimate",
    "IndicatorAgreement",
    "LeaveOneOut",
    "Ratings",
    "ReviewerAgreement",
    "Spread",
    "compute",
    "compute_agreement",
]


def compute_agreement(
    rubric: Rubric,
    table: pd.DataFrame,
    *,
    institutions: Mapping[str, InstitutionInfo] | None = None,
    plan: BootstrapPlan | None = None,
    issued: date | None = None,
    problems: Iterable[Problem] = (),
    reviewers_out: bool = True,
    consensus: Mapping[tuple[str, str], Consensus] | None = None,
    decided: Mapping[str, InstitutionResult] | None = None,
) -> Agreement:
    """Agreement statistics of a validated score table (:mod:`qualcert.scoretable`).

    ``institutions`` (the roster) gives the eligibility attributes that leave-one-reviewer-out
    decisions need; ``issued`` matters only to validity dates, which are not reported.
    ``reviewers_out=False`` skips leave-one-reviewer-out (it re-scores every institution once per
    reviewer: several times the cost of scoring). ``consensus``: the agreed values that the run's
    scoring applied, so that leave-one-out starts from the same decisions (a settled indicator
    keeps its agreed value whoever is left out); the coefficients always use the reviewers' own scores.
    ``decided``: the run's results by institution, scored with the same rubric, roster, ``issued`` and
    ``consensus``: leave-one-out compares with them instead of scoring every institution again.
    """
    plan = plan if plan is not None else BootstrapPlan()
    ratings = RatingFrame(rubric, table)
    limit = spread_limit(rubric)
    overall = compute(ratings.ratings(), plan=plan, scope="overall")
    by_indicator = []
    ids = [str(i) for i in ratings.ids[st.INDICATOR]]
    rows = dict(zip(ids, ratings.rows_by(st.INDICATOR), strict=True))
    units = UnitSpreads.of(ratings)
    unit_rows = dict(zip(ids, groups(units.indicator, len(ids)), strict=True))
    none = np.zeros(0, dtype=np.intp)  # an indicator without ratings
    for ind in rubric.indicators.values():
        level = isinstance(rubric.scale_of(ind), LevelsScale)
        by_indicator.append(
            IndicatorAgreement(
                indicator_id=ind.id,
                scale=ind.scale,
                level_scale=level,
                coefficients=compute(
                    ratings.ratings(rows.get(ind.id, none), categorical=level), plan=plan, scope=f"indicator:{ind.id}"
                ),
                spread=spread_of(units.take(unit_rows.get(ind.id, none)), limit, rubric.precision),
            )
        )
    return Agreement(
        rubric=rubric,
        overall=overall,
        overall_spread=spread_of(units, limit, rubric.precision),
        by_indicator=tuple(by_indicator),
        by_reviewer=reviewer_agreement(rubric, table, ratings),
        leave_one_out=leave_one_out(
            rubric,
            table,
            institutions=institutions,
            issued=issued or date.today(),
            consensus=consensus,
            decided=decided,
        )
        if reviewers_out
        else None,
        bootstrap=plan,
        problems=tuple(problems),
    )
