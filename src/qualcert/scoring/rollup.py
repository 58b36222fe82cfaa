"""Stage combination, applicability and sums: indicator → item → domain.

* Scored at several stages, the stage fractions combine by ``stage_weights``
  renormalised over the stages that have a number; with ``stage_combine:
  onsite`` the on-site fraction replaces the others where present.
* An indicator is excluded (score and maximum leave the sums) when the service
  type is not in ``applies_to``, or with ``allow_na`` when every reviewer wrote N/A.
* A required stage without any reviewer entry makes the indicator missing
  (the institution is then ``incomplete``); a missing indicator adds 0 points
  and its full maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from qualcert.numeric import exact, round_half_up
from qualcert.results import Consensus, IndicatorResult, StageResult
from qualcert.rubric import Indicator, Rubric
from qualcert.scoring.aggregate import StageScores


def combine_stages(rubric: Rubric, fractions: Mapping[str, Fraction]) -> Fraction | None:
    """One fraction from the stage fractions that exist (None when there is none)."""
    if not fractions:
        return None
    if rubric.stage_combine == "onsite" and "onsite" in fractions:
        return fractions["onsite"]
    weights = {stage: exact(rubric.stage_weights[stage]) for stage in fractions}  # type: ignore[index]
    return sum((weights[s] * f for s, f in fractions.items()), Fraction(0)) / sum(weights.values())


def settle(result: IndicatorResult, agreed: Consensus | None) -> IndicatorResult:
    """The result with a consensus value in place of the reviewers' aggregate (N/A excludes the indicator)."""
    if agreed is None or result.excluded == "service-type":
        return result
    settled = replace(agreed, flagged=result.flagged or result.na_conflict, replaced=result.fraction)
    if agreed.na:
        return replace(result, applicable=False, excluded="n/a", fraction=None, missing_stages=(), consensus=settled)
    return replace(
        result, applicable=True, excluded=None, fraction=agreed.fraction, missing_stages=(), consensus=settled
    )


def indicator_result(
    rubric: Rubric, indicator: Indicator, scored: Mapping[str, StageScores] | None, reviewers: int
) -> IndicatorResult:
    """One indicator of one institution: ``scored`` holds the scores of each of its stages (an empty
    :data:`~qualcert.scoring.aggregate.NO_SCORES` where nobody wrote anything), None when it does not
    apply to the service type; ``reviewers`` counts everyone who wrote something at any of its stages."""
    domain, item = rubric.indicator_parents[indicator.id]
    points = exact(indicator.points)
    if scored is None:
        return IndicatorResult(
            indicator.id, item.id, domain.id, points, False, "service-type", None, (), 0, None, False, False, ()
        )
    stage_results = tuple(
        StageResult(stage, s.fraction(rubric.aggregate), len(s.reviewers), s.na, s.spread)
        for stage, s in scored.items()
    )
    numbers = sum(len(s.nums) for s in scored.values())
    marks = sum(s.na for s in scored.values())
    spreads = [s.spread for s in scored.values() if s.spread is not None]
    spread = max(spreads) if spreads else None
    limit = rubric.disagreement.max_spread
    flagged = spread is not None and limit is not None and round_half_up(spread, rubric.precision) > limit
    na_conflict = numbers > 0 and marks > 0
    if numbers == 0 and marks > 0:  # allow_na and every reviewer wrote N/A
        return IndicatorResult(
            indicator.id,
            item.id,
            domain.id,
            points,
            False,
            "n/a",
            None,
            (),
            reviewers,
            None,
            False,
            False,
            stage_results,
        )
    fractions = {r.stage: r.fraction for r in stage_results if r.fraction is not None}
    if rubric.stage_combine == "onsite":
        missing = () if fractions else tuple(scored)
    else:
        missing = tuple(stage for stage, s in scored.items() if not s.reviewers)
    fraction = None if missing else combine_stages(rubric, fractions)
    return IndicatorResult(
        indicator.id,
        item.id,
        domain.id,
        points,
        True,
        None,
        fraction,
        missing,
        reviewers,
        spread,
        flagged,
        na_conflict,
        stage_results,
    )
