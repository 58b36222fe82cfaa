"""User-satisfaction surveys (고객품질평가): definition, responses, indices per institution and group.

``load_survey`` reads a ``qualcert/survey@1`` YAML definition, ``read_responses``
the wide response exports, ``compute_survey`` every number (pure, exact), and
``run_survey`` does all of it for ``qualcert survey``.
"""

from qualcert.survey.compute import InstitutionInfo, compute_survey, cronbach_alpha
from qualcert.survey.loader import SurveyError, load_survey, parse_survey
from qualcert.survey.model import Survey
from qualcert.survey.pipeline import run_survey
from qualcert.survey.read import Baseline, Respondent, Responses, read_baseline, read_operational, read_responses
from qualcert.survey.results import SurveyResults

__all__ = [
    "Baseline",
    "InstitutionInfo",
    "Respondent",
    "Responses",
    "Survey",
    "SurveyError",
    "SurveyResults",
    "compute_survey",
    "cronbach_alpha",
    "load_survey",
    "parse_survey",
    "read_baseline",
    "read_operational",
    "read_responses",
    "run_survey",
]
