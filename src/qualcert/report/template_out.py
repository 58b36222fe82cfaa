"""Reviewer template workbooks: a sheet a reviewer cannot fill wrongly.

Labelled cells (``institution_id``, ``reviewer_id``, ``stage`` in column A, values in
column B) and read-only information rows, then a table whose header row holds
``indicator_id`` and ``score`` with Korean labels above it. Each score cell has a
drop-down of its indicator's valid values (N/A only where the rubric allows it) and
an input message listing them; only score and comment cells are unlocked, and the
sheet is protected without a password so that nobody breaks its structure by
accident. The reader (:mod:`qualcert.ingest.templates`) finds everything by its label.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

from qualcert.errors import Location, OutputError, Problem
from qualcert.report.workbook import FONT, text_width
from qualcert.rubric import Rubric, Stage, name_text
from qualcert.rubric.model import STAGE_NAMES
from qualcert.scoring.fractions import IndicatorScale, scales_for

COLUMNS: Final = ("domain", "item", "indicator_id", "indicator_name", "points", "score", "comment")
KOREAN: Final = ("영역", "항목", "지표", "지표명", "배점", "점수", "의견")
SCORE_COL: Final = COLUMNS.index("score")
COMMENT_COL: Final = COLUMNS.index("comment")
MAX_WIDTH: Final = 48
LINE_HEIGHT: Final = 15  # points per line of 10-point 맑은 고딕
LISTS_SHEET: Final = "_lists"  # hidden: drop-down values that do not fit an inline list
_BAD_TITLE: Final = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Sheet:
    institution_id: str
    name: str
    service_type: str | None
    reviewer_id: str
    stage: Stage
    scores: Mapping[str, str] = field(default_factory=dict)  # prefilled (a sheet sent back for correction)


def _formats(book: Workbook) -> dict[str, Format]:
    base: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
    box = base | {"border": 1, "border_color": "#A6A6A6"}
    return {
        "title": book.add_format(base | {"bold": True, "font_size": 14}),
        "note": book.add_format(base | {"font_color": "#595959"}),
        "label": book.add_format(box | {"bold": True, "bg_color": "#D9E1F2"}),
        "value": book.add_format(box | {"bold": True}),
        "info": book.add_format(box | {"font_color": "#404040"}),
        "ko": book.add_format(box | {"bold": True, "bg_color": "#D9E1F2", "align": "center"}),
        "header": book.add_format(
            box | {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "align": "center"}
        ),
        "cell": book.add_format(box | {"text_wrap": True}),
        "center": book.add_format(box | {"align": "center"}),
        "input": book.add_format(box | {"bg_color": "#FFF2CC", "locked": False, "align": "center", "bold": True}),
        "comment": book.add_format(box | {"bg_color": "#FFF2CC", "locked": False, "text_wrap": True}),
    }


class _Lists:
    """The rubric's scales, and their drop-down sources: an inline list when Excel allows one (≤ 255 characters,
    no commas), else a range on a hidden sheet added after the others (many steps, a label with a comma)."""

    def __init__(self, rubric: Rubric) -> None:
        self.scales = scales_for(rubric)
        self.ranges: dict[tuple[str, ...], str] = {}

    def source(self, values: Sequence[str]) -> list[str] | str:
        if len(",".join(values)) <= 255 and not any("," in v or '"' in v for v in values):
            return list(values)
        key = tuple(values)
        if key not in self.ranges:
            letters = xl_col_to_name(len(self.ranges))
            self.ranges[key] = f"='{LISTS_SHEET}'!${letters}$1:${letters}${len(values)}"
        return self.ranges[key]

    def write(self, book: Workbook) -> None:
        if not self.ranges:
            return
        ws = book.add_worksheet(LISTS_SHEET)
        for col, values in enumerate(self.ranges):
            for row, value in enumerate(values):
                ws.write_string(row, col, value)
        ws.hide()
        ws.protect()


def _lines(text: str, width: float) -> int:
    return max(1, math.ceil(text_width(text) / max(width - 2, 1)))


def _validation(scale: IndicatorScale, lists: _Lists) -> dict[str, Any]:
    values = scale.values()
    listed = ", ".join(values)
    return {
        "validate": "list",
        "source": lists.source(values),
        "input_title": "점수를 고르세요 (score)",
        "input_message": (listed if len(listed) <= 250 else listed[:248] + " …"),
        "error_title": "허용되지 않는 값 (invalid)",
        "error_message": f"{scale.indicator_id}: {scale.describe()}"[:255],
    }


def _add_sheet(
    book: Workbook, fmt: Mapping[str, Format], lists: _Lists, rubric: Rubric, sheet: Sheet, title: str
) -> None:
    ws = book.add_worksheet(title)
    scales = lists.scales
    stage_ko = STAGE_NAMES[sheet.stage]["ko"]
    ws.write_string(0, 0, f"{name_text(rubric.title)} — {stage_ko}심사 평가표", fmt["title"])
    ws.write_string(
        1,
        0,
        "노란 칸에 점수를 목록에서 고르고 의견을 적어 주세요. Pick each score from the list in the yellow cells.",
        fmt["note"],
    )
    labels = [  # (label in A, value in B, Korean label in C, the value's format)
        ("institution_id", sheet.institution_id, "기관코드", "value"),
        ("reviewer_id", sheet.reviewer_id, "심사위원", "value"),
        ("stage", sheet.stage, f"심사단계 ({stage_ko})", "value"),
        ("institution_name", sheet.name, "기관명", "info"),
        ("service_type", sheet.service_type or "", "서비스유형", "info"),
        ("rubric", f"{rubric.id} v{rubric.version}", "심사기준", "info"),
    ]
    for r, (label, value, korean, style) in enumerate(labels, start=3):
        ws.write_string(r, 0, label, fmt["label"])
        ws.write_string(r, 1, value, fmt[style])
        ws.write_string(r, 2, korean, fmt["info"])
    head = 3 + len(labels) + 1
    for c, (ko, en) in enumerate(zip(KOREAN, COLUMNS, strict=True)):
        ws.write_string(head, c, ko, fmt["ko"])
        ws.write_string(head + 1, c, en, fmt["header"])
    widths = [float(max(text_width(ko), text_width(en)) + 2) for ko, en in zip(KOREAN, COLUMNS, strict=True)]
    widths[0] = max(widths[0], max(text_width(label) for label, _, _, _ in labels) + 2)  # A and B: the labels
    widths[1] = min(MAX_WIDTH, max(widths[1], max(text_width(value) for _, value, _, _ in labels) + 2))
    widths[COMMENT_COL] = 40
    rows = []
    for domain, item, ind in rubric.walk():
        if sheet.stage in rubric.stages_of(ind) and rubric.applies(ind, sheet.service_type):
            texts = [
                f"{domain.id} {name_text(domain.name)}",
                f"{item.id} {name_text(item.name)}",
                ind.id,
                name_text(ind.name),
            ]
            rows.append((ind, texts))
            for c, text in enumerate(texts):
                widths[c] = min(MAX_WIDTH, max(widths[c], text_width(text) + 2))
            widths[SCORE_COL] = max(widths[SCORE_COL], max(map(text_width, scales[ind.id].values())) + 5)
    row = head + 2
    for ind, texts in rows:
        for c, text in enumerate(texts):
            ws.write_string(row, c, text, fmt["center"] if c == 2 else fmt["cell"])
        ws.write_number(row, 4, float(ind.points), fmt["center"])
        ws.write_string(row, SCORE_COL, sheet.scores.get(ind.id, ""), fmt["input"])
        ws.write_blank(row, COMMENT_COL, None, fmt["comment"])
        ws.data_validation(row, SCORE_COL, row, SCORE_COL, _validation(scales[ind.id], lists))
        ws.set_row(row, LINE_HEIGHT * max(_lines(t, widths[c]) for c, t in enumerate(texts)) + 4)
        row += 1
    if not rows:
        ws.write_string(row, 0, f"이 기관에는 {stage_ko}심사 지표가 없습니다 (no indicator applies).", fmt["note"])
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.freeze_panes(head + 2, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head, head + 1)


def _title(text: str, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
    base = _BAD_TITLE.sub("_", text).strip("'")[:31] or "sheet"
    title, n = base, 1
    while title.casefold() in used:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(title.casefold())
    return title


def write_template(path: Path, rubric: Rubric, sheets: Sequence[Sheet]) -> None:
    """One workbook; one worksheet per sheet (named by institution when there are several)."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.formats[0].set_font_name(FONT)
    book.formats[0].set_font_size(10)
    fmt = _formats(book)
    lists = _Lists(rubric)
    used = {LISTS_SHEET.casefold()}
    for sheet in sheets:
        title = _title(sheet.institution_id if len(sheets) > 1 else "평가표", used)
        _add_sheet(book, fmt, lists, rubric, sheet, title)
    lists.write(book)
    book.close()


def write_templates(
    rubric: Rubric,
    jobs: Sequence[tuple[Path, Sequence[Sheet]]],
    folder: Path,
    *,
    force: bool = False,
    advance: Callable[[], None] | None = None,
) -> None:
    """Write every (file name, sheets) job into ``folder``, all or nothing.

    The workbooks are written into a temporary folder beside ``folder`` and moved in at the end;
    existing files are replaced only with ``force``.
    """
    names = [path.name for path, _ in jobs]
    folded = [n.casefold() for n in names]
    problems = [
        Problem(
            "template-name-clash",
            "two workbooks would get this file name (ids differ only in case or symbols)",
            Location(file=str(folder / n)),
        )
        for i, n in enumerate(names)
        if folded.index(n.casefold()) != i
    ]
    if folder.exists() and not folder.is_dir():
        problems.append(Problem("output-dir", "exists and is not a folder", Location(file=str(folder))))
    elif not force:
        problems += [
            Problem("exists", "already exists (use --force to replace it)", Location(file=str(folder / n)))
            for n in names
            if (folder / n).exists()
        ]
    if problems:
        raise OutputError(problems)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.{secrets.token_hex(6)}"
    staging.mkdir()  # not mkdtemp: its 0700 mode would stay on a new output folder
    try:
        for (_, sheets), name in zip(jobs, names, strict=True):
            write_template(staging / name, rubric, sheets)
            if advance is not None:
                advance()
        if not folder.exists():
            os.replace(staging, folder)
            return
        for name in names:
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
