"""The rubric: model, loader and cross-field checks."""

from qualcert.rubric.loader import load_rubric, parse_rubric
from qualcert.rubric.model import (
    Domain,
    Indicator,
    Item,
    LevelsScale,
    PointsScale,
    Rubric,
    Stage,
    name_text,
)

__all__ = [
    "Domain",
    "Indicator",
    "Item",
    "LevelsScale",
    "PointsScale",
    "Rubric",
    "Stage",
    "load_rubric",
    "name_text",
    "parse_rubric",
]
