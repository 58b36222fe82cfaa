"""Files → sheets of cells, each cell traceable to its file, sheet and A1 reference.

Every file is read exactly once; its sha256 comes from the same bytes. What a file
is comes from its bytes, not its name: a zip or OLE file is a workbook (xlsx read
with python-calamine directly, 20× faster than openpyxl and "1.10" stays text;
LIBRARIES.md §1), anything else named .csv/.txt is a CSV table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from qualcert.errors import InputError, Location, Problem
from qualcert.ingest.encoding import decode
from qualcert.ingest.xlsx import Package, check_package, is_workbook

WORKBOOK_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls")  # .xls only to say "save it as .xlsx", never skipped
TEXT_SUFFIXES: Final = (".csv", ".txt", ".tsv")
FOLDER_SUFFIXES: Final = (*WORKBOOK_SUFFIXES, ".csv")
_DELIMITERS: Final = (",", "\t", ";")


def cell_ref(row: int, col: int) -> str:
    """A1 reference of a 0-based (row, col)."""
    return f"{column_letters(col)}{row + 1}"


def column_letters(col: int) -> str:
    """Letters of a 0-based column: 0 → A, 26 → AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Grid:
    """One sheet as rows of cell values as calamine gives them (or one CSV file as rows of text)."""

    file: str
    sheet: str | None  # None for CSV
    rows: Sequence[Sequence[Any]]
    package: Package | None = None  # the workbook, to look again at cells that read empty
    hidden: bool = False

    def where(self, row: int, col: int) -> Location:
        """Location of a 0-based (row, col) cell: file!sheet!B7, or file:row 7 for CSV."""
        if self.sheet is None:
            return Location(file=self.file, row=row + 1)
        return Location(file=self.file, sheet=self.sheet, cell=cell_ref(row, col))

    def blank_problem(self, row: int, col: int) -> Problem | None:
        """A problem when a cell that reads empty is not really empty (an unsaved formula, an error value)."""
        if self.package is None or self.sheet is None:
            return None
        found = self.package.blanks(self.sheet).get(cell_ref(row, col))
        return None if found is None else Problem(found[0], found[1], self.where(row, col))


@dataclass(frozen=True)
class SourceFile:
    path: str
    sha256: str
    kind: str  # csv | xlsx
    grids: list[Grid]  # the sheets of a workbook, in order
    frame: pd.DataFrame | None = None  # a CSV: every cell as text as written, header row included (row 0)
    encoding: str | None = None


def expand(paths: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """(files, folders without any): files as given; folders become the workbooks and CSVs inside them
    (recursively, sorted), without lock files (~$…) and hidden files or folders. A file named twice is read once."""
    files: list[Path] = []
    empty: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        found: list[str] = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            found += [
                os.path.join(folder, name)
                for name in names
                if not name.startswith(("~$", ".")) and os.path.splitext(name)[1].lower() in FOLDER_SUFFIXES
            ]
        files += map(Path, sorted(found))
        if not found:
            empty.append(path)
    if len(paths) == 1:
        return files, empty
    seen: set[Path] = set()
    unique = []
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, empty


def read_xlsx(data: bytes, file: str) -> list[Grid]:
    """The worksheets, every row from row 1 and column A (so indexes are A1 positions)."""
    check_package(data, file)
    package = Package(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [
            Grid(
                file,
                sheet.name,
                book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False),
                package,
                sheet.visible != SheetVisibleEnum.Visible,
            )
            for sheet in book.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]
    except (CalamineError, ValueError, KeyError, OSError) as exc:
        message = f"cannot read the workbook ({exc}); open it in Excel and save it again"
        raise InputError([Problem("corrupt-workbook", message, Location(file=file))]) from None


def read_csv_text(text: str, file: str) -> pd.DataFrame:
    """Every cell as text, as written (never NaN: 'N/A' must stay 'N/A'; readers normalise what they use).

    The delimiter is the one of comma, tab and semicolon that the first non-empty line uses most.
    Rows with more cells than the first are padded; a quote that never closes is a located problem.
    """
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    if not first:
        return pd.DataFrame()
    delimiter = max(_DELIMITERS, key=first.count)
    try:
        frame: pd.DataFrame = pd.read_csv(  # na_filter=False: every cell as text, missing ones "" (no NaN pass)
            io.StringIO(text), dtype=object, header=None, sep=delimiter, na_filter=False, skip_blank_lines=False
        )
        return frame
    except pd.errors.ParserError:  # ragged rows (a stray trailing comma): the csv module pads them
        pass
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        where = Location(file=file, line=reader.line_num)
        raise InputError([Problem("bad-csv", f"not a readable CSV table: {exc}", where)]) from None
    width = max(map(len, rows))
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


def read_source(path: Path, *, encoding: str | None = None) -> SourceFile:
    """Read a workbook or CSV file once (its sha256 from the same bytes)."""
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem("not-found", "no such file", Location(file=file))]) from None
    except IsADirectoryError:
        raise InputError([Problem("not-found", "a folder, not a file", Location(file=file))]) from None
    except OSError as exc:
        raise InputError([Problem("unreadable", f"cannot read: {exc.strerror}", Location(file=file))]) from None
    digest = hashlib.sha256(data).hexdigest()
    if is_workbook(data):
        return SourceFile(file, digest, "xlsx", read_xlsx(data, file))
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        message = "not an Excel workbook, although named like one; send the .xlsx file itself"
        raise InputError([Problem("not-a-spreadsheet", message, Location(file=file))])
    if path.suffix.lower() not in TEXT_SUFFIXES:
        message = "not a spreadsheet: expected an .xlsx workbook or a .csv table"
        raise InputError([Problem("not-a-spreadsheet", message, Location(file=file))])
    used, text = decode(data, file, encoding)
    return SourceFile(file, digest, "csv", [], read_csv_text(text, file), used)
