"""The survey definition (``schema: qualcert/survey@1``) as frozen pydantic models.

Shape and single-field ranges live here; rules that relate fields (unique ids,
known dimensions, label count) are in :func:`check_survey`, over the raw YAML data,
so that the loader reports every problem at once with its line. Numbers are
:class:`~decimal.Decimal` (read from the YAML text), never floats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from qualcert.rubric.model import Id, Name, NonNegative, Positive, Share

DEFAULT_MISSING = ("모름", "해당없음")
MAX_POINTS = 11  # a 0..10 scale is the widest in use

Loc = tuple[str | int, ...]
Finding = tuple[Sequence[str | int], str, str]
Where = Callable[[Loc], str]

Int = Annotated[int, Field(strict=True)]  # YAML `yes` is a bool; never read it as 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Scale(_Model):
    """A Likert scale of the integers ``min``..``max``, with an optional label for each point."""

    min: Int
    max: Int
    labels: list[Annotated[str, Field(min_length=1)]] | None = None

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)


class Dimension(_Model):
    id: Id
    name: Name | None = None
    weight: Positive | None = None  # relative; every dimension weighs 1 unless given


class Question(_Model):
    id: Id
    text: Annotated[str, Field(min_length=1)]
    dimension: str | None = None  # None: reported (answers, top-box) but not part of the index
    reverse: bool = False


class Combine(_Model):
    """Weights of the composite quality index (relative; they need not add up to 1)."""

    customer: NonNegative = Decimal("0.5")
    operational: NonNegative = Decimal("0.5")


class Survey(_Model):
    schema_: Literal["qualcert/survey@1"] = Field(alias="schema")
    id: Id
    title: Name
    version: Annotated[str, Field(min_length=1)] | None = None
    scale: Scale
    dimensions: list[Dimension] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    missing: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=lambda: list(DEFAULT_MISSING))
    min_answered: Share = Decimal("0.5")
    min_respondents: Annotated[int, Field(strict=True, ge=1)] = 30
    top_box: Annotated[int, Field(strict=True, ge=1)] = 1  # how many top points count as "top box"
    combine: Combine = Field(default_factory=Combine)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def sha256(self) -> str | None:
        return self._sha256

    @cached_property
    def index_questions(self) -> list[Question]:
        """The questions that count toward the index (those in a dimension), in survey order."""
        return [q for q in self.questions if q.dimension is not None]

    def questions_of(self, dimension: Dimension) -> list[Question]:
        return [q for q in self.questions if q.dimension == dimension.id]

    def weight(self, dimension: Dimension) -> Fraction:
        return Fraction(dimension.weight) if dimension.weight is not None else Fraction(1)

    def item_points(self, answer: int, reverse: bool) -> int:
        """An answer's steps above the bottom of the scale, a reversed answer first becoming max + min − x."""
        lo, hi = self.scale.min, self.scale.max
        return (hi + lo - answer if reverse else answer) - lo

    def item_score(self, answer: int, reverse: bool) -> Fraction:
        """The contract: (x − min)/(max − min) × 100, from :meth:`item_points`."""
        return Fraction(100 * self.item_points(answer, reverse), self.scale.max - self.scale.min)


# -- cross-field rules over the raw YAML data ------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _duplicates(items: list[Any], key: str, section: str, where: Where) -> Iterator[Finding]:
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        value = _dict(item).get(key)
        if not isinstance(value, str):
            continue
        if value in first:
            at = where((section, first[value], key))
            yield (section, i, key), f"duplicate-{section[:-1]}", f"{section}: {value!r} is defined twice ({at})"
        else:
            first[value] = i


def _scale(data: dict[str, Any]) -> Iterator[Finding]:
    scale = _dict(data.get("scale"))
    lo, hi = scale.get("min"), scale.get("max")
    if type(lo) is not int or type(hi) is not int:
        return
    if hi <= lo:
        yield ("scale", "max"), "scale-range", f"scale: max ({hi}) must be greater than min ({lo})"
        return
    if hi - lo + 1 > MAX_POINTS:
        yield ("scale", "max"), "scale-range", f"scale: {hi - lo + 1} points; at most {MAX_POINTS} are supported"
    labels = scale.get("labels")
    if isinstance(labels, list):
        if len(labels) != hi - lo + 1:
            message = f"scale.labels: {len(labels)} labels for the {hi - lo + 1} points {lo}..{hi}; give one per point"
            yield ("scale", "labels"), "scale-labels", message
        seen: set[str] = set()
        for i, text in enumerate(labels):
            if isinstance(text, str) and text in seen:
                yield ("scale", "labels", i), "scale-labels", f"scale.labels: {text!r} is given twice"
            seen.add(text if isinstance(text, str) else "")


def _missing(data: dict[str, Any]) -> Iterator[Finding]:
    scale = _dict(data.get("scale"))
    labels = {t.strip().casefold() for t in _list(scale.get("labels")) if isinstance(t, str)}
    for i, token in enumerate(_list(data.get("missing"))):
        if not isinstance(token, str):
            continue
        text = token.strip().casefold()
        if text in labels or text.lstrip("+-").isdigit():
            yield ("missing", i), "missing-token", f"missing: {token!r} is a valid answer, so it cannot mean missing"


def _questions(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    dimensions = _list(data.get("dimensions"))
    questions = _list(data.get("questions"))
    yield from _duplicates(dimensions, "id", "dimensions", where)
    yield from _duplicates(questions, "id", "questions", where)
    known = {d["id"] for d in map(_dict, dimensions) if isinstance(d.get("id"), str)}
    used: set[str] = set()
    for i, question in enumerate(map(_dict, questions)):
        dim = question.get("dimension")
        if isinstance(dim, str):
            used.add(dim)
            if dim not in known:
                listed = ", ".join(sorted(known)) or "none"
                message = (
                    f"questions: {question.get('id')!r} names the dimension {dim!r}, which is not defined ({listed})"
                )
                yield ("questions", i, "dimension"), "unknown-dimension", message
        qid = question.get("id")
        if isinstance(qid, str) and "".join(qid.casefold().split()) in ("institution_id", "respondent_id"):
            yield ("questions", i, "id"), "reserved-id", f"questions: {qid!r} is a column of its own, not a question"
    if isinstance(data.get("questions"), list):
        for i, dimension in enumerate(map(_dict, dimensions)):
            did = dimension.get("id")
            if isinstance(did, str) and did not in used:
                yield ("dimensions", i, "id"), "empty-dimension", f"dimensions: {did!r} has no question"


def _combine(data: dict[str, Any]) -> Iterator[Finding]:
    combine = _dict(data.get("combine"))
    weights = [combine.get(k, Decimal("0.5")) for k in ("customer", "operational")]
    if combine and all(isinstance(w, int | Decimal) and not isinstance(w, bool) for w in weights) and sum(weights) <= 0:
        yield ("combine",), "combine-weights", "combine: customer and operational cannot both weigh 0"


def check_survey(data: dict[str, Any], where: Where) -> list[Finding]:
    """Every cross-field problem in a survey definition (a YAML mapping)."""
    return [*_scale(data), *_missing(data), *_questions(data, where), *_combine(data)]
