"""Reading what reviewers and agencies send: score sheets (templates, long CSV/xlsx) and rosters.

``load_scores`` reads every file once, collects every problem of every file,
and returns the validated score table (:mod:`qualcert.scoretable`) or raises
:class:`~qualcert.errors.SheetError` listing all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualcert.errors import InputError, Location, Problem, SheetError
from qualcert.ingest.raw import empty_raw, find_template, long_table, new_records, template_rows, to_frame
from qualcert.ingest.roster import Institution, Roster, read_roster
from qualcert.ingest.sources import Grid, expand, read_source
from qualcert.ingest.validate import validate_scores
from qualcert.rubric import Rubric

__all__ = ["InputFile", "Institution", "Roster", "ScoreInput", "load_scores", "read_roster"]


@dataclass(frozen=True)
class InputFile:
    path: str
    sha256: str
    kind: str  # template | long-xlsx | csv
    rows: int


@dataclass(frozen=True)
class ScoreInput:
    table: pd.DataFrame  # qualcert.scoretable columns
    warnings: list[Problem]
    files: list[InputFile]


def read_raw(
    paths: Sequence[str | Path],
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    advance: Callable[[], None] | None = None,
) -> tuple[pd.DataFrame, list[InputFile], list[Problem]]:
    """Every file's rows as raw text with provenance, plus problems (errors and warnings).

    Template rows are gathered in plain lists and become one DataFrame at the end
    (a DataFrame per small workbook would cost more than reading it).
    """
    frames: list[pd.DataFrame] = []
    records = new_records()
    files: list[InputFile] = []
    problems: list[Problem] = []
    expanded = expand(list(paths))
    if not expanded:
        problems.append(
            Problem("no-input", "no score files found in the given paths", Location(file=", ".join(map(str, paths))))
        )
    for path in expanded:
        try:
            source = read_source(path, encoding=encoding)
        except InputError as exc:
            problems += exc.problems
            continue
        before = len(records["row"])
        found_templates = [(g, find_template(g)) for g in source.grids] if sheet is None else []
        templates = [(g, t) for g, t in found_templates if t is not None]
        if source.frame is not None:
            frame, found = long_table(source.frame, source.path, None)
            frames.append(frame)
            kind, count = "csv", len(frame)
        elif templates:
            found = [q for g, t in templates for q in template_rows(g, t, records)]
            kind, count = "template", len(records["row"]) - before
        else:
            frame, found = _long_sheet(source.grids, source.path, sheet)
            frames.append(frame)
            kind, count = "long-xlsx", len(frame)
        problems += found
        files.append(InputFile(source.path, source.sha256, kind, count))
        if advance is not None:
            advance()
    frames.append(to_frame(records))
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return raw, files, problems


def _long_sheet(grids: list[Grid], file: str, sheet: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    chosen = grids[0] if sheet is None else next((g for g in grids if g.sheet == sheet), None)
    if chosen is None:
        names = ", ".join(str(g.sheet) for g in grids)
        return empty_raw(), [Problem("no-sheet", f"no sheet named {sheet!r} (sheets: {names})", Location(file=file))]
    return long_table(pd.DataFrame(chosen.rows, dtype="str").fillna(""), file, chosen.sheet)


def _reading_order(problem: Problem) -> tuple[str, str, int]:
    where = problem.location
    return (where.file or "", where.sheet or "", where.row or 0)


def load_scores(
    paths: Sequence[str | Path],
    rubric: Rubric,
    roster: Roster | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    advance: Callable[[], None] | None = None,
) -> ScoreInput:
    """Read and validate score files against the rubric and roster; raise SheetError with every problem."""
    raw, files, problems = read_raw(paths, encoding=encoding, sheet=sheet, advance=advance)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    table, more_errors, more_warnings = validate_scores(raw, rubric, roster)
    errors += more_errors
    warnings += more_warnings
    if not errors and table.empty:
        errors.append(Problem("no-scores", "the inputs hold no scores", Location(file=", ".join(map(str, paths)))))
    if errors:
        raise SheetError(sorted(errors + warnings, key=_reading_order))
    return ScoreInput(table, warnings, files)
