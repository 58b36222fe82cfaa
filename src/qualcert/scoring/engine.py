"""The scoring verb: a validated score table (+ roster) → :class:`~qualcert.results.Results`. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction
from typing import Any, Protocol

import pandas as pd

from qualcert import scoretable as st
from qualcert.errors import Problem
from qualcert.results import Consensus, InstitutionResult, Results
from qualcert.rubric import Rubric
from qualcert.scoring.aggregate import StageKey, StageScores, stage_scores
from qualcert.scoring.decide import judge
from qualcert.scoring.rollup import area_results, indicator_result, settle
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


def score_institution(
    rubric: Rubric,
    groups: Mapping[StageKey, StageScores],
    institution_id: str,
    info: InstitutionInfo | None,
    issued: date,
    consensus: Mapping[tuple[str, str], Consensus] | None = None,
) -> InstitutionResult:
    service_type = info.service_type if info else None
    agreed = consensus or {}
    indicators = {
        ind.id: settle(
            indicator_result(rubric, ind, groups, institution_id, service_type), agreed.get((institution_id, ind.id))
        )
        for ind in rubric.indicators.values()
    }
    items, domains = area_results(rubric, indicators)
    score = sum((d.score for d in domains), Fraction(0))
    maximum = sum((d.max for d in domains), Fraction(0))
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
    results = tuple(
        score_institution(rubric, groups, iid, institutions.get(iid) if institutions else None, issued, consensus)
        for iid in ids
    )
    return Results(rubric, issued, results, tuple(problems), tuple(inputs), roster, table, run or {})
