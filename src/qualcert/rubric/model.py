"""The rubric format (``schema: qualcert/rubric@1``) as frozen pydantic models.

Only the shape and single-field ranges live here; rules that relate several
fields (unique ids, scale references, grade bands, ...) are in
:mod:`qualcert.rubric.checks`, so that every problem can be reported at once
with its YAML line. Numbers are :class:`~decimal.Decimal` (the loader builds them
from the YAML text), never floats.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

Stage = Literal["document", "onsite"]
STAGE_NAMES: dict[str, dict[str, str]] = {
    "document": {"en": "document", "ko": "서면"},
    "onsite": {"en": "onsite", "ko": "현장"},
}
"""How each stage is called in sentences and sheets, by language."""
Aggregate = Literal["mean", "median", "trimmed_mean", "min", "max"]

DEFAULT_STAGE_WEIGHTS: dict[Stage, Decimal] = {"document": Decimal(1), "onsite": Decimal(1)}

Id = Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]
NonNegative = Annotated[Decimal, Field(ge=0)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]
Share = Annotated[Decimal, Field(ge=0, le=1)]
MAX_NUMBER = Decimal(10**15)  # a bound for unbounded numbers: "1e400000000" (read from text) would overflow arithmetic
Positive = Annotated[Decimal, Field(gt=0, le=MAX_NUMBER)]
Bound = Annotated[Decimal, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class LocalName(_Model):
    """A name in Korean and/or English."""

    ko: str | None = None
    en: str | None = None

    def text(self, lang: str = "ko") -> str:
        first, second = (self.en, self.ko) if lang == "en" else (self.ko, self.en)
        return first or second or ""


Name = str | LocalName


def name_text(name: Name, lang: str = "ko") -> str:
    return name if isinstance(name, str) else name.text(lang)


class LevelsScale(_Model):
    """Labelled levels, each worth a fraction of the indicator's points."""

    kind: Literal["levels"]
    levels: dict[str, Share] = Field(min_length=1)


class PointsScale(_Model):
    """Any multiple of ``step`` from 0 to the indicator's points."""

    kind: Literal["points"]
    step: Positive


Scale = Annotated[LevelsScale | PointsScale, Field(discriminator="kind")]


class Indicator(_Model):
    id: Id
    name: Name
    points: Positive
    scale: str
    stages: list[Stage] | None = Field(default=None, min_length=1)
    applies_to: list[str] | None = Field(default=None, min_length=1)
    allow_na: bool = False
    floor: Share | None = None


class Item(_Model):
    id: Id
    name: Name
    indicators: list[Indicator] = Field(min_length=1)


class Domain(_Model):
    id: Id
    name: Name
    min: Percent | None = None
    items: list[Item] = Field(min_length=1)


class GradeBand(_Model):
    grade: str = Field(min_length=1)
    min: Percent


class EligibilityRule(_Model):
    """A prerequisite read from the roster column ``field``.

    Numeric bounds (``min``/``max``, inclusive) or a set of accepted values (``one_of``).
    """

    field: str = Field(min_length=1)
    min: Bound | None = None
    max: Bound | None = None
    one_of: list[str | int | bool] | None = Field(default=None, min_length=1)


class Decision(_Model):
    total_min: Percent | None = None
    domain_min: Percent | None = None
    grades: list[GradeBand] = Field(default_factory=list)
    eligibility: list[EligibilityRule] = Field(default_factory=list)


class Disagreement(_Model):
    max_spread: Share | None = None


class Validity(_Model):
    years: Annotated[int, Field(ge=1, le=50)]


class Rubric(_Model):
    schema_: Literal["qualcert/rubric@1"] = Field(alias="schema")
    id: Id
    title: Name
    version: Annotated[str, Field(min_length=1)]
    service_types: list[str] = Field(default_factory=list)
    precision: Annotated[int, Field(ge=0, le=6)] = 2
    scales: dict[str, Scale] = Field(min_length=1)
    stage_weights: dict[Stage, Positive] = Field(default_factory=lambda: dict(DEFAULT_STAGE_WEIGHTS), min_length=1)
    stage_combine: Literal["weighted", "onsite"] = "weighted"
    aggregate: Aggregate = "mean"
    disagreement: Disagreement = Field(default_factory=Disagreement)
    domains: list[Domain] = Field(min_length=1)
    decision: Decision = Field(default_factory=Decision)
    validity: Validity | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _path: str | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    # -- provenance (set by the loader) ------------------------------------------------
    @property
    def path(self) -> str | None:
        return self._path

    @property
    def sha256(self) -> str | None:
        return self._sha256

    # -- navigation -------------------------------------------------------------------
    def walk(self) -> Iterator[tuple[Domain, Item, Indicator]]:
        for domain in self.domains:
            for item in domain.items:
                for indicator in item.indicators:
                    yield domain, item, indicator

    @cached_property
    def indicators(self) -> dict[str, Indicator]:
        """Indicators by id, in rubric order."""
        return {ind.id: ind for _, _, ind in self.walk()}

    @cached_property
    def indicator_parents(self) -> dict[str, tuple[Domain, Item]]:
        return {ind.id: (dom, item) for dom, item, ind in self.walk()}

    def stages_of(self, indicator: Indicator) -> list[Stage]:
        """The stages an indicator is scored at (default: every stage in ``stage_weights``)."""
        return list(indicator.stages) if indicator.stages else list(self.stage_weights)

    def scale_of(self, indicator: Indicator) -> LevelsScale | PointsScale:
        return self.scales[indicator.scale]

    def applies(self, indicator: Indicator, service_type: str | None) -> bool:
        """Whether the indicator applies to a service type (``None``: unknown, so yes)."""
        return indicator.applies_to is None or service_type is None or service_type in indicator.applies_to

    def domain_minimum(self, domain: Domain) -> Decimal | None:
        return domain.min if domain.min is not None else self.decision.domain_min

    @cached_property
    def has_pass_rule(self) -> bool:
        return (
            self.decision.total_min is not None
            or any(self.domain_minimum(d) is not None for d in self.domains)
            or any(ind.floor is not None for ind in self.indicators.values())
        )

    def counts(self) -> dict[str, Any]:
        items = [item for d in self.domains for item in d.items]
        return {
            "domains": len(self.domains),
            "items": len(items),
            "indicators": len(self.indicators),
            "points": sum((ind.points for ind in self.indicators.values()), Decimal(0)),
        }
