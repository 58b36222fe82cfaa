"""The scoring verb: a validated score table (+ roster) → :class:`~qualcert.results.Results`. Pure."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import pandas as pd

from qualcert import scoretable as st
from qualcert.errors import Problem
from qualcert.numeric import exact_sum
from qualcert.results import Consensus, IndicatorResult, InstitutionResult, Results
from qualcert.rubric import Indicator, Rubric
from qualcert.scoring.aggregate import StageKey, StageScores, stage_scores
from qualcert.scoring.decide import judge
from qualcert.scoring.rollup import NO_SCORES, area_results, indicator_result, settle
from qualcert.scoring.validity import valid_until


class InstitutionInfo(Protocol):
    """What scoring needs to know of an institution (the roster's row)."""

    @property
    def institution_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def service_type(self) -> str | None: ...
    @property
    def attributes(self) -> Mapping[str, str]: ...


class Scorer:
    """Scores institutions against one rubric, issue date and set of consensus values.

    An indicator's result depends only on whether it applies and on its scores (numerators,
    N/A marks, how many reviewers wrote something), never on the institution, so identical
    inputs, which are the rule (a few labels from three reviewers), are computed once and the
    immutable result is shared. The memo lives as long as the scorer: one run.
    """

    def __init__(
        self, rubric: Rubric, issued: date, consensus: Mapping[tuple[str, str], Consensus] | None = None
    ) -> None:
        self.rubric = rubric
        self.issued = issued
        self.consensus = consensus or {}
        self._plan = [(ind, rubric.stages_of(ind)) for ind in rubric.indicators.values()]
        self._memo: dict[Hashable, IndicatorResult] = {}

    def _indicator(
        self,
        indicator: Indicator,
        stages: Sequence[str],
        groups: Mapping[StageKey, StageScores],
        institution_id: str,
        service_type: str | None,
    ) -> IndicatorResult:
        found: list[StageScores] | None = None  # per stage; None when the indicator does not apply
        if not self.rubric.applies(indicator, service_type):
            memo: Hashable = indicator.id
            reviewers = 0
        else:
            found = [groups.get((institution_id, indicator.id, stage), NO_SCORES) for stage in stages]
            sets = [s.reviewers for s in found]
            reviewers = len(sets[0]) if len(sets) == 1 else len(frozenset().union(*sets))
            memo = (indicator.id, reviewers, *((s.nums, s.na, len(s.reviewers)) for s in found))
        result = self._memo.get(memo)
        if result is None:
            scored = None if found is None else dict(zip(stages, found, strict=True))
            result = self._memo[memo] = indicator_result(self.rubric, indicator, scored, reviewers)
        return settle(result, self.consensus.get((institution_id, indicator.id)))

    def institution(
        self, groups: Mapping[StageKey, StageScores], institution_id: str, info: InstitutionInfo | None
    ) -> InstitutionResult:
        rubric, issued = self.rubric, self.issued
        service_type = info.service_type if info else None
        indicators = {
            ind.id: self._indicator(ind, stages, groups, institution_id, service_type) for ind, stages in self._plan
        }
        items, domains = area_results(rubric, indicators)
        score = exact_sum(d.score for d in domains)
        maximum = exact_sum(d.max for d in domains)
        j = judge(rubric, info.attributes if info else None, score, maximum, domains, list(indicators.values()))
        certified = j.decision == "certified"
        return InstitutionResult(
            institution_id=institution_id,
            name=info.name if info else None,
            service_type=service_type,
            score=score,
            max=maximum,
            grade=j.grade,
            decision=j.decision,
            reasons=j.reasons,
            checks=j.checks,
            valid_from=issued if certified else None,
            valid_until=valid_until(issued, rubric.validity.years) if certified and rubric.validity else None,
            domains=domains,
            items=items,
            indicators=tuple(indicators.values()),
            eligibility=j.eligibility,
            margins=j.margins,
            points_to_certify=j.points_to_certify,
        )


def score(
    rubric: Rubric,
    table: pd.DataFrame,
    *,
    issued: date,
    institutions: Mapping[str, InstitutionInfo] | None = None,
    problems: Iterable[Problem] = (),
    inputs: Iterable[dict[str, Any]] = (),
    roster: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
    consensus: Mapping[tuple[str, str], Consensus] | None = None,
) -> Results:
    """Score every institution: those of the roster in its order, else those in the table sorted by id."""
    groups = stage_scores(table)
    ids = list(institutions) if institutions is not None else sorted(set(table[st.INSTITUTION].tolist()))
    scorer = Scorer(rubric, issued, consensus)
    results = tuple(scorer.institution(groups, iid, institutions.get(iid) if institutions else None) for iid in ids)
    return Results(rubric, issued, results, tuple(problems), tuple(inputs), roster, table, run or {})
