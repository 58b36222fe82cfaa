"""Frozen result objects of a scoring run, and their JSON form (the `score --json` contract).

Values are exact inside (``Fraction``); :meth:`Results.to_json_dict` rounds half-up
to the rubric's precision. Writers (JSON, CSV, workbook, terminal) read these
objects and never recompute a score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from qualcert.errors import Problem
from qualcert.numeric import round_half_up, to_float
from qualcert.rubric import Rubric

if TYPE_CHECKING:
    import pandas as pd

    from qualcert.agreement import Agreement
    from qualcert.registry.cohort import Cohort

T = TypeVar("T")
DecisionCode = Literal["certified", "not_certified", "ineligible", "incomplete", "graded"]

DECISION_LABELS: dict[str, dict[str, str]] = {
    "certified": {"ko": "인증", "en": "Certified"},
    "not_certified": {"ko": "불인증", "en": "Not certified"},
    "ineligible": {"ko": "자격미달", "en": "Ineligible"},
    "incomplete": {"ko": "미완료", "en": "Incomplete"},
    "graded": {"ko": "등급판정", "en": "Graded"},
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule applied to one institution, with its numbers, as data and as sentences."""

    rule: str  # total_min | domain_min | floor | eligibility | incomplete | grade
    passed: bool
    subject: str | None  # domain id, indicator id, roster field; None for the total
    value: Decimal | str | None  # the rounded value judged (None when missing)
    threshold: Decimal | str | None
    en: str
    ko: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "subject": self.subject,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
            "en": self.en,
            "ko": self.ko,
        }


@dataclass(frozen=True, slots=True)
class Margin:
    """Distance to a threshold: ``value - threshold`` in the rule's unit, and points still needed."""

    rule: str  # total_min | domain_min | floor
    subject: str | None
    value: Decimal
    threshold: Decimal
    margin: Decimal
    points_needed: Fraction  # 0 when the threshold holds

    def to_dict(self, precision: int) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "value": float(self.value),
            "threshold": float(self.threshold),
            "margin": float(self.margin),
            "points_needed": to_float(self.points_needed, precision),
        }


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: str
    fraction: Fraction | None  # aggregate of the reviewers' numbers; None when none
    reviewers: int
    na: int
    spread: Fraction | None


@dataclass(frozen=True, slots=True)
class Consensus:
    """A value agreed at a consensus meeting (합의), replacing the reviewers' aggregate of one indicator."""

    label: str  # as written, e.g. 부분충족 or 2.5
    na: bool
    fraction: Fraction  # of the indicator's points (0 when na)
    rationale: str
    settled_by: str
    where: str  # file!sheet!cell or file:row of the agreed value
    flagged: bool  # whether the reviewers' scores had been flagged (an unflagged settlement is allowed but marked)
    replaced: Fraction | None  # the reviewers' combined fraction it replaced

    def to_dict(self, precision: int) -> dict[str, Any]:
        return {
            "value": self.label,
            "fraction": float(round_half_up(self.fraction, max(precision, 4))),
            "replaced_fraction": None
            if self.replaced is None
            else float(round_half_up(self.replaced, max(precision, 4))),
            "rationale": self.rationale,
            "settled_by": self.settled_by,
            "where": self.where,
            "was_flagged": self.flagged,
        }


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    indicator_id: str
    item_id: str
    domain_id: str
    points: Fraction
    applicable: bool
    excluded: str | None  # "service-type" | "n/a" when not applicable
    fraction: Fraction | None  # combined over stages; None when missing or excluded
    missing_stages: tuple[str, ...]  # required stages without any reviewer number
    reviewers: int
    spread: Fraction | None  # largest within-stage spread
    flagged: bool  # spread above disagreement.max_spread
    na_conflict: bool  # some reviewers wrote N/A, others a score
    stages: tuple[StageResult, ...]
    consensus: Consensus | None = None  # a settled value replaces the reviewers' aggregate
    max: Fraction = field(init=False)  # the points when applicable, else 0
    score: Fraction | None = field(init=False)  # fraction × points (0 when not applicable, None when missing)

    def __post_init__(self) -> None:  # computed once: results are shared and read many times
        fraction = self.fraction
        score = Fraction(0) if not self.applicable else None if fraction is None else fraction * self.points
        object.__setattr__(self, "max", self.points if self.applicable else Fraction(0))
        object.__setattr__(self, "score", score)

    @property
    def missing(self) -> bool:
        return self.applicable and self.fraction is None


@dataclass(frozen=True, slots=True)
class AreaResult:
    """An item or a domain: sums over its applicable indicators."""

    id: str
    score: Fraction
    max: Fraction
    minimum: Decimal | None = None  # domain minimum percent in force, if any
    percent: Fraction | None = field(init=False)  # score ÷ max × 100; None when nothing applies

    def __post_init__(self) -> None:  # computed once: read by the decision, the JSON and every writer
        score, maximum = self.score, self.max
        percent = (
            Fraction(score.numerator * 100 * maximum.denominator, score.denominator * maximum.numerator)
            if maximum
            else None
        )
        object.__setattr__(self, "percent", percent)


@dataclass(frozen=True, slots=True)
class EligibilityCheck:
    field: str
    value: str  # as in the roster ("" when blank)
    passed: bool | None  # None: no value to judge


@dataclass(frozen=True)
class InstitutionResult:
    institution_id: str
    name: str | None
    service_type: str | None
    score: Fraction
    max: Fraction
    grade: str | None
    decision: DecisionCode
    reasons: tuple[Reason, ...]  # the decisive ones
    checks: tuple[Reason, ...]  # every rule evaluated, decisive first
    valid_from: date | None
    valid_until: date | None
    domains: tuple[AreaResult, ...]
    items: tuple[AreaResult, ...]
    indicators: tuple[IndicatorResult, ...]
    eligibility: tuple[EligibilityCheck, ...]
    margins: tuple[Margin, ...]
    points_to_certify: Fraction | None  # smallest points that would certify (not_certified only)

    @property
    def total(self) -> Fraction | None:
        """Total percent over the applicable maximum."""
        return self.score / self.max * 100 if self.max else None

    @property
    def flagged(self) -> tuple[IndicatorResult, ...]:
        return tuple(i for i in self.indicators if i.flagged or i.na_conflict)


@dataclass(frozen=True)
class Results:
    rubric: Rubric
    issued: date
    institutions: tuple[InstitutionResult, ...]
    problems: tuple[Problem, ...] = ()  # warnings that did not stop the run
    inputs: tuple[dict[str, Any], ...] = ()  # provenance: files with sha256 and kind
    roster: dict[str, Any] | None = None  # provenance: file, sha256, institutions
    scores: pd.DataFrame | None = None  # the validated score table: every reviewer's cell, for the audit trail
    run: dict[str, Any] = field(default_factory=dict)  # qualcert version, time of the run, options
    agreement: Agreement | None = None  # reviewer agreement of the same scores (None: not computed)
    cohort: Cohort | None = None  # the cohort rules against the previous cycle, when asked for (score --cohort)

    def decision_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(DECISION_LABELS, 0)
        for inst in self.institutions:
            counts[inst.decision] += 1
        return {k: v for k, v in counts.items() if v}

    def to_json_dict(self, *, institutions: bool = True) -> dict[str, Any]:
        """The `score --json` document (DESIGN.md contract, plus extra keys).

        ``institutions=False`` leaves that list empty, for writers that take them one by one
        from :meth:`institutions_json` (a national round's list is most of the document).
        """
        return {
            "rubric": {"id": self.rubric.id, "version": self.rubric.version, "sha256": self.rubric.sha256},
            "issued": self.issued.isoformat(),
            "institutions": list(self.institutions_json()) if institutions else [],
            "summary": {"decisions": self.decision_counts(), "institutions": len(self.institutions)},
            "cohort": None if self.cohort is None else self.cohort.to_json_dict(),
            "inputs": list(self.inputs),
            "roster": self.roster,
            "run": self.run,
            "problems": [problem.to_dict() for problem in self.problems],
            **({} if self.agreement is None else {"agreement": self.agreement.to_json_dict(embedded=True)}),
        }

    def institutions_json(self, render: Callable[[dict[str, Any]], Any] | None = None) -> Iterator[dict[str, Any]]:
        """Each institution's part of the document, in order.

        The engine shares equal results (indicators, items, domains, rules checked) between
        institutions, and their dicts are shared the same way, built once per object: read only.
        With ``render``, the entries of the lists of such results (:data:`SHARED_LISTS`) are
        ``render(dict)`` instead, made once per object too (the JSON writer splices their text)."""
        shared = _Shared(self.rubric.precision, render)
        for inst in self.institutions:
            yield shared.institution(inst)


def _plain(value: Decimal | str | None) -> float | str | None:
    return float(value) if isinstance(value, Decimal) else value


def _num(value: Fraction | None, precision: int) -> float | None:
    return None if value is None else to_float(value, precision)


SHARED_LISTS = ("reason_details", "margins", "domains", "items", "indicators")
"""The keys of an institution's JSON whose entries are results the engine shares between institutions."""


class _Shared:
    """The JSON of each shared result object, built once per object."""

    def __init__(self, precision: int, render: Callable[[dict[str, Any]], Any] | None) -> None:
        self.p = precision
        self._render = render
        # per kind of entry: id → (the object, kept alive so that its id stays its own; its JSON)
        self._made: dict[str, dict[int, tuple[object, Any]]] = defaultdict(dict)

    def _entries(self, kind: str, objects: Iterable[T], build: Callable[[T, int], dict[str, Any]]) -> list[Any]:
        made, render = self._made[kind], self._render if kind in SHARED_LISTS else None
        entries = []
        for obj in objects:
            found = made.get(id(obj))
            if found is None:
                data = build(obj, self.p)
                found = made[id(obj)] = (obj, data if render is None else render(data))
            entries.append(found[1])
        return entries

    def institution(self, inst: InstitutionResult) -> dict[str, Any]:
        p, entries = self.p, self._entries
        return {
            "institution_id": inst.institution_id,
            "name": inst.name,
            "service_type": inst.service_type,
            "total": _num(inst.total, p),
            "score": to_float(inst.score, p),
            "max": to_float(inst.max, p),
            "grade": inst.grade,
            "decision": inst.decision,
            "decision_label": DECISION_LABELS[inst.decision],
            "reasons": [r.en for r in inst.reasons],
            "reasons_ko": [r.ko for r in inst.reasons],
            "reason_details": entries("reason_details", inst.checks, lambda r, _: r.to_dict()),
            "valid_from": inst.valid_from.isoformat() if inst.valid_from else None,
            "valid_until": inst.valid_until.isoformat() if inst.valid_until else None,
            "margins": entries("margins", inst.margins, Margin.to_dict),
            "points_to_certify": _num(inst.points_to_certify, p),
            "flags": entries("flags", inst.flagged, _flag_json),
            "eligibility": [{"field": e.field, "value": e.value, "passed": e.passed} for e in inst.eligibility],
            "domains": entries("domains", inst.domains, _domain_json),
            "items": entries("items", inst.items, _item_json),
            "indicators": entries("indicators", inst.indicators, _indicator_json),
        }


def _flag_json(ind: IndicatorResult, p: int) -> dict[str, Any]:
    return {
        "indicator_id": ind.indicator_id,
        "spread": _num(ind.spread, p),
        "flagged": ind.flagged,
        "na_conflict": ind.na_conflict,
    }


def _domain_json(area: AreaResult, p: int) -> dict[str, Any]:
    return _area_json("domain_id", area, p) | {"minimum": None if area.minimum is None else float(area.minimum)}


def _item_json(area: AreaResult, p: int) -> dict[str, Any]:
    return _area_json("item_id", area, p)


def _area_json(key: str, area: AreaResult, p: int) -> dict[str, Any]:
    return {
        key: area.id,
        "score": to_float(area.score, p),
        "max": to_float(area.max, p),
        "percent": _num(area.percent, p),
    }


def _indicator_json(ind: IndicatorResult, p: int) -> dict[str, Any]:
    return {
        "indicator_id": ind.indicator_id,
        "score": _num(ind.score, p),
        "max": to_float(ind.max, p),
        "applicable": ind.applicable,
        "excluded": ind.excluded,
        "fraction": None if ind.fraction is None else float(round_half_up(ind.fraction, max(p, 4))),
        "reviewers": ind.reviewers,
        "spread": _num(ind.spread, p),
        "flagged": ind.flagged,
        "na_conflict": ind.na_conflict,
        "missing_stages": list(ind.missing_stages),
        "consensus": None if ind.consensus is None else ind.consensus.to_dict(p),
        "stages": [
            {
                "stage": s.stage,
                "fraction": None if s.fraction is None else float(round_half_up(s.fraction, max(p, 4))),
                "reviewers": s.reviewers,
                "na": s.na,
                "spread": _num(s.spread, p),
            }
            for s in ind.stages
        ],
    }
