"""Cohort rules of cyclical evaluations (DOMAIN.md §8.2), computed from a run and its previous cycle.

- top score: the top N% (default 5) of the ranked institutions by total;
- top improvement: the top N% (default 3) by current − previous total, among institutions
  that have both; only a rise counts;
- consecutive lowest grade: the lowest grade (default F) now and in the previous cycle
  (지자체 통보·개선계획);
- consulting list: a grade in the consulting set (default D, F) now (컨설팅 대상).

Ranked institutions have a total and were judged (not ``incomplete`` nor ``ineligible``).
The number selected is ⌈n × N / 100⌉ (a cohort of 10 still rewards one at 5%); institutions
tied with the last one selected are included, and share a rank (1, 2, 2, 4).

The previous cycle comes from the register (:func:`previous_from_register`: each institution's
latest cycle under the same rubric id issued before this run) or from a previous `score --json`
file (:func:`previous_from_file`, which must be of the same rubric id and issued earlier).
`qualcert registry cohort` and `qualcert score --cohort/--previous` both go through here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from qualcert.errors import Location, Problem
from qualcert.numeric import to_float
from qualcert.registry.intake import load_results_file
from qualcert.registry.model import InstitutionEntry, RegisterError, RunDoc, register_error
from qualcert.registry.register import Prior, Register, delta

if TYPE_CHECKING:
    from qualcert.results import Results

UNRANKED: Final = frozenset({"incomplete", "ineligible"})
DEFAULT_TOP: Final = 5.0
DEFAULT_TOP_IMPROVEMENT: Final = 3.0
DEFAULT_LOWEST: Final = "F"
DEFAULT_CONSULTING: Final = ("D", "F")


@dataclass(frozen=True, slots=True)
class CohortEntry:
    institution_id: str
    name: str | None
    grade: str | None
    total: float | None
    previous_total: float | None = None
    previous_grade: str | None = None
    previous_issued: date | None = None
    improvement: float | None = None
    rank: int | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "institution_id": self.institution_id,
            "name": self.name,
            "grade": self.grade,
            "total": self.total,
            "previous_total": self.previous_total,
            "previous_grade": self.previous_grade,
            "previous_issued": None if self.previous_issued is None else self.previous_issued.isoformat(),
            "improvement": self.improvement,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Cohort:
    rubric_id: str
    rubric_version: str
    issued: date
    previous_source: str  # "register" or the --previous file
    with_previous: int  # institutions found in the previous cycle
    ranked: int
    top: float
    top_improvement: float
    lowest_grade: str
    consulting_grades: tuple[str, ...]
    top_score: tuple[CohortEntry, ...]
    top_improved: tuple[CohortEntry, ...]
    consecutive_lowest: tuple[CohortEntry, ...]
    consulting: tuple[CohortEntry, ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "rubric": {"id": self.rubric_id, "version": self.rubric_version},
            "issued": self.issued.isoformat(),
            "previous": {"source": self.previous_source, "institutions": self.with_previous},
            "rules": {
                "top_percent": self.top,
                "top_improvement_percent": self.top_improvement,
                "lowest_grade": self.lowest_grade,
                "consulting_grades": list(self.consulting_grades),
            },
            "ranked": self.ranked,
            "top_score": [e.to_json_dict() for e in self.top_score],
            "top_improvement": [e.to_json_dict() for e in self.top_improved],
            "consecutive_lowest": [e.to_json_dict() for e in self.consecutive_lowest],
            "consulting": [e.to_json_dict() for e in self.consulting],
        }


class CycleDoc(Protocol):
    """What the cohort rules read of this cycle: a :class:`RunDoc`, or a :class:`ThisCycle` made from results."""

    @property
    def rubric_id(self) -> str: ...
    @property
    def rubric_version(self) -> str: ...
    @property
    def issued(self) -> date: ...
    @property
    def institutions(self) -> Sequence[InstitutionEntry]: ...


@dataclass(frozen=True)
class ThisCycle:
    """The cycle being scored, before it is written anywhere (``qualcert score --cohort``)."""

    rubric_id: str
    rubric_version: str
    issued: date
    institutions: tuple[InstitutionEntry, ...]


@dataclass(frozen=True)
class PreviousCycle:
    """Each institution's previous cycle, and where it came from (``register`` or the file's path)."""

    priors: dict[str, Prior]
    source: str


def this_cycle(results: Results) -> ThisCycle:
    """The scored cycle as the cohort rules read it: totals rounded as in the JSON, institutions by id."""
    p = results.rubric.precision
    entries = [
        InstitutionEntry(
            institution_id=inst.institution_id,
            name=inst.name,
            service_type=inst.service_type,
            decision=inst.decision,
            total=None if inst.total is None else to_float(inst.total, p),
            grade=inst.grade,
            valid_from=inst.valid_from,
            valid_until=inst.valid_until,
            domains=(),
        )
        for inst in results.institutions
    ]
    entries.sort(key=lambda e: e.institution_id)
    return ThisCycle(results.rubric.id, results.rubric.version, results.issued, tuple(entries))


def priors_from_run(run: RunDoc) -> dict[str, Prior]:
    """A `--previous results.json` as the previous cycle."""
    return {
        e.institution_id: Prior(e.institution_id, run.issued, e.total, e.grade, e.decision) for e in run.institutions
    }


def previous_from_file(path: str | Path, *, rubric_id: str, before: date) -> PreviousCycle:
    """A previous `score --json` file, checked: a cycle of the same rubric id, issued before ``before``.

    Another version of the same rubric id is the next cycle of the same evaluation, so it is accepted.
    """
    run = load_results_file(path)
    where = Location(file=str(path))
    problems = []
    if run.rubric_id != rubric_id:
        problems.append(
            Problem(
                "previous-other-rubric",
                f"this is a cycle of rubric {run.rubric_id!r}, not {rubric_id!r}: "
                "the cohort rules compare two cycles of the same evaluation",
                where,
            )
        )
    if run.issued >= before:
        problems.append(
            Problem(
                "previous-not-earlier",
                f"the previous cycle was issued {run.issued}, not before this run's {before}",
                where,
            )
        )
    if problems:
        raise RegisterError(problems)
    return PreviousCycle(priors_from_run(run), str(path))


def previous_from_register(
    db: str | Path | None, *, rubric_id: str, before: date, missing_ok: bool = False
) -> PreviousCycle:
    """Each institution's latest cycle under ``rubric_id`` issued before ``before``, from the register.

    Reads only: a register that does not exist is an error, unless ``missing_ok`` (the run is about
    to create it with ``--record``, so there is no previous cycle yet).
    """
    try:
        register = Register.open(db, create=False)
    except RegisterError as exc:
        if missing_ok and [p.code for p in exc.problems] == ["no-register"]:
            return PreviousCycle({}, "register")
        raise
    with register:
        return PreviousCycle(register.previous_cycle(rubric_id, before), "register")


def compute_cohort(
    current: CycleDoc,
    previous: Mapping[str, Prior],
    *,
    previous_source: str = "register",
    top: float = DEFAULT_TOP,
    top_improvement: float = DEFAULT_TOP_IMPROVEMENT,
    lowest_grade: str = DEFAULT_LOWEST,
    consulting_grades: Sequence[str] = DEFAULT_CONSULTING,
) -> Cohort:
    """Apply the cohort rules to ``current`` against ``previous`` (institution id → its previous cycle)."""
    for label, value in (("top", top), ("top improvement", top_improvement)):
        if not 0 <= value <= 100:
            raise register_error("bad-percent", f"{label} must be a percent from 0 to 100, not {value}")
    later = [p for p in previous.values() if p.issued >= current.issued]
    if later:
        raise register_error(
            "previous-not-earlier",
            f"the previous cycle was issued {later[0].issued}, not before this run's {current.issued}",
            previous_source,
        )
    ranked = [e for e in current.institutions if e.total is not None and e.decision not in UNRANKED]
    by_total = _top(
        ranked, top, key=lambda e: _dec(e.total), make=lambda e, rank: _entry(e, previous.get(e.institution_id), rank)
    )
    paired = [e for e in ranked if (p := previous.get(e.institution_id)) is not None and p.total is not None]
    rises = _top(
        paired,
        top_improvement,
        key=lambda e: _dec(delta(e.total, previous[e.institution_id].total)),
        make=lambda e, rank: _entry(e, previous[e.institution_id], rank),
        keep=lambda e: _dec(delta(e.total, previous[e.institution_id].total)) > 0,
    )
    repeat = [
        _entry(e, p)
        for e in current.institutions
        if e.grade == lowest_grade and (p := previous.get(e.institution_id)) is not None and p.grade == lowest_grade
    ]
    consult = [_entry(e, previous.get(e.institution_id)) for e in current.institutions if e.grade in consulting_grades]
    return Cohort(
        rubric_id=current.rubric_id,
        rubric_version=current.rubric_version,
        issued=current.issued,
        previous_source=previous_source,
        with_previous=sum(1 for e in current.institutions if e.institution_id in previous),
        ranked=len(ranked),
        top=top,
        top_improvement=top_improvement,
        lowest_grade=lowest_grade,
        consulting_grades=tuple(consulting_grades),
        top_score=tuple(by_total),
        top_improved=tuple(rises),
        consecutive_lowest=tuple(repeat),
        consulting=tuple(consult),
    )


def _dec(value: float | None) -> Decimal:
    assert value is not None  # callers pass institutions that have the value
    return Decimal(repr(value))


def _entry(e: InstitutionEntry, prior: Prior | None, rank: int | None = None) -> CohortEntry:
    return CohortEntry(
        institution_id=e.institution_id,
        name=e.name,
        grade=e.grade,
        total=e.total,
        previous_total=None if prior is None else prior.total,
        previous_grade=None if prior is None else prior.grade,
        previous_issued=None if prior is None else prior.issued,
        improvement=None if prior is None else delta(e.total, prior.total),
        rank=rank,
    )


def _top(
    pool: Sequence[InstitutionEntry],
    percent: float,
    *,
    key: Callable[[InstitutionEntry], Decimal],
    make: Callable[[InstitutionEntry, int], CohortEntry],
    keep: Callable[[InstitutionEntry], bool] = lambda _: True,
) -> list[CohortEntry]:
    """The top ``percent`` of ``pool`` by ``key`` (ties at the cut included), ranked 1, 2, 2, 4."""
    count = math.ceil(len(pool) * Fraction(Decimal(repr(percent))) / 100)
    if count == 0:
        return []
    ordered = sorted(pool, key=lambda e: (-key(e), e.institution_id))
    cut = key(ordered[count - 1])
    chosen: list[CohortEntry] = []
    rank = 0
    last: Decimal | None = None
    for position, e in enumerate(ordered, start=1):
        value = key(e)
        if value < cut:
            break
        if value != last:
            rank, last = position, value
        if keep(e):
            chosen.append(make(e, rank))
    return chosen
