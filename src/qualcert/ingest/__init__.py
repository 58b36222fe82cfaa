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

import pandas as pd

from qualcert.errors import Location, Problem, SheetError
from qualcert.ingest.long_table import RawRows
from qualcert.ingest.reading import InputFile, Progress, read_files
from qualcert.ingest.roster import Institution, Roster, read_roster
from qualcert.ingest.sources import expand
from qualcert.ingest.validate import check_roster, validate_scores
from qualcert.rubric import Rubric

__all__ = ["InputFile", "Institution", "Roster", "ScoreInput", "check_roster", "load_scores", "read_roster"]


@dataclass(frozen=True)
class ScoreInput:
    table: pd.DataFrame  # qualcert.scoretable columns
    warnings: list[Problem]
    files: list[InputFile]


def _read(
    paths: Sequence[str | Path],
    raw: RawRows,
    *,
    encoding: str | None,
    sheet: str | None,
    workers: int | None,
    progress: Progress | None,
) -> list[InputFile]:
    files: list[InputFile] = []
    first_of: dict[str, str] = {}
    expanded, empty = expand(paths)
    raw.problems += [
        Problem("no-input", "no .xlsx or .csv file in this folder", Location(file=str(folder))) for folder in empty
    ]
    if not paths:
        raw.problems.append(Problem("no-input", "no score files given", Location()))
    for file, rows in read_files(expanded, encoding=encoding, sheet=sheet, workers=workers, progress=progress):
        if file is not None and file.sha256 in first_of:
            message = f"the same content as {first_of[file.sha256]}; read once"
            raw.problems.append(Problem("duplicate-file", message, Location(file=file.path), "warning"))
            continue
        raw.absorb(rows)
        if file is not None:
            first_of[file.sha256] = file.path
            files.append(file)
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
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScoreInput:
    """Read and validate score files (folders expand to the files inside) against the rubric and roster.

    ``workers``: processes reading files (default :func:`~qualcert.ingest.reading.default_workers`;
    used only for many files); ``progress(done, total)`` is called after each file is read.
    Raises SheetError listing every problem (warnings included) when any is an error.
    """
    raw = RawRows()
    files = _read(paths, raw, encoding=encoding, sheet=sheet, workers=workers, progress=progress)
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
