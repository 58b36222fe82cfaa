"""Reviewer template workbooks: a sheet a reviewer cannot fill wrongly.

Labelled cells (institution_id, reviewer_id, stage in column A, values in column B),
then a table whose header row holds indicator_id and score (Korean labels above it).
Score cells carry a drop-down of the scale's valid values; only score and comment
cells are unlocked; the sheet is protected without a password so that nobody edits
the structure by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook

from qualcert.report.workbook import FONT, text_width
from qualcert.rubric import Rubric, Stage, name_text
from qualcert.scoring.fractions import scales_for

COLUMNS = ("domain", "item", "indicator_id", "indicator_name", "points", "score", "comment")
KOREAN = ("영역", "항목", "지표", "지표명", "배점", "점수", "의견")
STAGE_KO = {"document": "서면", "onsite": "현장"}


@dataclass(frozen=True)
class Sheet:
    institution_id: str
    name: str
    service_type: str | None
    reviewer_id: str
    stage: Stage
    scores: Mapping[str, str] = field(default_factory=dict)  # prefilled (a sheet sent back for correction)


def _formats(book: Workbook) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
    return {
        "title": book.add_format(base | {"bold": True, "font_size": 13}),
        "label": book.add_format(base | {"bold": True, "bg_color": "#D9E1F2", "border": 1}),
        "value": book.add_format(base | {"border": 1}),
        "ko": book.add_format(base | {"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center"}),
        "header": book.add_format(
            base | {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1, "align": "center"}
        ),
        "cell": book.add_format(base | {"border": 1, "text_wrap": True}),
        "points": book.add_format(base | {"border": 1, "num_format": "0.0#", "align": "center"}),
        "input": book.add_format(base | {"border": 1, "bg_color": "#FFF2CC", "locked": False, "align": "center"}),
        "comment": book.add_format(base | {"border": 1, "bg_color": "#FFF2CC", "locked": False, "text_wrap": True}),
    }


def add_sheet(book: Workbook, fmt: dict[str, Any], rubric: Rubric, sheet: Sheet, title: str) -> None:
    ws = book.add_worksheet(title[:31])
    scales = scales_for(rubric)
    ws.write_string(0, 0, f"{name_text(rubric.title)} — {STAGE_KO[sheet.stage]}심사 평가표", fmt["title"])
    labels = [
        ("institution_id", sheet.institution_id, "기관코드"),
        ("reviewer_id", sheet.reviewer_id, "심사위원"),
        ("stage", sheet.stage, f"단계 ({STAGE_KO[sheet.stage]})"),
        ("institution_name", sheet.name, "기관명"),
        ("service_type", sheet.service_type or "", "서비스유형"),
        ("rubric", f"{rubric.id} v{rubric.version}", "심사기준"),
    ]
    for r, (label, value, korean) in enumerate(labels, start=2):
        ws.write_string(r, 0, label, fmt["label"])
        ws.write_string(r, 1, value, fmt["value"])
        ws.write_string(r, 2, korean, fmt["value"])
    head = 2 + len(labels) + 1
    for c, (ko, en) in enumerate(zip(KOREAN, COLUMNS, strict=True)):
        ws.write_string(head, c, ko, fmt["ko"])
        ws.write_string(head + 1, c, en, fmt["header"])
    widths = [max(text_width(ko), text_width(en)) + 2 for ko, en in zip(KOREAN, COLUMNS, strict=True)]
    row = head + 2
    for domain, item, ind in rubric.walk():
        if sheet.stage not in rubric.stages_of(ind) or not rubric.applies(ind, sheet.service_type):
            continue
        scale = scales[ind.id]
        cells = [
            f"{domain.id} {name_text(domain.name)}",
            f"{item.id} {name_text(item.name)}",
            ind.id,
            name_text(ind.name),
        ]
        for c, text in enumerate(cells):
            ws.write_string(row, c, text, fmt["cell"])
            widths[c] = max(widths[c], min(50, text_width(text) + 2))
        ws.write_number(row, 4, float(ind.points), fmt["points"])
        if ind.id in sheet.scores:
            ws.write_string(row, 5, sheet.scores[ind.id], fmt["input"])
        else:
            ws.write_blank(row, 5, None, fmt["input"])
        ws.write_blank(row, 6, None, fmt["comment"])
        values = scale.values()
        ws.data_validation(
            row,
            5,
            row,
            5,
            {
                "validate": "list",
                "source": values,
                "input_title": "점수 / score",
                "input_message": ", ".join(values)[:255],
                "error_title": "허용되지 않는 값",
                "error_message": f"{ind.id}: {scale.describe()}"[:255],
            },
        )
        widths[5] = max(widths[5], max(text_width(v) for v in values) + 4)
        row += 1
    widths[6] = 40
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_column(0, 0, max(widths[0], 16))
    ws.freeze_panes(head + 2, 4)
    ws.protect(
        "", {"format_columns": True, "format_rows": True, "select_locked_cells": True, "select_unlocked_cells": True}
    )
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head, head + 1)


def write_template(path: Path, rubric: Rubric, sheets: list[Sheet]) -> None:
    """One workbook; one worksheet per sheet (titled by institution when there are several)."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.formats[0].set_font_name(FONT)
    fmt = _formats(book)
    for sheet in sheets:
        add_sheet(book, fmt, rubric, sheet, sheet.institution_id if len(sheets) > 1 else "평가표")
    book.close()
