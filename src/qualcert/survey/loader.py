"""Survey definition YAML → :class:`Survey`, every problem located at file:line:col.

The same mechanism as rubrics (:func:`qualcert.rubric.loader.parse_yaml_model`):
exact Decimals, duplicate keys caught, pydantic errors and cross-field rules mapped
back to the YAML node that caused them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qualcert.errors import InputError
from qualcert.rubric.loader import parse_yaml_model, read_yaml_file
from qualcert.survey.model import Survey, check_survey

KIND = "survey definition"


class SurveyError(InputError):
    """The survey definition or the survey responses are invalid."""


def parse_survey(text: str, file: str = "<survey>") -> Survey:
    """Parse and validate survey definition text; raise :class:`SurveyError` with every problem located."""
    return parse_yaml_model(text, file, Survey, checks=check_survey, error=SurveyError, kind=KIND)


def load_survey(path: str | Path) -> Survey:
    """Load a survey definition file; its path and sha256 are kept on the result."""
    path = Path(path)
    text, raw = read_yaml_file(path, error=SurveyError, kind=KIND)
    survey = parse_survey(text, str(path))
    survey._path = str(path)
    survey._sha256 = hashlib.sha256(raw).hexdigest()
    return survey
