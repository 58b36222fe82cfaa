"""Files → grids of normalised cell text, each cell traceable to its file, sheet and A1 reference.

xlsx files are read with python-calamine directly (20× faster than openpyxl, and
it keeps text like "1.10" as text; LIBRARIES.md §1). Before parsing, the zip is
checked: a password-protected workbook, a non-zip file or a decompression bomb
is a located problem, never a crash.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from qualcert.errors import InputError, Location, Problem
from qualcert.ingest.encoding import decode
from qualcert.scoring.fractions import normalise_text

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".csv", ".txt", *SPREADSHEET_SUFFIXES)
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # bytes inside one workbook
MAX_RATIO = 200  # uncompressed / compressed, per member
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass(frozen=True)
class Grid:
    """One sheet (or CSV file) as rows of normalised text."""

    file: str
    sheet: str | None  # None for CSV
    rows: list[list[str]]

    def where(self, row: int, col: int) -> Location:
        """Location of a 0-based (row, col) cell: file!sheet!B7, or file:row 7 for CSV."""
        if self.sheet is None:
            return Location(file=self.file, row=row + 1)
        return Location(file=self.file, sheet=self.sheet, cell=cell_ref(row, col))


@dataclass(frozen=True)
class SourceFile:
    path: str
    sha256: str
    kind: str  # csv | xlsx
    grids: list[Grid]  # the sheets of a workbook
    frame: pd.DataFrame | None = None  # a CSV: every cell as normalised text, header row included (row 0)
    encoding: str | None = None


def cell_ref(row: int, col: int) -> str:
    """A1 reference of a 0-based (row, col)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def expand(paths: list[str | Path]) -> list[Path]:
    """Files as given; folders become the spreadsheets and CSVs inside them (sorted, no lock/hidden files)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith(("~$", "."))
            )
        else:
            files.append(path)
    return files


def _check_zip(data: bytes, file: str) -> None:
    where = Location(file=file)
    if data.startswith(OLE_MAGIC):
        raise InputError(
            [
                Problem(
                    "encrypted-or-xls",
                    "this is a password-protected workbook or an old .xls file; save it as an unprotected .xlsx",
                    where,
                )
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise InputError(
            [Problem("not-xlsx", "not an .xlsx workbook (the file is not a zip archive)", where)]
        ) from None
    total = sum(m.file_size for m in members)
    worst = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > MAX_UNCOMPRESSED or worst > MAX_RATIO:
        raise InputError(
            [
                Problem(
                    "zip-bomb",
                    f"refused: the workbook expands to {total // 2**20} MB "
                    f"(ratio {worst:.0f}:1), beyond the safe limit",
                    where,
                )
            ]
        )


def read_xlsx(data: bytes, file: str) -> list[Grid]:
    _check_zip(data, file)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            grids.append(Grid(file, name, [[normalise_text(v) for v in row] for row in rows]))
    except (CalamineError, ValueError, KeyError) as exc:
        raise InputError([Problem("corrupt-xlsx", f"cannot read the workbook: {exc}", Location(file=file))]) from None
    return grids


def read_csv_text(text: str) -> pd.DataFrame:
    """Every cell as text (never NaN: 'N/A' must stay 'N/A'), NFKC-normalised and trimmed."""
    if not text.strip():
        return pd.DataFrame()
    frame = pd.read_csv(io.StringIO(text), dtype=str, header=None, keep_default_na=False, skip_blank_lines=False)
    normalised: pd.DataFrame = frame.apply(lambda col: col.str.normalize("NFKC").str.strip())
    return normalised


def read_source(path: Path, *, encoding: str | None = None) -> SourceFile:
    """Read a CSV or xlsx file once (its sha256 from the same bytes)."""
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem("not-found", "no such file", Location(file=file))]) from None
    except OSError as exc:
        raise InputError([Problem("unreadable", f"cannot read: {exc.strerror}", Location(file=file))]) from None
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return SourceFile(file, digest, "xlsx", read_xlsx(data, file))
    if path.suffix.lower() in (".csv", ".txt"):
        used, text = decode(data, file, encoding)
        try:
            frame = read_csv_text(text)
        except (pd.errors.ParserError, csv.Error) as exc:
            raise InputError([Problem("bad-csv", f"not a readable CSV table: {exc}", Location(file=file))]) from None
        return SourceFile(file, digest, "csv", [], frame, used)
    raise InputError([Problem("file-type", "expected a .csv or .xlsx file", Location(file=file))])
