"""Frozen results of a survey run and their JSON form (the ``qualcert survey --json`` contract).

Values are exact inside (``Fraction``); :meth:`SurveyResults.to_json_dict` rounds
half-up to two decimals. Writers (JSON, workbook, terminal) read these objects and
never recompute a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from qualcert.errors import Problem
from qualcert.numeric import to_float
from qualcert.report.json_layout import keyed_lines

PRECISION: Final = 2
BLANK_GROUP: Final = "(미입력)"  # an institution whose --by column is blank


def num(value: Fraction | Decimal | None, precision: int = PRECISION) -> float | None:
    """A number for JSON: rounded half-up, or None."""
    if value is None:
        return None
    return to_float(value if isinstance(value, Fraction) else Fraction(value), precision)


@dataclass(frozen=True, slots=True)
class Deltas:
    """Differences of an index to last year's (baseline) and to the national average (benchmark)."""

    baseline: Fraction | Decimal | None = None
    vs_baseline: Fraction | None = None
    benchmark: Decimal | None = None
    vs_benchmark: Fraction | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": num(self.baseline),
            "vs_baseline": num(self.vs_baseline),
            "benchmark": num(self.benchmark),
            "vs_benchmark": num(self.vs_benchmark),
        }


@dataclass(frozen=True, slots=True)
class DimensionScore:
    dimension_id: str
    score: Fraction | None  # None: no respondent answered any of its questions
    respondents: int  # respondents with at least one answer in it

    def to_dict(self) -> dict[str, Any]:
        return {"dimension_id": self.dimension_id, "score": num(self.score), "respondents": self.respondents}


@dataclass(frozen=True, slots=True)
class QuestionStat:
    question_id: str
    answered: int
    mean: Fraction | None  # mean item score 0..100 (reversed items recoded)
    top_box: Fraction | None  # share of answers at the top of the scale (as answered, 0..1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "answered": self.answered,
            "mean_score": num(self.mean),
            "top_box": num(None if self.top_box is None else self.top_box * 100),
        }


@dataclass(frozen=True)
class InstitutionSurvey:
    institution_id: str
    name: str | None
    group: str | None
    respondents: int  # counted: answered at least min_answered of the index questions
    excluded_respondents: int
    index: Fraction | None  # customer-quality index; None without any counted respondent
    reliable: bool  # respondents >= min_respondents
    dimensions: tuple[DimensionScore, ...]
    questions: tuple[QuestionStat, ...]
    operational: Decimal | None = None
    composite: Fraction | None = None
    deltas: Deltas = Deltas()

    def to_dict(self) -> dict[str, Any]:
        return {
            "institution_id": self.institution_id,
            "name": self.name,
            "group": self.group,
            "respondents": self.respondents,
            "excluded_respondents": self.excluded_respondents,
            "index": num(self.index),
            "reliable": self.reliable,
            "dimensions": [d.to_dict() for d in self.dimensions],
            "operational": num(self.operational),
            "composite": num(self.composite),
            "deltas": self.deltas.to_dict(),
            "top_box": [
                {"question_id": q.question_id, "percent": num(None if q.top_box is None else q.top_box * 100)}
                for q in self.questions
            ],
        }


@dataclass(frozen=True)
class GroupSurvey:
    """A group of institutions (a service type, or all of them): unweighted means of their numbers."""

    group: str
    institutions: int  # with an index
    reliable_institutions: int
    index: Fraction | None
    dimensions: tuple[DimensionScore, ...]  # respondents here = institutions with that dimension's score
    composite: Fraction | None = None
    deltas: Deltas = Deltas()

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "institutions": self.institutions,
            "reliable_institutions": self.reliable_institutions,
            "index": num(self.index),
            "dimensions": [{"dimension_id": d.dimension_id, "score": num(d.score)} for d in self.dimensions],
            "composite": num(self.composite),
            "deltas": self.deltas.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Reliability:
    """Cronbach's alpha of one dimension's questions, over the respondents who answered all of them."""

    dimension_id: str
    items: int
    respondents: int
    alpha: Fraction | None  # None: fewer than 2 items or 2 respondents, or no variance

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension_id": self.dimension_id,
            "items": self.items,
            "respondents": self.respondents,
            "alpha": num(self.alpha),
        }


@dataclass(frozen=True)
class QuestionSummary:
    question_id: str
    text: str
    dimension_id: str | None
    reverse: bool
    stat: QuestionStat  # over every counted respondent


@dataclass(frozen=True)
class DimensionSummary:
    dimension_id: str
    name: str
    weight: Fraction
    questions: int
    score: Fraction | None  # unweighted mean of the institutions' dimension scores
    reliability: Reliability


@dataclass(frozen=True)
class SurveyResults:
    survey_id: str
    title: str
    version: str | None
    sha256: str | None
    scale: tuple[int, int]
    top_box: int  # how many top points of the scale count as "top box"
    by: str | None
    benchmark: Decimal | None
    combine: tuple[Fraction, Fraction] | None  # (customer, operational) when an operational file was given
    institutions: tuple[InstitutionSurvey, ...]
    groups: tuple[GroupSurvey, ...]
    overall: GroupSurvey
    dimensions: tuple[DimensionSummary, ...]
    questions: tuple[QuestionSummary, ...]
    problems: tuple[Problem, ...] = ()  # warnings (errors are raised, never returned)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "survey": {"id": self.survey_id, "version": self.version, "sha256": self.sha256},
            "scale": {"min": self.scale[0], "max": self.scale[1], "top_box": self.top_box},
            "by": self.by,
            "benchmark": num(self.benchmark),
            "combine": None
            if self.combine is None
            else {"customer": num(self.combine[0], 4), "operational": num(self.combine[1], 4)},
            "institutions": [i.to_dict() for i in self.institutions],
            "groups": [g.to_dict() for g in self.groups],
            "overall": self.overall.to_dict(),
            "dimensions": [
                {
                    "dimension_id": d.dimension_id,
                    "name": d.name,
                    "weight": num(d.weight, 4),
                    "questions": d.questions,
                    "score": num(d.score),
                }
                for d in self.dimensions
            ],
            "cronbach_alpha": [d.reliability.to_dict() for d in self.dimensions],
            "questions": [
                {"question_id": q.question_id, "text": q.text, "dimension_id": q.dimension_id, "reverse": q.reverse}
                | q.stat.to_dict()
                for q in self.questions
            ],
            "problems": [p.to_dict() for p in self.problems],
        }


def render_json(results: SurveyResults) -> str:
    """The JSON document: top-level keys on their own lines, one compact line per institution and group."""
    doc = results.to_json_dict()
    return "{\n" + keyed_lines(doc, 2, ("institutions", "groups", "questions"), allow_nan=True) + "\n}\n"
