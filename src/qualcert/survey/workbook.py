"""The survey result workbook (xlsxwriter), in the style of the committee's result workbook.

Sheets: 기관별 (one row per institution), 유형별 (one row per group and the overall
mean, with a column chart of the indices against the national average), 차원별
(dimension means and Cronbach's alpha) and 문항별 (answers, mean score and top-box
share per question). Numbers are the JSON's numbers (the same half-up rounding),
never recomputed; text from inputs is written as text, never as a formula.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qualcert.ingest.columns import KOREAN, canonical
from qualcert.report.csv_out import guard
from qualcert.report.xlsx_kit import FONT, NUMBER, TEXT, Col, Styles, Table, below, cond, letters
from qualcert.survey.results import PRECISION, GroupSurvey, SurveyResults, num

SHEETS: Final = {"institutions": "기관별", "groups": "유형별", "dimensions": "차원별", "questions": "문항별"}
HEADER_ROW: Final = 3  # title, subtitle and a spacer above each table
RELIABLE: Final = {True: "충족", False: "표본부족"}


def write_survey_workbook(results: SurveyResults, path: Path) -> None:
    """Write the workbook to ``path`` (the caller stages it through :func:`~qualcert.report.atomic.atomic_outputs`)."""
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    styles = Styles(book, PRECISION)
    book.set_properties({"title": f"{results.title} 결과", "subject": results.survey_id, "author": "qualcert"})
    sheets = {key: book.add_worksheet(name) for key, name in SHEETS.items()}
    _institutions(sheets["institutions"], styles, results)
    _groups(book, sheets["groups"], styles, results)
    _dimensions(sheets["dimensions"], styles, results)
    _questions(sheets["questions"], styles, results)
    book.close()


def _heading(ws: Worksheet, styles: Styles, results: SurveyResults, title: str) -> None:
    ws.write_string(0, 0, guard(f"{results.title} · {title}"), styles.title)
    ws.set_row(0, 24)
    lo, hi = results.scale
    notes = [results.survey_id + (f" v{results.version}" if results.version else ""), f"{hi - lo + 1}점 척도 → 100점"]
    notes.append(f"기관 {len(results.institutions)}곳")
    if results.benchmark is not None:
        notes.append(f"전국 평균 {num(results.benchmark)}")
    ws.write_string(1, 0, guard(" · ".join(notes)), styles.note)
    ws.set_row(HEADER_ROW - 1, 6)


def _by_label(results: SurveyResults) -> str:
    """The --by column as a header: 서비스유형 for service_type, else as written."""
    if results.by is None:
        return "그룹"
    return KOREAN.get(canonical(results.by) or "", results.by)


def _has_baseline(results: SurveyResults) -> bool:
    return results.overall.deltas.baseline is not None or any(
        i.deltas.baseline is not None for i in results.institutions
    )


def _institutions(ws: Worksheet, styles: Styles, results: SurveyResults) -> None:
    _heading(ws, styles, results, "기관별 고객품질지수")
    group_label = _by_label(results)
    columns = [Col("기관코드"), Col("기관명", max_width=26), Col(group_label)]
    columns += [Col("응답자", NUMBER, "int"), Col("제외", NUMBER, "int"), Col("고객품질지수", NUMBER, "number")]
    columns.append(Col("표본", TEXT, "center"))
    columns += [Col(d.name, NUMBER, "number") for d in results.dimensions]
    composite = results.combine is not None
    if composite:
        columns += [Col("운영품질", NUMBER, "number"), Col("종합지수", NUMBER, "number")]
    baseline = _has_baseline(results)
    if baseline:
        columns += [Col("전년", NUMBER, "number"), Col("전년 대비", NUMBER, "margin")]
    if results.benchmark is not None:
        columns.append(Col("전국 평균 대비", NUMBER, "margin"))
    table = Table(ws, styles, columns, HEADER_ROW)
    for inst in results.institutions:
        row: list[str | float | int | None] = [inst.institution_id, inst.name, inst.group]
        row += [inst.respondents, inst.excluded_respondents, num(inst.index), RELIABLE[inst.reliable]]
        row += [num(d.score) for d in inst.dimensions]
        if composite:
            row += [num(inst.operational), num(inst.composite)]
        if baseline:
            row += [num(inst.deltas.baseline), num(inst.deltas.vs_baseline)]
        if results.benchmark is not None:
            row.append(num(inst.deltas.vs_benchmark))
        table.add(row)
    first, last = HEADER_ROW + 1, table.last
    reliable_col = letters(6)
    rule = {"type": "formula", "criteria": f'=${reliable_col}{first + 1}="{RELIABLE[False]}"', "format": styles.grey}
    cond(ws, first, last, 0, rule, last_col=len(columns) - 1)
    table.finish(freeze_cols=2, title_rows=HEADER_ROW)


def _group_row(group: GroupSurvey, composite: bool, baseline: bool, benchmark: bool) -> list[str | float | int | None]:
    row: list[str | float | int | None] = [group.group, group.institutions, group.reliable_institutions]
    row.append(num(group.index))
    row += [num(d.score) for d in group.dimensions]
    if composite:
        row.append(num(group.composite))
    if baseline:
        row += [num(group.deltas.baseline), num(group.deltas.vs_baseline)]
    if benchmark:
        row += [num(group.deltas.benchmark), num(group.deltas.vs_benchmark)]
    return row


def _groups(book: Workbook, ws: Worksheet, styles: Styles, results: SurveyResults) -> None:
    _heading(ws, styles, results, f"{_by_label(results)}별 평균 (기관 지수의 단순 평균)")
    composite, baseline, benchmark = results.combine is not None, _has_baseline(results), results.benchmark is not None
    columns = [Col(_by_label(results)), Col("기관 수", NUMBER, "int"), Col("표본 충족 기관", NUMBER, "int")]
    columns.append(Col("고객품질지수", NUMBER, "number"))
    columns += [Col(d.name, NUMBER, "number") for d in results.dimensions]
    if composite:
        columns.append(Col("종합지수", NUMBER, "number"))
    if baseline:
        columns += [Col("전년", NUMBER, "number"), Col("전년 대비", NUMBER, "margin")]
    if benchmark:
        columns += [Col("전국 평균", NUMBER, "number"), Col("전국 평균 대비", NUMBER, "margin")]
    table = Table(ws, styles, columns, HEADER_ROW)
    rows = [*results.groups, results.overall]
    for group in rows:
        table.add(_group_row(group, composite, baseline, benchmark))
    overall = {"type": "formula", "criteria": "=TRUE", "format": styles.key}  # the overall row stands out
    cond(ws, table.last, table.last, 0, overall, last_col=len(columns) - 1)
    table.finish(freeze_cols=1, title_rows=HEADER_ROW)

    values = [v for g in rows if (v := num(g.index)) is not None]
    if not values:
        return
    first, last = HEADER_ROW + 1, table.last
    name = ws.get_name()
    chart = book.add_chart({"type": "column"})
    assert chart is not None
    chart.add_series(
        {
            "name": "고객품질지수",
            "categories": [name, first, 0, last, 0],
            "values": [name, first, 3, last, 3],
            "fill": {"color": "#2E75B6"},
            "data_labels": {
                "value": True,
                "num_format": "0.0",
                "position": "inside_end",
                "font": {"name": FONT, "size": 9, "bold": True, "color": "#FFFFFF"},
            },
            "gap": 80,
        }
    )
    low = min(values)
    if benchmark:
        line = book.add_chart({"type": "line"})
        assert line is not None
        bench_col = len(columns) - 2
        line.add_series(
            {
                "name": f"전국 평균 {num(results.benchmark)}",
                "categories": [name, first, 0, last, 0],
                "values": [name, first, bench_col, last, bench_col],
                "line": {"color": "#C00000", "width": 2, "dash_type": "dash"},
                "marker": {"type": "none"},
            }
        )
        chart.combine(line)
        low = min(low, float(results.benchmark or 0))
    font = {"name": FONT, "size": 9}
    chart.set_title({"name": "유형별 고객품질지수와 전국 평균", "name_font": {"name": FONT, "size": 11, "bold": True}})
    chart.set_legend({"position": "bottom", "font": font})
    chart.set_x_axis({"num_font": font})
    floor = max(0, 5 * math.floor((low - 5) / 5))  # indices sit at 85–96: start the axis below them, not at 0
    grid = {"visible": True, "line": {"color": "#D9D9D9"}}
    chart.set_y_axis({"min": floor, "max": 100, "num_font": font, "major_gridlines": grid})
    ws.insert_chart(last + 3, 0, chart, {"x_scale": 1.3, "y_scale": 1.1, "object_position": 3})


def _dimensions(ws: Worksheet, styles: Styles, results: SurveyResults) -> None:
    _heading(ws, styles, results, "차원별 점수와 신뢰도 (Cronbach's α)")
    columns = [Col("차원"), Col("가중치", NUMBER, "number"), Col("문항 수", NUMBER, "int")]
    columns += [Col("평균 점수", NUMBER, "number"), Col("Cronbach α", NUMBER, "number"), Col("α 응답자", NUMBER, "int")]
    table = Table(ws, styles, columns, HEADER_ROW)
    for d in results.dimensions:
        r = d.reliability
        table.add([d.name, num(d.weight, 4), d.questions, num(d.score), num(r.alpha), r.respondents])
    cond(ws, HEADER_ROW + 1, table.last, 4, below(letters(4), HEADER_ROW + 1, 0.7, styles.red_text))
    table.finish(freeze_cols=1, title_rows=HEADER_ROW)


def _questions(ws: Worksheet, styles: Styles, results: SurveyResults) -> None:
    lo, hi = results.scale
    top = f"{hi}" if results.top_box == 1 else f"{max(lo, hi - results.top_box + 1)}–{hi}"
    _heading(ws, styles, results, f"문항별 응답 (상위 응답 % = 응답 중 {top}점의 비율, 역문항은 응답 그대로)")
    columns = [Col("문항"), Col("문항 내용", max_width=48), Col("차원"), Col("역문항", TEXT, "center")]
    columns += [
        Col("응답 수", NUMBER, "int"),
        Col("평균 점수", NUMBER, "number"),
        Col(f"상위 응답 % ({top}점)", NUMBER, "number"),
    ]
    names = {d.dimension_id: d.name for d in results.dimensions}
    table = Table(ws, styles, columns, HEADER_ROW)
    for q in results.questions:
        dimension = names.get(q.dimension_id, q.dimension_id) if q.dimension_id else "(지수 제외)"
        share = None if q.stat.top_box is None else num(q.stat.top_box * 100)
        row = [q.question_id, q.text, dimension, "예" if q.reverse else "", q.stat.answered, num(q.stat.mean), share]
        table.add(row)
    table.finish(freeze_cols=2, title_rows=HEADER_ROW)
