"""The library verb behind ``qualcert survey``: read and validate every input, then compute.

Every input is read before anything is computed, and the problems of all of them
are raised together (one :class:`~qualcert.survey.loader.SurveyError`), so the user
sees every mistake in one run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from qualcert.errors import InputError, Location, Problem
from qualcert.ingest.columns import NAME, SERVICE_TYPE, canonical, header_key
from qualcert.ingest.roster import Institution, Roster, read_roster
from qualcert.survey.compute import InstitutionInfo, compute_survey
from qualcert.survey.loader import SurveyError, load_survey
from qualcert.survey.model import Survey
from qualcert.survey.read import Baseline, Responses, read_baseline, read_operational, read_responses
from qualcert.survey.results import SurveyResults

T = TypeVar("T")


def _attempt(problems: list[Problem], read: Callable[[], T]) -> T | None:
    try:
        return read()
    except InputError as exc:
        problems += exc.problems
        return None


def group_of(roster: Roster, by: str) -> Callable[[Institution], str | None]:
    """How to read the ``--by`` column of an institution; SurveyError when the roster has no such column."""
    field = canonical(by)
    if field == SERVICE_TYPE:
        return lambda inst: inst.service_type
    if field == NAME:
        return lambda inst: inst.name
    wanted = header_key(by)
    column = next((c for c in roster.columns if header_key(c) == wanted), None)
    if column is None:
        available = ", ".join([SERVICE_TYPE, NAME, *roster.columns])
        message = f"--by {by}: the roster has no such column (it has {available})"
        raise SurveyError([Problem("unknown-column", message, Location(file=roster.file))])
    return lambda inst: inst.attributes.get(column) or None


def run_survey(
    survey_path: Path,
    inputs: Sequence[Path],
    *,
    roster_path: Path | None = None,
    by: str | None = None,
    operational_path: Path | None = None,
    baseline_path: Path | None = None,
    benchmark: Decimal | None = None,
    encoding: str | None = None,
) -> SurveyResults:
    """Survey indices per institution and group. ``by`` defaults to the roster's service type when it has one."""
    problems: list[Problem] = []
    survey: Survey | None = _attempt(problems, lambda: load_survey(survey_path))
    roster: Roster | None = None
    if roster_path is not None:
        roster = _attempt(problems, lambda: read_roster(roster_path, encoding=encoding))
    elif by is not None:
        problems.append(Problem("by-needs-roster", f"--by {by} needs --roster (the groups come from the roster)"))
    responses: Responses | None = None
    if survey is not None:
        loaded = survey
        responses = _attempt(problems, lambda: read_responses(inputs, loaded, roster, encoding=encoding))
    operational = _attempt(problems, lambda: read_operational(operational_path)) if operational_path else None
    baseline: Baseline | None = _attempt(problems, lambda: read_baseline(baseline_path)) if baseline_path else None
    institutions: list[InstitutionInfo] | None = None
    if roster is not None:
        if by is None and any(inst.service_type for inst in roster.institutions.values()):
            by = SERVICE_TYPE
        group = _attempt(problems, lambda: group_of(roster, by)) if by is not None else None
        institutions = [
            InstitutionInfo(inst.institution_id, inst.name or None, group(inst) if group else None)
            for inst in roster.institutions.values()
        ]
    if problems or survey is None or responses is None:
        raise SurveyError(problems)
    results = compute_survey(
        survey,
        responses.respondents,
        institutions=institutions,
        by=by,
        operational=operational,
        baseline=baseline,
        benchmark=benchmark,
    )
    files = {"no-operational-score": operational_path, "no-responses": roster_path}  # compute is pure: name the file
    located = tuple(
        replace(p, location=Location(file=str(files[p.code]))) if files.get(p.code) and p.location.file is None else p
        for p in results.problems
    )
    return replace(results, problems=(*responses.warnings, *located))
