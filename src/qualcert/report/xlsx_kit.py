"""Helpers of the result workbook: fonts and widths, column-level formats, and a table writer.

A :class:`Table` writes a styled header row, then typed rows (text through
:func:`~qualcert.report.csv_out.guard` and ``write_string``; numbers with
``write_number``), tracks display widths (Hangul counts 2), sets explicit heights
for wrapped rows, and finishes with column widths and formats, frozen panes, an
autofilter, borders and print setup.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qualcert.report.csv_out import FORMULA_STARTS

FONT: Final = "맑은 고딕"
MAX_WIDTH: Final = 50
LINE_HEIGHT: Final = 13.5  # points per line of 10-point text
DECISION_COLOURS: Final = {
    "certified": "#C6EFCE",
    "not_certified": "#FFC7CE",
    "ineligible": "#E4DFEC",
    "incomplete": "#FFEB9C",
    "graded": "#DDEBF7",
}
DECISION_FONTS: Final = {
    "certified": "#006100",
    "not_certified": "#9C0006",
    "ineligible": "#5B4A7A",
    "incomplete": "#7F6000",
    "graded": "#1F4E78",
}


class _WideOnly(dict[int, str | None]):
    """A ``str.translate`` table that keeps wide characters (east Asian width W or F) and drops the rest."""

    def __missing__(self, code: int) -> str | None:
        keep = chr(code) if unicodedata.east_asian_width(chr(code)) in "WF" else None
        self[code] = keep
        return keep


_WIDE_ONLY = _WideOnly()


def text_width(text: str) -> int:
    """Display width of one line: Hangul and other wide characters count 2 (xlsxwriter's autofit counts them 1)."""
    if text.isascii():
        return len(text)
    return len(text) + len(text.translate(_WIDE_ONLY))  # per character in C; each character classified once


def _lines_width(text: str) -> int:
    return max(text_width(line) for line in text.split("\n")) if "\n" in text else text_width(text)


class _LineCounts(dict[str, int]):
    """Lines that a line of text takes in a wrapped column ``width`` wide, counted once per distinct line.

    A little pessimistic: words do not split. Lines repeat in some columns (불일치's detail:
    a reviewer, a stage and a label) and not in others (sources), where the memo costs an entry.
    """

    def __init__(self, width: int) -> None:
        super().__init__()
        self.usable = max(width - 2, 4)  # the 2 of padding that Table adds to a text's width

    def __missing__(self, line: str) -> int:
        usable = self.usable
        count = self[line] = 1 if 2 * len(line) <= usable else max(1, math.ceil(text_width(line) / usable))
        return count

    def of(self, text: str) -> int:
        """Lines that ``text`` takes, its own lines each wrapped."""
        return sum(map(self.__getitem__, text.split("\n")))


def _header_width(text: str) -> int:
    """Width a wrapped header needs on two lines (at least its longest word)."""
    words = text.split()
    return max(max(map(text_width, words), default=0), math.ceil(text_width(text) / 2)) + 2


# ----------------------------------------------------------------------------------------------
# formats and tables


TEXT, NUMBER, DATE = "text", "number", "date"
Cell = str | int | float | Decimal | date | None
Written = tuple[int, Callable[[int, int, Any], object], str | float | datetime]  # column, a write_* method, value


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = TEXT
    fmt: str = "text"  # key of the column-level format
    max_width: int = MAX_WIDTH
    min_width: int = 6


class Styles:
    def __init__(self, book: Workbook, precision: int) -> None:
        base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "top"}
        number = "0" if precision == 0 else "0." + "0" * precision
        pct_places = max(precision, 4) - 2  # fractions are rounded like the JSON's, to max(precision, 4) places
        percent = "0%" if pct_places == 0 else "0." + "0" * pct_places + "%"
        normal = book.formats[0]  # the Normal style: cells without a format, empty cells and column widths
        normal.set_font_name(FONT)
        normal.set_font_size(10)
        normal.set_align("top")  # the base's alignment too, so that text columns need no format (below)

        def add(props: dict[str, Any]) -> Format:
            return book.add_format(base | props)

        # The column-level formats, applied by xlsxwriter to each cell written without one. Text is the
        # Normal style (None): its cells carry no style index, which is more than half of a national
        # workbook's million cells, and xlsxwriter writes each index through a caught TypeError.
        self.col: dict[str, Format | None] = {
            "text": None,
            "center": add({"align": "center"}),
            "wrap": add({"text_wrap": True}),
            "number": add({"num_format": number}),
            "margin": add({"num_format": f"{number};[Red]-{number}"}),
            "change": add({"num_format": f"+{number};[Red]-{number};{number}"}),
            "percent": add({"num_format": percent}),
            "int": add({"num_format": "0"}),
            "rank": add({"num_format": "0", "align": "center"}),
            "date": add({"num_format": "yyyy-mm-dd", "align": "left"}),
            "committee": add({"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF", "text_wrap": True}),
        }
        self.header = add(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E78",
                "border": 1,
                "border_color": "#FFFFFF",
                "text_wrap": True,
                "valign": "vcenter",
                "align": "center",
            }
        )
        group = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter"}
        self.group = add(group | {"text_wrap": True})
        self.title = add({"bold": True, "font_size": 14, "valign": "vcenter"})
        self.note = add({"font_color": "#404040"})
        self.note_wrap = add({"font_color": "#404040", "text_wrap": True, "valign": "vcenter"})
        self.label = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
        self.count = add({"border": 1, "align": "center", "num_format": "0"})
        self.link = add({"font_color": "#0563C1", "underline": 1, "align": "right"})
        self.key = add({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        # conditional formats: each carries the table's thin border, because LibreOffice applies only the first
        # matching rule of a cell (Excel combines them), and the border rule comes last
        line = {"border": 1, "border_color": "#A6A6A6"}

        def rule(props: dict[str, Any]) -> Format:
            return book.add_format(line | props)

        self.border = rule({})
        self.red = rule({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.flag = rule({"bg_color": "#FFF2CC"})
        self.grey = rule({"font_color": "#808080"})
        self.red_text = rule({"font_color": "#C00000", "bold": True})
        self.decision = {
            code: rule({"bg_color": colour, "font_color": DECISION_FONTS[code]})
            for code, colour in DECISION_COLOURS.items()
        }


class Table:
    """A header row, typed rows, widths tracked for text; then panes, filter, print setup.

    A row is written from :meth:`cells`: each value typed once (text guarded, its width
    noted; numbers as floats; dates as datetimes), with the worksheet method that writes
    it. :meth:`add` does both for one row; a sheet whose rows repeat parts (the same
    indicator result on many rows) prepares each part once and writes the rows with
    :meth:`add_cells`.
    """

    def __init__(self, ws: Worksheet, styles: Styles, columns: Sequence[Col], header_row: int = 0) -> None:
        self.ws, self.styles, self.columns = ws, styles, list(columns)
        self.header_row, self.row = header_row, header_row + 1
        self.kinds = [c.kind for c in self.columns]
        self.caps = [c.max_width for c in self.columns]
        self.wraps = [c.fmt == "wrap" and c.kind is TEXT for c in self.columns]
        self.wrapped = any(self.wraps)
        self.line_counts = [_LineCounts(c.max_width) for c in self.columns]
        self.blanks = [c for c, col in enumerate(self.columns) if col.fmt == "committee"]  # to be filled in by hand
        self.cache: dict[str, int] = {}  # widths of texts seen (names and labels repeat)
        self.widths = [max(c.min_width, _header_width(c.header)) for c in self.columns]
        self.write_date = partial(ws.write_datetime, cell_format=styles.col["date"])
        for c, col in enumerate(self.columns):
            ws.write_string(header_row, c, col.header, styles.header)
        ws.set_row(header_row, 30)

    def cells(self, values: Sequence[Cell], first: int = 0) -> list[Written]:
        """``values`` (from column ``first`` on) as cells to write, on one row or many.

        ``None`` and ``""`` are left out (the cell stays empty); a text that a spreadsheet
        would run as a formula gets a leading apostrophe (:func:`~qualcert.report.csv_out.guard`,
        inline: this runs for most of a million cells) and widens its column, up to the cap.
        """
        widths, caps, cache, kinds = self.widths, self.caps, self.cache, self.kinds
        write_string, write_number = self.ws.write_string, self.ws.write_number
        out: list[Written] = []
        for c, value in enumerate(values, start=first):
            if value is None:
                continue
            if kinds[c] is TEXT:
                text = value if type(value) is str else str(value)
                if not text:
                    continue
                if text.startswith(FORMULA_STARTS):
                    text = "'" + text
                out.append((c, write_string, text))
                if widths[c] < caps[c] and 2 * len(text) + 2 > widths[c]:  # a line is at most twice its length wide
                    width = cache.get(text)
                    if width is None:
                        width = cache[text] = _lines_width(text) + 2
                    widths[c] = max(widths[c], width)
            elif type(value) is float:
                out.append((c, write_number, value))
            elif isinstance(value, date):
                out.append((c, self.write_date, datetime(value.year, value.month, value.day)))
            else:
                out.append((c, write_number, float(value)))  # a Decimal becomes the double nearest to it: the JSON's
        return out

    def add(self, values: Sequence[Cell]) -> int:
        """Write one row; return its index. ``None`` and ``""`` leave the cell empty."""
        return self.add_cells(self.cells(values))

    def add_cells(self, cells: Sequence[Written]) -> int:
        """Write one row of :meth:`cells` (in column order); return its index."""
        r = self.row
        for c, write, value in cells:
            write(r, c, value)
        if self.blanks:  # a fill that marks the cells to fill in, on the table's rows only
            written = {c for c, _, _ in cells}
            for c in self.blanks:
                if c not in written:
                    self.ws.write_blank(r, c, None, self.styles.col["committee"])
        if self.wrapped:
            caps, wraps = self.caps, self.wraps
            lines = 1
            for c, _, text in cells:
                if wraps[c] and isinstance(text, str) and (2 * len(text) > caps[c] - 2 or "\n" in text):
                    lines = max(lines, self.line_counts[c].of(text))
            if lines > 1:  # LibreOffice does not fit row heights to wrapped text on opening; Excel may not either
                self.ws.set_row(r, LINE_HEIGHT * lines + 2)
        self.row += 1
        return r

    @property
    def last(self) -> int:
        """The last data row (the header row when there is none), for ranges."""
        return max(self.row - 1, self.header_row + 1)

    def finish(self, *, freeze_cols: int, title_rows: int | None = None) -> None:
        ws, styles = self.ws, self.styles
        for c, col in enumerate(self.columns):
            width = self.widths[c] if col.kind is TEXT else max(self.widths[c], 10)
            fmt = styles.col["text" if col.fmt == "committee" else col.fmt]
            ws.set_column(c, c, min(width, col.max_width), fmt)
        ws.freeze_panes(self.header_row + 1, freeze_cols)
        if self.row > self.header_row + 1:  # thin borders on the table's cells (gridlines are not printed)
            rule = {"type": "formula", "criteria": "=TRUE", "format": styles.border}
            ws.conditional_format(self.header_row + 1, 0, self.row - 1, len(self.columns) - 1, rule)
        ws.autofilter(self.header_row, 0, max(self.row - 1, self.header_row), len(self.columns) - 1)
        print_setup(ws, first_row=title_rows if title_rows is not None else self.header_row, last_row=self.header_row)


def print_setup(ws: Worksheet, *, first_row: int, last_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(first_row, last_row)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&L&A&R&P / &N")
    ws.hide_gridlines(1)  # gridlines on screen only; tables draw their own borders


def cond(ws: Worksheet, first: int, last: int, col: int, options: dict[str, Any], last_col: int | None = None) -> None:
    ws.conditional_format(first, col, last, col if last_col is None else last_col, options)


def letters(col: int) -> str:
    """The column's letters (0 → A)."""
    return str(xl_col_to_name(col))


def below(column: str, first: int, minimum: float, fmt: Format) -> dict[str, Any]:
    """A rule for numbers below ``minimum`` that leaves empty cells alone."""
    cell = f"${column}{first + 1}"
    return {"type": "formula", "criteria": f"=AND(ISNUMBER({cell}),{cell}<{minimum})", "format": fmt}
