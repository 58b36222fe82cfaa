"""Workbooks → raw score rows: template sheets and long tables, told apart sheet by sheet.

A template sheet (``qualcert template``) names its institution, reviewer and stage
in labelled cells (label ``institution_id`` in column A, its value in B; Korean
labels such as 기관코드 work too) above a table whose header row holds
``indicator_id`` and ``score``. Everything is found by its label, so a reviewer who
inserts rows or moves columns does not break it. A sheet whose header row itself
has institution, reviewer and stage columns is a long table. A workbook may hold
several such sheets (one per institution, ``qualcert template --per-reviewer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from qualcert.errors import Location, Problem
from qualcert.ingest.columns import KEY_FIELDS, canonical, described
from qualcert.ingest.long_table import (
    HEADER_SCAN,
    Header,
    RawRows,
    duplicate_columns,
    find_header,
    missing_columns,
    read_rows,
)
from qualcert.ingest.sources import Grid, SourceFile

WorkbookKind = Literal["template", "long-xlsx"]
TEMPLATE: Final = "template"
LONG_XLSX: Final = "long-xlsx"


def find_labels(rows: Sequence[Sequence[Any]], wanted: Sequence[str]) -> dict[str, tuple[int, int]]:
    """The value cell (row, col) of each wanted label: the cell right of the label, first found wins."""
    found: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            field = canonical(value) if type(value) is str and value else None
            if field is not None and field in wanted and field not in found:
                found[field] = (r, c + 1)
    return found


def _read_sheet(grid: Grid, header: Header, raw: RawRows) -> tuple[WorkbookKind, int]:
    """(kind, rows read) of one sheet that has a score table."""
    header_where = Location(file=grid.file, sheet=grid.sheet, row=header.row + 1)
    if header.duplicates:
        raw.problems.append(duplicate_columns(header.duplicates, header_where))
        return LONG_XLSX, 0
    wanted = [f for f in KEY_FIELDS if f not in header.columns]
    labels = find_labels(grid.rows[: header.row], wanted)
    if not labels:
        if wanted:
            raw.problems.append(missing_columns(grid.rows[header.row], wanted, header_where))
            return LONG_XLSX, 0
        return LONG_XLSX, read_rows(grid, header, {}, raw)
    missing = [f for f in wanted if f not in labels]
    if missing:
        raw.problems += [
            Problem(
                "missing-label",
                f"the template has no {described(f)} cell above the table "
                f"(the label {f} in column A and its value in column B)",
                Location(file=grid.file, sheet=grid.sheet),
            )
            for f in missing
        ]
        return TEMPLATE, 0
    return TEMPLATE, read_rows(grid, header, labels, raw)


def read_workbook(source: SourceFile, raw: RawRows, sheet: str | None = None) -> tuple[WorkbookKind, int]:
    """(kind, rows read) of a workbook: every sheet with a score table, or only ``sheet``."""
    grids = source.grids
    if sheet is not None:
        grids = [g for g in grids if g.sheet == sheet]
        if not grids:
            names = ", ".join(str(g.sheet) for g in source.grids)
            raw.problems.append(
                Problem("no-sheet", f"no sheet named {sheet!r} (sheets: {names})", Location(file=source.path))
            )
            return LONG_XLSX, 0
    kinds: list[WorkbookKind] = []
    count = 0
    ignored: list[Grid] = []
    for grid in grids:
        header = find_header(grid.rows)
        if header is None:
            ignored.append(grid)
            continue
        kind, rows = _read_sheet(grid, header, raw)
        kinds.append(kind)
        count += rows
    if not kinds:
        where = Location(file=source.path, sheet=sheet)
        message = (
            f"no score table: no sheet has a header row with indicator_id and score (지표, 점수) "
            f"in its first {HEADER_SCAN} rows"
        )
        raw.problems.append(Problem("no-score-table", message, where))
        return LONG_XLSX, 0
    for grid in ignored:
        if not grid.hidden and any(v != "" for row in grid.rows for v in row):
            raw.problems.append(
                Problem(
                    "sheet-ignored",
                    "this sheet has no indicator_id/score header row; it was not read",
                    Location(file=grid.file, sheet=grid.sheet),
                    "warning",
                )
            )
    return (TEMPLATE if TEMPLATE in kinds else LONG_XLSX), count
