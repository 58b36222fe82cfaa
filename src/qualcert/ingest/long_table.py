"""Long tables (one row per score) → raw score rows, as text, each with the place it came from.

The header row is found by its labels (English or Korean, see :mod:`.columns`),
not by position, so title rows above it and columns in any order are fine. A row
whose score cell is empty is "not scored yet" and yields nothing (the scoring
engine reports missing scores as incomplete); a row with a score and an empty
institution, reviewer, stage or indicator cell is kept, and validation names
the empty cell. Template sheets (:mod:`.templates`) have the same table body,
with institution, reviewer and stage taken from labelled cells instead of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from typing import Any, Final

import numpy as np
import pandas as pd

from qualcert.errors import Location, Problem
from qualcert.ingest.columns import (
    COMMENT,
    INDICATOR,
    KEY_FIELDS,
    REQUIRED_FIELDS,
    SCORE,
    SCORE_FIELDS,
    canonical,
    described,
    header_key,
)
from qualcert.ingest.sources import Grid, SourceFile, column_letters
from qualcert.scoring.fractions import normalise_text, normalise_texts

HEADER_SCAN: Final = 100  # rows searched for the header (reviewers insert rows above it)
ORIGIN: Final = "origin"  # raw column: index of the row's Origin
ROW: Final = "row"  # raw column: 1-based row in the sheet or CSV (the header is a row too)


@dataclass(frozen=True)
class Header:
    row: int  # 0-based
    columns: dict[str, int]  # field → 0-based column
    duplicates: dict[str, list[str]]  # field → the header texts of the columns that all claim it


@lru_cache(maxsize=8192)
def header_cell(text: str) -> tuple[str | None, bool]:
    """(field a header cell names, whether it is the contract's own label rather than an alias)."""
    field = canonical(text)
    return field, field is not None and header_key(text) == field


def _fields(row: Sequence[Any]) -> Header:
    """The fields a row names. The contract's own label beats an alias (``score`` over ``점수``) and the first
    comment-like column is the comment; two columns claiming any other field are a duplicate."""
    columns: dict[str, int] = {}
    literal: set[str] = set()
    duplicates: dict[str, list[str]] = {}
    for c, value in enumerate(row):
        if type(value) is not str or not value:
            continue
        field, exact = header_cell(value)
        if field is None or field in literal:
            continue
        if field in columns and not exact and field != COMMENT:
            duplicates.setdefault(field, [normalise_text(row[columns[field]])]).append(normalise_text(value))
        if field not in columns or exact:
            columns[field] = c
        if exact:
            literal.add(field)
            duplicates.pop(field, None)
    return Header(-1, columns, duplicates)


def find_header(rows: Sequence[Sequence[Any]], naming: Sequence[str] = (INDICATOR, SCORE)) -> Header | None:
    """The table's header: the first row naming every field of ``naming``, or the last of consecutive such
    rows (a template has Korean labels over the English ones; the English row then wins)."""
    found: Header | None = None
    for r, row in enumerate(rows[:HEADER_SCAN]):
        named = {header_cell(value)[0] for value in filter(None, row) if type(value) is str}  # no empty cells
        if named.issuperset(naming):  # the full look (aliases, duplicates) only at a header
            fields = _fields(row)
            found = Header(r, fields.columns, fields.duplicates)
        elif found is not None:
            break
    return found


@dataclass(frozen=True)
class Origin:
    """Where the rows of one table come from: columns by field, and labelled cells (templates)."""

    file: str
    sheet: str | None  # None for CSV
    columns: Mapping[str, int]
    labels: Mapping[str, str]  # field → A1 reference of its value cell

    def where(self, field: str, row: int) -> Location:
        """The cell holding ``field`` on 1-based ``row`` (the score cell for a field the table lacks)."""
        if self.sheet is None:
            return Location(file=self.file, row=row)
        if field in self.labels:
            return Location(file=self.file, sheet=self.sheet, cell=self.labels[field])
        column = self.columns.get(field, self.columns[SCORE])
        return Location(file=self.file, sheet=self.sheet, cell=f"{column_letters(column)}{row}")

    @property
    def score_letters(self) -> str:
        """Letters of the score column on a sheet ("" for CSV)."""
        return "" if self.sheet is None else column_letters(self.columns[SCORE])


class RawRows:
    """Every file's score rows as text, gathered in lists and made one DataFrame at the end
    (a DataFrame per small workbook would cost more than reading it)."""

    def __init__(self) -> None:
        self.origins: list[Origin] = []
        self.problems: list[Problem] = []
        self._lists: dict[str, list[Any]] = {c: [] for c in (*SCORE_FIELDS, ORIGIN, ROW)}
        self._frames: list[pd.DataFrame] = []

    def add_origin(self, origin: Origin) -> int:
        self.origins.append(origin)
        return len(self.origins) - 1

    def extend(self, columns: Mapping[str, Sequence[Any]]) -> None:
        for name, values in columns.items():
            self._lists[name].extend(values)

    def add_frame(self, frame: pd.DataFrame) -> None:
        self._frames.append(frame)

    def absorb(self, other: RawRows) -> None:
        """Append ``other``'s origins, problems and rows (its origin numbers shift past ours)."""
        offset = len(self.origins)
        self.origins += other.origins
        self.problems += other.problems
        for name, values in other._lists.items():
            self._lists[name].extend([v + offset for v in values] if name == ORIGIN and offset else values)
        for frame in other._frames:
            self._frames.append(frame.assign(**{ORIGIN: frame[ORIGIN] + offset}) if offset else frame)

    def frame(self) -> pd.DataFrame:
        """All rows: text columns as Python strings (object), origin and row as int64."""
        frames = [*self._frames, pd.DataFrame(self._lists, dtype=object)]
        whole = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return whole.astype({ORIGIN: "int64", ROW: "int64"})

    def where(self, origin: int, field: str, row: int) -> Location:
        return self.origins[origin].where(field, row)


def missing_columns(
    header: Sequence[Any],
    missing: Sequence[str],
    where: Location,
    *,
    code: str = "missing-columns",
    expected: Sequence[str] = SCORE_FIELDS,
) -> Problem:
    found = ", ".join(text for text in map(normalise_text, header) if text) or "nothing"
    return Problem(
        code,
        f"the header row has no {', '.join(map(described, missing))} column (found: {found}); "
        f"expected {', '.join(map(described, expected))}",
        where,
    )


def duplicate_columns(
    duplicates: Mapping[str, Sequence[str]], where: Location, code: str = "duplicate-columns"
) -> Problem:
    claims = "; ".join(f"{', '.join(texts)} all mean {described(f)}" for f, texts in duplicates.items())
    return Problem(code, f"the header row is ambiguous: {claims}; rename or remove the extra columns", where)


class Coded:
    """A column as integer codes into its distinct values: work on the values is done once per distinct value
    (a column repeats a few ids and labels)."""

    def __init__(self, codes: np.ndarray, uniques: Sequence[Any]) -> None:
        self.codes, self.uniques = codes, list(uniques)

    @classmethod
    def of(cls, values: np.ndarray) -> Coded:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return cls(codes.astype(np.int64), list(uniques))

    def map(self, function: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """``function`` of each row's value."""
        mapped: np.ndarray = np.array([function(v) for v in self.uniques], dtype=dtype)[self.codes]
        return mapped

    def derived(self, function: Callable[[Any], Any]) -> Coded:
        """The column of ``function`` of each row's value, coded (computed on the distinct values only)."""
        inner = Coded.of(np.array([function(v) for v in self.uniques], dtype=object))
        return Coded(inner.codes[self.codes], inner.uniques)


def read_csv(source: SourceFile, raw: RawRows) -> int:
    """A long CSV table → raw rows (vectorised: a million rows take a few passes). Returns the row count."""
    frame = source.frame if source.frame is not None else pd.DataFrame()
    top = frame.head(HEADER_SCAN).to_numpy().tolist()
    header = find_header(top)
    first = next((r for r, row in enumerate(top) if any(row)), 0)
    if header is None or any(f not in header.columns for f in REQUIRED_FIELDS):
        row = top[first] if top else []
        missing = [f for f in REQUIRED_FIELDS if header is None or f not in header.columns]
        raw.problems.append(missing_columns(row, missing, Location(file=source.path, row=first + 1)))
        return 0
    where = Location(file=source.path, row=header.row + 1)
    if header.duplicates:
        raw.problems.append(duplicate_columns(header.duplicates, where))
        return 0
    origin = raw.add_origin(Origin(source.path, None, header.columns, {}))
    body = frame.iloc[header.row + 1 :]
    text = {
        f: Coded.of(body.iloc[:, c].to_numpy()).map(normalise_text)
        for f, c in header.columns.items()
        if f in SCORE_FIELDS
    }
    scored = text[SCORE] != ""
    if COMMENT in text:
        for i in np.flatnonzero(~scored & (text[COMMENT] != "")).tolist():
            raw.problems.append(_comment_only(Location(file=source.path, row=header.row + 2 + i)))
    count = int(scored.sum())
    columns = {f: text[f][scored] if f in text else np.full(count, "", dtype=object) for f in SCORE_FIELDS}
    columns[ORIGIN] = np.full(count, origin)
    columns[ROW] = np.flatnonzero(scored) + header.row + 2
    raw.add_frame(pd.DataFrame(columns))
    return count


def _comment_only(where: Location) -> Problem:
    return Problem("comment-without-score", "a comment but no score; the row counts as not scored", where, "warning")


def read_rows(grid: Grid, header: Header, labels: Mapping[str, tuple[int, int]], raw: RawRows) -> int:
    """The body of a table on a sheet → raw rows. ``labels``: fields taken from labelled cells (row, col)
    instead of columns (templates). Returns the number of scored rows."""
    rows = grid.rows
    constants: dict[str, str] = {}
    for field, (r, c) in labels.items():
        value = normalise_text(rows[r][c]) if c < len(rows[r]) else ""
        blank = None if value else grid.blank_problem(r, c)
        if blank is not None:
            raw.problems.append(blank)
            return 0
        constants[field] = value
    origin = raw.add_origin(
        Origin(
            grid.file, grid.sheet, header.columns, {f: f"{column_letters(c)}{r + 1}" for f, (r, c) in labels.items()}
        )
    )
    cols = header.columns
    score_col, comment_col = cols[SCORE], cols.get(COMMENT, -1)
    fields = [f for f in (*KEY_FIELDS, INDICATOR) if f not in constants]  # the indicator last
    where = [cols[f] for f in fields]
    first = header.row + 1
    body = rows[first:]
    table = list(zip_longest(*body, fillvalue=""))  # columns, "" past the end of a shorter row

    def texts(col: int) -> list[str]:
        return normalise_texts(table[col]) if 0 <= col < len(table) else [""] * len(body)

    scores, comments = texts(score_col), texts(comment_col)
    keys = [texts(c) for c in where]
    headers = {s for s in set(scores) if s and header_cell(s)[0] == SCORE}
    kept: list[int] | range = range(len(body))
    if "" in scores or headers or any("" in column for column in keys):  # rows to skip or report, in row order
        kept = []
        for i, score in enumerate(scores):
            r = first + i
            if not score:
                blank = grid.blank_problem(r, score_col)
                if blank is not None:
                    raw.problems.append(blank)
                elif comments[i]:
                    raw.problems.append(_comment_only(grid.where(r, score_col)))
                continue
            values = [column[i] for column in keys]
            if score in headers and header_cell(values[-1])[0] == INDICATOR:
                continue  # the header again (English under Korean labels, apart since a reviewer inserted a row)
            if "" in values:
                blanks = [b for c, v in zip(where, values, strict=True) if not v and (b := grid.blank_problem(r, c))]
                if blanks:
                    raw.problems += blanks
                    continue
            kept.append(i)
        scores, comments = [scores[i] for i in kept], [comments[i] for i in kept]
        keys = [[column[i] for i in kept] for column in keys]
    count = len(kept)
    out: dict[str, Sequence[Any]] = dict(zip(fields, keys, strict=True))
    out |= {SCORE: scores, COMMENT: comments, ROW: list(map((first + 1).__add__, kept))}
    for f, value in constants.items():
        out[f] = [value] * count
    raw.extend(out | {ORIGIN: [origin] * count})
    return count
