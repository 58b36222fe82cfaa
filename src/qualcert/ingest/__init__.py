"""Reading what reviewers and agencies send: score sheets (templates, long CSV/xlsx) and rosters.

``load_scores`` reads every file once, collects every problem of every file and
of every row, and returns the validated score table (:mod:`qualcert.scoretable`)
or raises :class:`~qualcert.errors.SheetError` listing all of them, in file and
row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from qualcert.errors import InputError, Location, Problem, SheetError
from qualcert.ingest.long_table import RawRows, read_csv
from qualcert.ingest.roster import Institution, Roster, read_roster
from qualcert.ingest.sources import expand, read_source
from qualcert.ingest.templates import read_workbook
from qualcert.ingest.validate import check_roster, validate_scores
from qualcert.rubric import Rubric

__all__ = ["InputFile", "Institution", "Roster", "ScoreInput", "check_roster", "load_scores", "read_roster"]

Kind = Literal["template", "long-xlsx", "csv"]


@dataclass(frozen=True)
class InputFile:
    path: str
    sha256: str
    kind: Kind
    rows: int  # scores read from it (before validation)


@dataclass(frozen=True)
class ScoreInput:
    table: pd.DataFrame  # qualcert.scoretable columns
    warnings: list[Problem]
    files: list[InputFile]


def _read(paths: Sequence[str | Path], raw: RawRows, *, encoding: str | None, sheet: str | None) -> list[InputFile]:
    files: list[InputFile] = []
    first_of: dict[str, str] = {}
    expanded, empty = expand(paths)
    raw.problems += [
        Problem("no-input", "no .xlsx or .csv file in this folder", Location(file=str(folder))) for folder in empty
    ]
    if not paths:
        raw.problems.append(Problem("no-input", "no score files given", Location()))
    for path in expanded:
        try:
            source = read_source(path, encoding=encoding)
        except InputError as exc:
            raw.problems += exc.problems
            continue
        if source.sha256 in first_of:
            message = f"the same content as {first_of[source.sha256]}; read once"
            raw.problems.append(Problem("duplicate-file", message, Location(file=source.path), "warning"))
            continue
        first_of[source.sha256] = source.path
        kind: Kind
        if source.frame is not None:
            kind, count = "csv", read_csv(source, raw)
        else:
            kind, count = read_workbook(source, raw, sheet)
        files.append(InputFile(source.path, source.sha256, kind, count))
    return files


def _reading_order(problem: Problem) -> tuple[str, str, int, int, str]:
    where = problem.location
    cell = where.cell or ""
    digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    row = int(digits) if digits.isdigit() else where.row or where.line or 0
    return (where.file or "", where.sheet or "", row, len(cell) - len(digits), cell)


def load_scores(
    paths: Sequence[str | Path],
    rubric: Rubric,
    roster: Roster | None = None,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ScoreInput:
    """Read and validate score files (folders expand to the files inside) against the rubric and roster.

    Raises SheetError listing every problem (warnings included) when any is an error.
    """
    raw = RawRows()
    files = _read(paths, raw, encoding=encoding, sheet=sheet)
    table, found = validate_scores(raw, rubric, roster)
    problems = sorted(dict.fromkeys([*raw.problems, *found]), key=_reading_order)  # same place, same words: once
    errors = [p for p in problems if p.severity == "error"]
    if not errors and table.empty:
        where = Location(file=", ".join(map(str, paths)) or None)
        errors.append(Problem("no-scores", "no scores in the inputs: every score cell is empty", where))
        problems.append(errors[-1])
    if errors:
        raise SheetError(problems)
    return ScoreInput(table, problems, files)
