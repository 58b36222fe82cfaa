"""Sheets and CSV tables → raw score rows (text) with provenance, before any rubric check.

Two shapes are read (DESIGN.md, Reviewer input):

* a long table: a header row naming the columns (English or Korean), one row per score;
* a template workbook (``qualcert template``): cells labelled ``institution_id``,
  ``reviewer_id`` and ``stage`` in column A with their values in column B, and a
  table whose header row holds ``indicator_id`` and ``score``. Both are found by
  their labels, so inserted rows and reordered columns do not matter.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from qualcert.errors import Location, Problem
from qualcert.ingest.columns import REQUIRED_SCORE_COLUMNS, SCORE_COLUMNS, canonical
from qualcert.ingest.sources import Grid, cell_ref

RAW_COLUMNS: Final = (*SCORE_COLUMNS, "file", "sheet", "cell", "row")
HEADER_KEYS: Final = ("institution_id", "reviewer_id", "stage")
LABEL_SCAN_ROWS: Final = 30


Records = dict[str, list[object]]


def new_records() -> Records:
    return {c: [] for c in RAW_COLUMNS}


def to_frame(records: Records) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(RAW_COLUMNS))
    return frame.astype({c: "str" for c in RAW_COLUMNS if c != "row"} | {"row": "int64"})


def empty_raw() -> pd.DataFrame:
    return to_frame(new_records())


def long_table(cells: pd.DataFrame, file: str, sheet: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    """A long table whose first non-empty row is the header (all cells text)."""
    if cells.empty:
        return empty_raw(), [Problem("empty-table", "the table is empty", Location(file=file, sheet=sheet))]
    filled = (cells != "").any(axis=1).to_numpy()
    if not filled.any():
        return empty_raw(), [Problem("empty-table", "the table is empty", Location(file=file, sheet=sheet))]
    head = int(np.argmax(filled))
    names = {i: canonical(str(v)) for i, v in enumerate(cells.iloc[head].tolist())}
    where = Location(file=file, sheet=sheet, cell=None if sheet is None else f"row {head + 1}", row=head + 1)
    missing = [c for c in REQUIRED_SCORE_COLUMNS if c not in names.values()]
    if missing:
        found = ", ".join(str(v) for v in cells.iloc[head].tolist() if str(v))
        return empty_raw(), [
            Problem(
                "missing-columns",
                f"the header row lacks {', '.join(missing)} "
                f"(found: {found}); Korean headers 기관코드, 심사위원, 단계, 지표, 점수, 의견 work too",
                where,
            )
        ]
    dupes = sorted({c for c in names.values() if c and list(names.values()).count(c) > 1})
    if dupes:
        return empty_raw(), [Problem("duplicate-columns", f"two columns mean {', '.join(dupes)}", where)]
    body = cells.iloc[head + 1 :]
    body = body[(body != "").any(axis=1)]
    column_of = {name: i for i, name in names.items() if name}
    records: dict[str, list[object]] = {
        c: body.iloc[:, column_of[c]].tolist() if c in column_of else [""] * len(body) for c in SCORE_COLUMNS
    }
    index = body.index.to_numpy()
    records["file"] = [file] * len(body)
    records["sheet"] = [sheet or ""] * len(body)
    score_col = column_of["score"]
    records["cell"] = [cell_ref(int(r), score_col) for r in index] if sheet is not None else [""] * len(body)
    records["row"] = (index + 1).tolist()
    return to_frame(records), []


def _labels(grid: Grid) -> dict[str, tuple[str, Location]]:
    """Values of the labelled cells (label in column A, value in B) in the first rows."""
    found: dict[str, tuple[str, Location]] = {}
    for r, row in enumerate(grid.rows[:LABEL_SCAN_ROWS]):
        if len(row) >= 2 and row[0]:
            key = canonical(row[0])
            if key in HEADER_KEYS and key not in found:
                found[key] = (row[1], grid.where(r, 1))
    return found


def _header_row(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """The table's header row: the one with the contract's literal labels, else the first with aliases."""
    first = None
    for r, row in enumerate(grid.rows):
        names: dict[str, int] = {}
        for c, v in enumerate(row):
            key = canonical(v) if v else None
            if key is not None and (key not in names or v == key):  # a literal label beats an alias
                names[key] = c
        if "indicator_id" in names and "score" in names:
            if {"indicator_id", "score"} <= set(row):
                return r, names
            first = first or (r, names)
    return first


Template = tuple[dict[str, tuple[str, Location]], int, dict[str, int]]


def find_template(grid: Grid) -> Template | None:
    """(labelled cells, header row, column of each header) when the sheet is a template, else None."""
    labels = _labels(grid)
    header = _header_row(grid) if labels else None
    return None if header is None else (labels, *header)


def template_rows(grid: Grid, template: Template, records: Records) -> list[Problem]:
    """Append the scores of one template sheet to ``records``; an empty score cell means 'not scored yet'."""
    labels, head, columns = template
    problems = [
        Problem(
            "missing-label",
            f"the template has no {key} cell (label in column A, value in column B)",
            Location(file=grid.file, sheet=grid.sheet),
        )
        for key in HEADER_KEYS
        if key not in labels
    ]
    problems += [
        Problem("empty-label", f"{key} is empty", where) for key, (value, where) in labels.items() if not value
    ]
    if problems:
        return problems
    ind_col, score_col, comment_col = columns["indicator_id"], columns["score"], columns.get("comment")
    institution, reviewer, stage = (labels[key][0] for key in HEADER_KEYS)
    for r in range(head + 1, len(grid.rows)):
        row = grid.rows[r]
        indicator = row[ind_col] if ind_col < len(row) else ""
        score = row[score_col] if score_col < len(row) else ""
        comment = row[comment_col] if comment_col is not None and comment_col < len(row) else ""
        if canonical(indicator) == "indicator_id" and canonical(score) == "score":
            continue  # a second header row (Korean labels above English ones)
        if not score:  # not scored yet, or a note/blank row a reviewer inserted
            if comment:
                problems.append(
                    Problem(
                        "comment-without-score",
                        f"a comment but no score for indicator {indicator or '?'}; the comment is not used",
                        grid.where(r, score_col),
                        "warning",
                    )
                )
            continue
        for key, value in (
            ("institution_id", institution),
            ("reviewer_id", reviewer),
            ("stage", stage),
            ("indicator_id", indicator),
            ("score", score),
            ("comment", comment),
            ("file", grid.file),
            ("sheet", grid.sheet or ""),
            ("cell", cell_ref(r, score_col)),
            ("row", r + 1),
        ):
            records[key].append(value)
    return problems
