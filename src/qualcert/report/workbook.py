"""The committee's result workbook, written with xlsxwriter (LIBRARIES.md §2: the fastest writer with every feature).

Sheets, Korean by default (``lang="en"`` for English): 요약/Summary (one row per
institution, counts per decision and grade above, charts beside), 영역별/Domains,
지표별/Indicators (one row per institution × indicator: every reviewer's score per
stage, back to file and cell), 불일치/Disagreements (with blank columns for the
consensus meeting), 신뢰도/Agreement (when the results carry the reviewers' agreement:
:mod:`~qualcert.report.workbook_agreement`), 적격성/Eligibility, 코호트/Cohort (only when the
run has the cohort rules: ``score --cohort`` or ``--previous``) and 정보/Run (what is needed to
reproduce the run).

Numbers are the JSON's numbers (:meth:`Results.to_json_dict`): the same half-up
rounding, never recomputed. Text from inputs is written with ``write_string`` into a
workbook that never converts strings to formulas, numbers or links, and text that a
spreadsheet would run as a formula gets a leading apostrophe (:func:`~qualcert.report.csv_out.guard`).
Formats live at column level; the file appears only when complete (temporary file, then rename).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qualcert.numeric import to_float
from qualcert.report.atomic import atomic_outputs
from qualcert.report.csv_out import COMMITTEE, SUMMARY_COLUMNS, check_lang, guard, summary_headers, summary_values
from qualcert.report.workbook_agreement import write_agreement
from qualcert.report.workbook_audit import audit_trail, write_disagreements, write_indicators
from qualcert.report.workbook_cohort import write_cohort
from qualcert.report.workbook_sheets import write_domains, write_eligibility, write_run
from qualcert.report.workbook_text import LABELS
from qualcert.report.xlsx_kit import (
    DATE,
    DECISION_COLOURS,
    DECISION_FONTS,
    FONT,
    MAX_WIDTH,
    NUMBER,
    TEXT,
    Col,
    Styles,
    Table,
    below,
    cond,
    letters,
    text_width,
)
from qualcert.results import DECISION_LABELS, Results
from qualcert.rubric import name_text

__all__ = ["FONT", "text_width", "write_workbook"]

SHEETS: Final = ("summary", "domains", "indicators", "disagreements", "agreement", "eligibility", "cohort", "run")
BAND: Final = 5  # width of a band in the distribution of totals, in percent
HEADER_ROW: Final = 5  # the summary table's header row: title, subtitle and counts above it
CHART_DATA_COL: Final = 5  # the charts' source data: a small table on the Run sheet, from column F


# ----------------------------------------------------------------------------------------------
# the workbook


def write_workbook(results: Results, path: Path, *, lang: str = "ko") -> None:
    """Write the result workbook to ``path``: complete or not at all (temporary file, then rename)."""
    t = LABELS[check_lang(lang)]
    with _no_gc_pauses(), atomic_outputs() as stage:
        book = xlsxwriter.Workbook(
            str(stage(path)),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        _fill(book, results, t, lang)  # on error no close(): xlsxwriter holds no file until then; the temp is removed
        book.close()


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """The cyclic garbage collector off while writing, back on after (if it was on).

    A million cells mean millions of short-lived tuples and strings, and each full
    collection would walk everything alive, the results included (hundreds of MB at
    national scale): 7 full collections cost about 15% of the write. What the writer
    drops is freed by reference counting; cycles left, if any, wait for the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fill(book: Workbook, results: Results, t: dict[str, str], lang: str) -> None:
    styles = Styles(book, results.rubric.precision)
    rubric = results.rubric
    book.set_properties(
        {
            "title": f"{name_text(rubric.title, lang)} {t['results']}",
            "subject": f"{rubric.id} v{rubric.version}",
            "author": "qualcert",
            "comments": f"{t['issued']} {results.issued.isoformat()}",
        }
    )
    present = {"agreement": results.agreement is not None, "cohort": results.cohort is not None}
    sheets = {key: book.add_worksheet(t[key]) for key in SHEETS if present.get(key, True)}
    audit = audit_trail(results, lang)
    _summary(sheets["summary"], styles, results, t, lang)
    _charts(book, sheets["summary"], sheets["run"], styles, results, t, lang, first_col=len(SUMMARY_COLUMNS) + 2)
    write_domains(sheets["domains"], styles, results, t, lang)
    write_indicators(sheets["indicators"], styles, results, t, lang, audit)
    write_disagreements(sheets["disagreements"], styles, results, t, lang, audit)
    if "agreement" in sheets:
        write_agreement(book, sheets["agreement"], styles, results, t, lang)
    write_eligibility(sheets["eligibility"], styles, results, t, lang)
    if results.cohort is not None:
        write_cohort(sheets["cohort"], styles, results.cohort, t, lang)
    write_run(sheets["run"], styles, results, t, lang)


# ----------------------------------------------------------------------------------------------
# 요약 / Summary


def _decision_codes(results: Results) -> list[str]:
    """Decisions worth counting for this rubric (zeros included), in label order."""
    rubric = results.rubric
    wanted = {"incomplete"} | ({"ineligible"} if rubric.decision.eligibility else set())
    wanted |= {"certified", "not_certified"} if rubric.has_pass_rule else {"graded"}
    wanted |= {i.decision for i in results.institutions}
    return [code for code in DECISION_LABELS if code in wanted]


def _summary(ws: Worksheet, styles: Styles, results: Results, t: dict[str, str], lang: str) -> None:
    rubric, p = results.rubric, results.rubric.precision
    kinds = {"total": NUMBER, "margin": NUMBER, "points_to_certify": NUMBER, "valid_from": DATE, "valid_until": DATE}
    fmts = {"total": "number", "margin": "margin", "points_to_certify": "number", "reasons": "wrap"}
    fmts |= {"name": "wrap", "flags": "wrap", "grade": "center", "decision": "center"}
    fmts |= {"valid_from": "date", "valid_until": "date"}
    keys = ["institution_id", "name", "service_type", "total", "grade", "decision", "reasons", "margin"]
    keys += ["points_to_certify", "valid_from", "valid_until", "flags"]
    caps = {"reasons": 46, "name": 26, "flags": 26}
    columns = [
        Col(h, kinds.get(k, TEXT), fmts.get(k, "text"), caps.get(k, MAX_WIDTH), 9 if k == "decision" else 6)
        for k, h in zip(keys, summary_headers(lang), strict=True)
    ]
    columns.append(Col(COMMITTEE[lang], TEXT, "committee", min_width=24))

    # title and counts above the table
    title = f"{name_text(rubric.title, lang)} {t['results']}"
    ws.write_string(0, 0, guard(title), styles.title)
    ws.set_row(0, 24)
    line = rubric.decision.total_min
    subtitle = [f"{rubric.id} v{rubric.version}", f"{t['issued']} {results.issued.isoformat()}"]
    subtitle.append(
        f"{len(results.institutions)} {t['institutions']}" if lang == "en" else f"기관 {len(results.institutions)}곳"
    )
    if line is not None:
        subtitle.append(f"{t['pass_line']} {line}%")
    ws.write_string(1, 0, " · ".join(subtitle), styles.note)
    decisions = results.decision_counts()
    codes = _decision_codes(results)
    labels: dict[int, str] = {}  # column → the widest label written above the table
    ws.write_string(2, 0, t["decision"], styles.label)
    ws.write_string(3, 0, t["count"], styles.label)
    labels[0] = t["count"]
    for c, code in enumerate(codes, start=1):
        ws.write_string(2, c, DECISION_LABELS[code][lang], styles.label)
        labels[c] = DECISION_LABELS[code][lang]
        ws.write_number(3, c, decisions.get(code, 0), styles.count)
    ws.write_string(2, len(codes) + 1, t["all"], styles.label)
    ws.write_number(3, len(codes) + 1, len(results.institutions), styles.count)
    grades = [band.grade for band in rubric.decision.grades]
    if grades:
        graded = Counter(i.grade for i in results.institutions if i.grade)
        start = len(codes) + 3
        ws.write_string(2, start, t["grade"], styles.label)
        ws.write_string(3, start, t["count"], styles.label)
        labels[start] = t["count"]
        for c, grade in enumerate(grades, start=start + 1):
            ws.write_string(2, c, guard(grade), styles.label)
            ws.write_number(3, c, graded.get(grade, 0), styles.count)
    header_row = HEADER_ROW
    ws.set_row(header_row - 1, 6)
    chart_col = letters(len(columns) + 1)
    link = f"internal:'{ws.get_name()}'!{chart_col}{header_row + 2}"
    ws.write_url(0, len(columns) - 1, link, styles.link, string=t["to_charts"])

    table = Table(ws, styles, columns, header_row)
    for c, label in labels.items():  # the counts' labels above the table fit their columns
        table.widths[c] = max(table.widths[c], text_width(label) + 2)
    for inst in results.institutions:
        table.add(summary_values(inst, p, lang, reason_sep="\n"))
    first, last = header_row + 1, table.last
    decision, total = keys.index("decision"), keys.index("total")
    for code in DECISION_LABELS:
        label = DECISION_LABELS[code][lang]
        rule = {"type": "cell", "criteria": "==", "value": f'"{label}"', "format": styles.decision[code]}
        cond(ws, first, last, decision, rule)
    if line is not None:
        cond(ws, first, last, total, below(letters(total), first, float(line), styles.red_text))
    table.finish(freeze_cols=2, title_rows=header_row)
    ws.print_area(0, 0, table.last, len(columns) - 1)


def _charts(
    book: Workbook,
    ws: Worksheet,
    data: Worksheet,
    styles: Styles,
    results: Results,
    t: dict[str, str],
    lang: str,
    *,
    first_col: int,
) -> None:
    """Three charts beside the summary table (``ws``); their source data in a small table on the ``data`` sheet."""
    rubric, p = results.rubric, results.rubric.precision
    name, col = data.get_name(), CHART_DATA_COL
    data.write_string(0, col, t["chart_data"], styles.title)
    font = {"name": FONT, "size": 9}
    title_font = {"name": FONT, "size": 11, "bold": True}
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    place = {"x_scale": 1.15, "y_scale": 1.0, "object_position": 3}  # fixed size, whatever the rows' heights

    # 1. distribution of totals in 5-point bands (the JSON's rounded totals); bands at or above the pass line in green
    totals = [to_float(i.total, p) for i in results.institutions if i.total is not None]
    bands = list(range(0, 100, BAND))
    row = 2
    data.write_string(row, col, t["band"], styles.label)
    data.write_string(row, col + 1, t["count"], styles.label)
    for k, low in enumerate(bands, start=row + 1):
        high = low + BAND
        data.write_string(k, col, f"{low}–{high}")
        data.write_number(k, col + 1, sum(1 for x in totals if low <= x < high or (high == 100 and x == 100)))
    line = rubric.decision.total_min
    chart = book.add_chart({"type": "column"})
    assert chart is not None
    points = [{"fill": {"color": "#70AD47" if line is not None and low >= line else "#5B9BD5"}} for low in bands]
    chart.add_series(
        {
            "name": t["count"],
            "categories": [name, row + 1, col, row + len(bands), col],
            "values": [name, row + 1, col + 1, row + len(bands), col + 1],
            "points": points,
            "gap": 30,
        }
    )
    title = t["distribution"] + (f" ({t['pass_line']} {line}%)" if line is not None else "")
    chart.set_title({"name": title, "name_font": title_font})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": font | {"rotation": -45}})
    chart.set_y_axis({"num_font": font, "major_gridlines": grid})
    top = HEADER_ROW + 1
    ws.insert_chart(top, first_col, chart, place)

    # 2. decisions per service type, stacked
    row += len(bands) + 2
    present = {i.service_type or "" for i in results.institutions}
    types = [s for s in rubric.service_types if s in present]
    types += sorted(s for s in present if s and s not in rubric.service_types) + ([""] if "" in present else [])
    codes = [c for c in DECISION_LABELS if any(i.decision == c for i in results.institutions)]
    data.write_string(row, col, t["service_type"], styles.label)
    for c, code in enumerate(codes, start=1):
        data.write_string(row, col + c, DECISION_LABELS[code][lang], styles.label)
    counts: Counter[tuple[str, str]] = Counter((i.service_type or "", i.decision) for i in results.institutions)
    for k, service in enumerate(types, start=row + 1):
        data.write_string(k, col, guard(service or t["no_type"]))
        for c, code in enumerate(codes, start=1):
            data.write_number(k, col + c, counts[service, code])
    stacked = book.add_chart({"type": "column", "subtype": "stacked"})
    assert stacked is not None
    for c, code in enumerate(codes, start=1):
        stacked.add_series(
            {
                "name": [name, row, col + c],
                "categories": [name, row + 1, col, row + max(len(types), 1), col],
                "values": [name, row + 1, col + c, row + max(len(types), 1), col + c],
                "fill": {"color": DECISION_COLOURS[code]},
                "border": {"color": DECISION_FONTS[code]},
                "gap": 60,
            }
        )
    stacked.set_title({"name": t["by_type"], "name_font": title_font})
    stacked.set_legend({"position": "bottom", "font": font})
    stacked.set_x_axis({"num_font": font})
    stacked.set_y_axis({"num_font": font, "major_gridlines": grid})
    ws.insert_chart(top, first_col, stacked, place | {"y_offset": 300})

    # 3. average percent per domain (over the institutions that have one, of the JSON's rounded percents)
    row += max(len(types), 1) + 2
    data.write_string(row, col, t["domain"], styles.label)
    data.write_string(row, col + 1, t["average"], styles.label)
    for k, domain in enumerate(rubric.domains):
        values = [to_float(pc, p) for i in results.institutions if (pc := i.domains[k].percent) is not None]
        data.write_string(row + 1 + k, col, guard(f"{domain.id} {name_text(domain.name, lang)}"))
        if values:
            data.write_number(row + 1 + k, col + 1, round(sum(values) / len(values), p), styles.col["number"])
    n = len(rubric.domains)
    bar = book.add_chart({"type": "bar"})
    assert bar is not None
    bar.add_series(
        {
            "name": t["average"],
            "categories": [name, row + 1, col, row + n, col],
            "values": [name, row + 1, col + 1, row + n, col + 1],
            "fill": {"color": "#2E75B6"},
            "data_labels": {"value": True, "num_format": "0.0", "font": font},
            "gap": 50,
        }
    )
    bar.set_title({"name": t["domain_avg"], "name_font": title_font})
    bar.set_legend({"none": True})
    bar.set_x_axis({"min": 0, "max": 100, "num_font": font, "major_gridlines": grid})
    bar.set_y_axis({"num_font": font, "reverse": True, "crossing": "max"})  # first domain on top, values below
    ws.insert_chart(top, first_col, bar, place | {"y_offset": 600})
    data.set_column(col, col, 24)
    data.set_column(col + 1, col + len(codes), 10)
