"""코호트/Cohort: the cohort rules against the previous cycle, as a sheet of the result workbook.

One table of the four lists of :class:`~qualcert.registry.Cohort` (top by total, top by
improvement, lowest grade twice, consulting), one row per institution and list, in the
order and with the numbers of the JSON's ``"cohort"`` (never recomputed). A list that is
empty still gets a row that says so, so that the committee sees it was looked at.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from qualcert.report.csv_out import guard, summary_headers
from qualcert.report.xlsx_kit import DATE, LINE_HEIGHT, NUMBER, TEXT, Cell, Col, Styles, Table, cond, text_width

if TYPE_CHECKING:
    from xlsxwriter.format import Format

    from qualcert.registry import Cohort, CohortEntry

HEADER_ROW = 5  # title, subtitle, counts and rule note above the table


def cohort_lists(cohort: Cohort, t: dict[str, str]) -> list[tuple[str, str, tuple[CohortEntry, ...]]]:
    """(JSON key, label, entries) of the four lists, in the JSON's order."""
    return [
        ("top_score", t["top_score"].format(n=f"{cohort.top:g}"), cohort.top_score),
        ("top_improvement", t["top_improvement"].format(n=f"{cohort.top_improvement:g}"), cohort.top_improved),
        ("consecutive_lowest", t["consecutive_lowest"].format(grade=cohort.lowest_grade), cohort.consecutive_lowest),
        ("consulting", t["consulting"].format(grades="·".join(cohort.consulting_grades)), cohort.consulting),
    ]


def write_cohort(ws: Worksheet, styles: Styles, cohort: Cohort, t: dict[str, str], lang: str) -> None:
    heads = summary_headers(lang)  # institution id, name, service type, total, grade, ...
    columns = [
        Col(t["cohort_list"], fmt="wrap", max_width=40),
        Col(t["rank"], NUMBER, "rank"),
        Col(heads[0]),
        Col(heads[1], max_width=30),
        Col(heads[4], fmt="center"),
        Col(heads[3], NUMBER, "number"),
        Col(t["previous_grade"], fmt="center"),
        Col(t["previous_issued"], DATE, "date", min_width=12),  # left-aligned: not beside a number on its left
        Col(t["previous_total"], NUMBER, "number"),
        Col(t["improvement"], NUMBER, "change"),
    ]
    lists = cohort_lists(cohort, t)
    source = t["register"] if cohort.previous_source == "register" else cohort.previous_source

    ws.write_string(0, 0, t["cohort_title"], styles.title)
    ws.set_row(0, 24)
    subtitle = [
        f"{cohort.rubric_id} v{cohort.rubric_version}",
        f"{t['issued']} {cohort.issued.isoformat()}",
        f"{t['previous_cycle']}: {source} ({t['found'].format(n=cohort.with_previous)})",
        t["ranked"].format(n=cohort.ranked),
    ]
    counts = [f"{label}: {t['listed'].format(n=len(entries))}" for _, label, entries in lists]
    notes = [" · ".join(subtitle), " · ".join(counts), t["cohort_rule"]]
    ws.set_row(HEADER_ROW - 1, 6)

    table = Table(ws, styles, columns, HEADER_ROW)
    needs_previous = {"top_improvement", "consecutive_lowest"}
    for key, label, entries in lists:
        if not entries:
            empty = t["no_previous"] if key in needs_previous and not cohort.with_previous else t["none_listed"]
            table.add([label, None, None, empty])
            continue
        for e in entries:
            row: list[Cell] = [
                label,
                e.rank,
                e.institution_id,
                e.name or "",
                e.grade or "",
                e.total,
                e.previous_grade or "",
                e.previous_issued,
                e.previous_total,
                e.improvement,
            ]
            table.add(row)
    first, last = HEADER_ROW + 1, table.last
    colours: dict[str, Format] = {
        "top_score": styles.decision["certified"],
        "top_improvement": styles.decision["certified"],
        "consecutive_lowest": styles.red,
        "consulting": styles.decision["incomplete"],
    }
    for key, label, _ in lists:
        value = '"' + guard(label).replace('"', '""') + '"'
        cond(ws, first, last, 0, {"type": "cell", "criteria": "==", "value": value, "format": colours[key]})
    table.finish(freeze_cols=0, title_rows=HEADER_ROW)
    # the notes above the table span its width and wrap there (a long path or the rule would leave the page)
    width = sum(
        min(w if c.kind is TEXT else max(w, 10), c.max_width) for w, c in zip(table.widths, columns, strict=True)
    )
    for r, note in enumerate(notes, start=1):
        ws.merge_range(r, 0, r, len(columns) - 1, guard(note), styles.note_wrap)
        ws.set_row(r, LINE_HEIGHT * max(1, math.ceil((text_width(note) + 2) / width)) + 2)
    ws.print_area(0, 0, table.last, len(columns) - 1)
