"""The scoring verb: a validated score table (+ roster) → :class:`~qualcert.results.Results`. Pure."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import pandas as pd

from qualcert import scoretable as st
from qualcert.errors import Problem
from qualcert.results import (
    AreaResult,
    Consensus,
    EligibilityCheck,
    IndicatorResult,
    InstitutionResult,
    Margin,
    Reason,
    Results,
)
from qualcert.rubric import Indicator, Rubric
from qualcert.scoring.aggregate import BatchScores, StageScores
from qualcert.scoring.decide import TotalCheck, check_domain, check_eligibility, check_floor, check_total, judge
from qualcert.scoring.rollup import indicator_result, settle
from qualcert.scoring.validity import valid_until

_ZERO = Fraction(0)
INT64_SAFE = 2**62  # sums whose terms stay below this ÷ the number of indicators cannot overflow int64


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
    immutable result is shared. The inputs of a whole batch are coded at once
    (:class:`~qualcert.scoring.aggregate.BatchScores`), and each distinct result gets an integer
    code: a batch of institutions is a matrix of codes, and the item, domain and total sums of the whole
    batch are integer matrix products over one common denominator (exact, and done by numpy
    rather than a Fraction per indicator per institution). Items, domains and the rules
    checked on them are shared the same way, by their integer sums. The memos live as long as
    the scorer: one run.
    """

    def __init__(
        self, rubric: Rubric, issued: date, consensus: Mapping[tuple[str, str], Consensus] | None = None
    ) -> None:
        self.rubric = rubric
        self.issued = issued
        self.consensus = consensus or {}
        self._plan = [(ind, rubric.stages_of(ind)) for ind in rubric.indicators.values()]
        self._valid_until = valid_until(issued, rubric.validity.years) if rubric.validity else None
        self._codes: dict[Hashable, int] = {}  # an indicator's inputs → the code of its result
        self._results: list[IndicatorResult] = []  # by code
        self._floors: list[tuple[Margin, Reason] | None] = []  # by code: the indicator's floor checked
        # (item or domain index, score, max, denominator) → the shared result (a domain's with its minimum checked)
        self._items: dict[tuple[int, int, int, int], AreaResult] = {}
        self._domains: dict[tuple[int, int, int, int], tuple[AreaResult, tuple[Reason, Margin | None] | None]] = {}
        self._totals: dict[tuple[int, int, int], TotalCheck] = {}  # (score, max, denominator)
        self._eligibility: dict[tuple[str, ...], tuple[tuple[EligibilityCheck, Reason], ...]] = {}
        column = {ind.id: n for n, (ind, _) in enumerate(self._plan)}
        item_list = [(domain, item) for domain in rubric.domains for item in domain.items]
        self._item_of = np.zeros((len(self._plan), len(item_list)), dtype=np.int64)
        for k, (_, item) in enumerate(item_list):
            for ind in item.indicators:
                self._item_of[column[ind.id], k] = 1
        self._domain_of = np.zeros((len(item_list), len(rubric.domains)), dtype=np.int64)
        for k, (domain, _) in enumerate(item_list):
            self._domain_of[k, rubric.domains.index(domain)] = 1
        self._item_ids = [item.id for _, item in item_list]

    def _code(self, result: IndicatorResult) -> int:
        self._results.append(result)
        self._floors.append(check_floor(self.rubric, result))
        return len(self._results) - 1

    def _result(
        self, memo: Hashable, indicator: Indicator, scored: Mapping[str, StageScores] | None, reviewers: int
    ) -> int:
        """The code of the indicator's result on these inputs (``memo``: the inputs), computed the first time."""
        code = self._codes.get(memo)
        if code is None:
            code = self._codes[memo] = self._code(indicator_result(self.rubric, indicator, scored, reviewers))
        return code

    def _indicator_codes(
        self, table: pd.DataFrame, ids: Sequence[str], infos: Sequence[InstitutionInfo | None]
    ) -> np.ndarray:
        """(institution, indicator) → the code of its result."""
        rubric, plan = self.rubric, self._plan
        batch = BatchScores(table, ids, [(ind.id, stages) for ind, stages in plan])
        _, first, inverse = np.unique(batch.key, return_index=True, return_inverse=True)
        made = []
        for flat in first.tolist():
            i, j = divmod(flat, len(plan))
            indicator, stages = plan[j]
            found, reviewers = batch.stages(i, j), int(batch.reviewers[i, j])
            memo = (indicator.id, reviewers, *((s.nums, s.na, len(s.reviewers)) for s in found))
            made.append(self._result(memo, indicator, dict(zip(stages, found, strict=True)), reviewers))
        codes: np.ndarray = np.array(made, dtype=np.int64)[inverse.reshape(-1)].reshape(batch.key.shape)
        by_type: dict[str | None, list[int]] = {}
        for i, info in enumerate(infos):
            by_type.setdefault(info.service_type if info else None, []).append(i)
        for service_type, rows in by_type.items():
            for j, (indicator, _) in enumerate(plan):
                if not rubric.applies(indicator, service_type):
                    codes[rows, j] = self._result(indicator.id, indicator, None, 0)
        if self.consensus:
            row, column = {iid: i for i, iid in enumerate(ids)}, {ind.id: j for j, (ind, _) in enumerate(plan)}
            for (iid, indicator_id), agreed in self.consensus.items():
                if iid in row and indicator_id in column:
                    code = int(codes[row[iid], column[indicator_id]])
                    settled = settle(self._results[code], agreed)
                    if settled is not self._results[code]:
                        codes[row[iid], column[indicator_id]] = self._code(settled)
        return codes

    def _eligible(self, info: InstitutionInfo | None) -> tuple[tuple[EligibilityCheck, Reason], ...]:
        """The eligibility rules checked on a roster row, once per distinct set of values."""
        rules = self.rubric.decision.eligibility
        values = tuple((info.attributes if info else {}).get(rule.field, "") for rule in rules)
        found = self._eligibility.get(values)
        if found is None:
            found = self._eligibility[values] = tuple(map(check_eligibility, rules, values))
        return found

    def _item(self, k: int, score: int, maximum: int, den: int) -> AreaResult:
        item = self._items.get((k, score, maximum, den))
        if item is None:
            item = AreaResult(self._item_ids[k], Fraction(score, den), Fraction(maximum, den))
            self._items[k, score, maximum, den] = item
        return item

    def _domain(
        self, k: int, score: int, maximum: int, den: int
    ) -> tuple[AreaResult, tuple[Reason, Margin | None] | None]:
        found = self._domains.get((k, score, maximum, den))
        if found is None:
            rubric, domain = self.rubric, self.rubric.domains[k]
            area = AreaResult(domain.id, Fraction(score, den), Fraction(maximum, den), rubric.domain_minimum(domain))
            found = self._domains[k, score, maximum, den] = (area, check_domain(rubric, domain, area))
        return found

    def institutions(
        self, table: pd.DataFrame, ids: Sequence[str], infos: Sequence[InstitutionInfo | None]
    ) -> list[InstitutionResult]:
        """Score the institutions ``ids`` (with their roster rows ``infos``) on the rows of ``table``
        that are theirs; results in the order of ``ids``."""
        if not ids:
            return []
        codes = self._indicator_codes(table, ids, infos)
        den, scores, maxima = self._numerators()
        item_scores, item_maxima = scores[codes] @ self._item_of, maxima[codes] @ self._item_of
        domain_scores, domain_maxima = item_scores @ self._domain_of, item_maxima @ self._domain_of
        return [
            self._institution(iid, info, row, si, mi, sd, md, den)
            for iid, info, row, si, mi, sd, md in zip(
                ids,
                infos,
                codes.tolist(),
                item_scores.tolist(),
                item_maxima.tolist(),
                domain_scores.tolist(),
                domain_maxima.tolist(),
                strict=True,
            )
        ]

    def _numerators(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Every result's score and maximum as integers over one common denominator (0 for a missing score).

        int64 while the sums of a whole rubric cannot overflow it, else exact Python integers."""
        scores = [r.score or _ZERO for r in self._results]
        maxima = [r.max for r in self._results]
        den = math.lcm(*(f.denominator for f in scores), *(f.denominator for f in maxima))
        score_nums = [f.numerator * (den // f.denominator) for f in scores]
        max_nums = [f.numerator * (den // f.denominator) for f in maxima]
        bound = max(map(abs, score_nums + max_nums)) * len(self._plan)
        dtype = np.int64 if bound < INT64_SAFE else object
        return den, np.array(score_nums, dtype=dtype), np.array(max_nums, dtype=dtype)

    def _institution(
        self,
        institution_id: str,
        info: InstitutionInfo | None,
        codes: list[int],
        item_scores: list[int],
        item_maxima: list[int],
        domain_scores: list[int],
        domain_maxima: list[int],
        den: int,
    ) -> InstitutionResult:
        rubric = self.rubric
        items = tuple(self._item(k, s, m, den) for k, (s, m) in enumerate(zip(item_scores, item_maxima, strict=True)))
        domains = [
            self._domain(k, s, m, den) for k, (s, m) in enumerate(zip(domain_scores, domain_maxima, strict=True))
        ]
        score_num, max_num = sum(domain_scores), sum(domain_maxima)
        total = self._totals.get((score_num, max_num, den))
        score, maximum = Fraction(score_num, den), Fraction(max_num, den)
        if total is None:
            total = self._totals[score_num, max_num, den] = check_total(rubric, score, maximum)
        indicators = tuple(self._results[c] for c in codes)
        j = judge(
            rubric,
            self._eligible(info),
            maximum,
            total,
            domains,
            [(self._results[c], self._floors[c]) for c in codes],
        )
        certified = j.decision == "certified"
        return InstitutionResult(
            institution_id=institution_id,
            name=info.name if info else None,
            service_type=info.service_type if info else None,
            score=score,
            max=maximum,
            grade=j.grade,
            decision=j.decision,
            reasons=j.reasons,
            checks=j.checks,
            valid_from=self.issued if certified else None,
            valid_until=self._valid_until if certified else None,
            domains=tuple(area for area, _ in domains),
            items=items,
            indicators=indicators,
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
    ids = list(institutions) if institutions is not None else sorted(set(table[st.INSTITUTION].tolist()))
    infos = [institutions.get(iid) if institutions else None for iid in ids]
    results = tuple(Scorer(rubric, issued, consensus).institutions(table, ids, infos))
    return Results(rubric, issued, results, tuple(problems), tuple(inputs), roster, table, run or {})
