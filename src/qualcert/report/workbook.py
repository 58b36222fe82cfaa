"""The committee's result workbook (xlsxwriter; LIBRARIES.md §2: fastest writer with every feature we need).

Sheets: summary, domains, indicators (every reviewer's score, back to file and cell),
disagreements (with blank consensus columns), eligibility, charts, run information.
Numbers are the JSON's numbers (same rounding). Text from inputs is written with
``write_string`` and the workbook never converts strings to formulas, so a
reviewer comment like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from qualcert import scoretable as st
from qualcert.numeric import round_half_up, to_float
from qualcert.report.summary import HEADERS, domain_percents, summary_row
from qualcert.results import DECISION_LABELS, Results
from qualcert.rubric import name_text

FONT = "맑은 고딕"
MAX_WIDTH = 60
DECISION_COLOURS = {
    "certified": "#C6EFCE",
    "not_certified": "#FFC7CE",
    "ineligible": "#E4DFEC",
    "incomplete": "#FFEB9C",
    "graded": "#DDEBF7",
}
T = {
    "ko": {
        "summary": "요약",
        "domains": "영역별",
        "indicators": "지표별",
        "disagreements": "불일치",
        "eligibility": "적격성",
        "charts": "차트",
        "run": "정보",
        "committee": "위원회 의결",
        "results": "심사 결과",
        "issued": "발급일",
        "domain": "영역",
        "item": "항목",
        "indicator": "지표",
        "indicator_name": "지표명",
        "points": "배점",
        "score": "점수",
        "max": "만점",
        "percent": "달성률(%)",
        "minimum": "기준(%)",
        "applicable": "적용",
        "excluded": "제외 사유",
        "stage_doc": "서면 심사위원 점수",
        "frac_doc": "서면 비율",
        "stage_on": "현장 심사위원 점수",
        "frac_on": "현장 비율",
        "fraction": "최종 비율",
        "spread": "편차",
        "flags": "표시",
        "sources": "출처",
        "reviewers": "심사위원별 점수·의견",
        "agreed": "합의 점수",
        "rationale": "근거",
        "settled_by": "합의자",
        "rule": "요건",
        "value": "값",
        "passed": "충족 여부",
        "yes": "충족",
        "no": "미달",
        "none": "값 없음",
        "distribution": "총점 분포",
        "count": "기관 수",
        "by_type": "서비스유형별 판정",
        "domain_avg": "영역별 평균 달성률",
        "pass_line": "합격선",
        "key": "항목",
        "grade_counts": "등급",
        "decision_counts": "판정",
    },
    "en": {
        "summary": "Summary",
        "domains": "Domains",
        "indicators": "Indicators",
        "disagreements": "Disagreements",
        "eligibility": "Eligibility",
        "charts": "Charts",
        "run": "Run",
        "committee": "Committee resolution",
        "results": "results",
        "issued": "issued",
        "domain": "Domain",
        "item": "Item",
        "indicator": "Indicator",
        "indicator_name": "Indicator name",
        "points": "Points",
        "score": "Score",
        "max": "Max",
        "percent": "Percent",
        "minimum": "Minimum (%)",
        "applicable": "Applicable",
        "excluded": "Excluded because",
        "stage_doc": "Document reviewers",
        "frac_doc": "Document fraction",
        "stage_on": "On-site reviewers",
        "frac_on": "On-site fraction",
        "fraction": "Final fraction",
        "spread": "Spread",
        "flags": "Flags",
        "sources": "Sources",
        "reviewers": "Reviewers' scores and comments",
        "agreed": "Agreed score",
        "rationale": "Rationale",
        "settled_by": "Settled by",
        "rule": "Rule",
        "value": "Value",
        "passed": "Passed",
        "yes": "passed",
        "no": "failed",
        "none": "no value",
        "distribution": "Totals",
        "count": "Institutions",
        "by_type": "Decisions by service type",
        "domain_avg": "Average domain percent",
        "pass_line": "pass line",
        "key": "Key",
        "grade_counts": "Grades",
        "decision_counts": "Decisions",
    },
}


def text_width(text: str) -> int:
    """Display width: Hangul and other wide characters count 2 (xlsxwriter's autofit counts them 1)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Sheet:
    """A worksheet with a styled header row, tracked column widths and typed cell writes."""

    def __init__(self, book: Workbook, fmt: dict[str, Any], name: str, headers: list[str], first_row: int = 0) -> None:
        self.ws: Worksheet = book.add_worksheet(name)
        self.fmt, self.header_row, self.row = fmt, first_row, first_row + 1
        self.widths = [text_width(h) + 2 for h in headers]
        for c, h in enumerate(headers):
            self.ws.write_string(first_row, c, h, fmt["header"])
        self.ws.set_row(first_row, 30)

    def add(self, values: list[Any], formats: dict[int, Any] | None = None) -> None:
        for c, v in enumerate(values):
            f = (formats or {}).get(c)
            if v is None or v == "":
                self.ws.write_blank(self.row, c, None, f)
            elif isinstance(v, bool):
                self.ws.write_boolean(self.row, c, v, f)
            elif isinstance(v, int | float):
                self.ws.write_number(self.row, c, v, f)
            else:
                text = str(v)
                self.ws.write_string(self.row, c, text, f)
                self.widths[c] = max(self.widths[c], min(MAX_WIDTH, max(map(text_width, text.split("\n"))) + 2))
        self.row += 1

    def finish(self, freeze_cols: int, number_cols: dict[int, Any] | None = None) -> None:
        ws = self.ws
        for c, w in enumerate(self.widths):
            ws.set_column(c, c, max(8, min(w, MAX_WIDTH)), (number_cols or {}).get(c))
        ws.freeze_panes(self.header_row + 1, freeze_cols)
        ws.autofilter(self.header_row, 0, max(self.row - 1, self.header_row), len(self.widths) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(self.header_row)
        ws.hide_gridlines(0)


def _formats(book: Workbook, precision: int) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 10, "valign": "top"}
    number = "0" if precision == 0 else "0." + "0" * precision
    fmt = {
        "header": book.add_format(
            base
            | {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1F4E78",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        ),
        "title": book.add_format(base | {"bold": True, "font_size": 14}),
        "note": book.add_format(base | {"font_color": "#404040"}),
        "number": book.add_format(base | {"num_format": number}),
        "fraction": book.add_format(base | {"num_format": "0.0000"}),
        "wrap": book.add_format(base | {"text_wrap": True}),
        "text": book.add_format(base),
        "committee": book.add_format(base | {"bg_color": "#FFF2CC", "border": 1}),
        "red": book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "flag": book.add_format({"bg_color": "#FFEB9C"}),
    }
    for code, colour in DECISION_COLOURS.items():
        fmt[code] = book.add_format({"bg_color": colour})
    return fmt


def write_workbook(results: Results, path: Path, *, lang: str = "ko") -> None:
    t = T[lang]
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.formats[0].set_font_name(FONT)
    fmt = _formats(book, results.rubric.precision)
    _summary(book, fmt, results, t, lang)
    _domains(book, fmt, results, t, lang)
    _indicators(book, fmt, results, t, lang)
    _disagreements(book, fmt, results, t, lang)
    _eligibility(book, fmt, results, t)
    _charts(book, fmt, results, t, lang)
    _run(book, fmt, results, t)
    book.close()


def _summary(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    p = results.rubric.precision
    headers = HEADERS[lang] + [t["committee"]]
    s = _Sheet(book, fmt, t["summary"], headers, first_row=4)
    title = f"{name_text(results.rubric.title, lang)} {t['results']} — {results.rubric.id} v{results.rubric.version}"
    s.ws.write_string(0, 0, title, fmt["title"])
    s.ws.write_string(1, 0, f"{t['issued']} {results.issued.isoformat()}", fmt["note"])
    decisions = " · ".join(f"{DECISION_LABELS[k][lang]} {v}" for k, v in results.decision_counts().items())
    s.ws.write_string(2, 0, f"{t['decision_counts']}: {decisions} ({len(results.institutions)})", fmt["note"])
    grades = Counter(i.grade for i in results.institutions if i.grade)
    if grades:
        order = [g.grade for g in results.rubric.decision.grades]
        s.ws.write_string(
            3, 0, f"{t['grade_counts']}: " + " · ".join(f"{g} {grades[g]}" for g in order if grades[g]), fmt["note"]
        )
    for inst in results.institutions:
        s.add([*summary_row(inst, p, lang), ""], {len(headers) - 1: fmt["committee"]})
    last = max(s.row - 1, s.header_row + 1)
    for code, label in DECISION_LABELS.items():
        s.ws.conditional_format(
            s.header_row + 1,
            5,
            last,
            5,
            {"type": "cell", "criteria": "==", "value": f'"{label[lang]}"', "format": fmt[code]},
        )
    s.ws.conditional_format(
        s.header_row + 1,
        3,
        last,
        3,
        {
            "type": "data_bar",
            "bar_color": "#9BC2E6",
            "bar_solid": True,
            "min_type": "num",
            "min_value": 0,
            "max_type": "num",
            "max_value": 100,
        },
    )
    s.widths[len(headers) - 1] = 24
    s.finish(2, {3: fmt["number"], 7: fmt["number"], 8: fmt["number"]})


def _domains(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    p = results.rubric.precision
    headers = [HEADERS[lang][0], HEADERS[lang][1]]
    for d in results.rubric.domains:
        label = f"{d.id} {name_text(d.name, lang)}"
        headers += [f"{label} {t['score']}", f"{label} {t['max']}", f"{label} {t['percent']}"]
    s = _Sheet(book, fmt, t["domains"], headers)
    for inst in results.institutions:
        row: list[Any] = [inst.institution_id, inst.name or ""]
        for area in inst.domains:
            row += [
                to_float(area.score, p),
                to_float(area.max, p),
                None if area.percent is None else to_float(area.percent, p),
            ]
        s.add(row)
    last = max(s.row - 1, 1)
    numbers: dict[int, Any] = {}
    for k, domain in enumerate(results.rubric.domains):
        col = 2 + 3 * k
        numbers |= {col: fmt["number"], col + 1: fmt["number"], col + 2: fmt["number"]}
        minimum = results.rubric.domain_minimum(domain)
        if minimum is not None:
            s.ws.conditional_format(
                1,
                col + 2,
                last,
                col + 2,
                {"type": "cell", "criteria": "<", "value": float(minimum), "format": fmt["red"]},
            )
            s.ws.write_comment(0, col + 2, f"{t['minimum']}: {minimum}")
    s.finish(2, numbers)


def _stage_cells(results: Results) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(institution, indicator, stage) → ("R01:충족 R02:부분충족", "file!sheet!E9, …")."""
    table = results.scores
    if table is None or table.empty:
        return {}
    where = table[st.FILE].map(lambda f: Path(f).name) + pd.Series(
        [f"!{s}!{c}" if s else f":{r}" for s, c, r in zip(table[st.SHEET], table[st.CELL], table[st.ROW], strict=True)],
        index=table.index,
    )
    frame = pd.DataFrame(
        {
            "key_i": table[st.INSTITUTION],
            "key_d": table[st.INDICATOR],
            "key_s": table[st.STAGE],
            "pair": table[st.REVIEWER] + ":" + table[st.LABEL],
            "where": where,
        }
    ).sort_values(["key_i", "key_d", "key_s", "pair"])
    grouped = frame.groupby(["key_i", "key_d", "key_s"], sort=False).agg({"pair": " ".join, "where": ", ".join})
    return {k: (str(pair), str(w)) for k, pair, w in zip(grouped.index, grouped["pair"], grouped["where"], strict=True)}


def _indicators(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    p = results.rubric.precision
    headers = [
        HEADERS[lang][0],
        t["domain"],
        t["item"],
        t["indicator"],
        t["indicator_name"],
        t["points"],
        t["applicable"],
        t["excluded"],
        t["stage_doc"],
        t["frac_doc"],
        t["stage_on"],
        t["frac_on"],
        t["fraction"],
        t["score"],
        t["spread"],
        t["flags"],
        t["sources"],
    ]
    s = _Sheet(book, fmt, t["indicators"], headers)
    cells = _stage_cells(results)
    names = {i.id: name_text(i.name, lang) for i in results.rubric.indicators.values()}
    for inst in results.institutions:
        for ind in inst.indicators:
            frac = {r.stage: None if r.fraction is None else float(round_half_up(r.fraction, 4)) for r in ind.stages}
            doc = cells.get((inst.institution_id, ind.indicator_id, "document"), ("", ""))
            on = cells.get((inst.institution_id, ind.indicator_id, "onsite"), ("", ""))
            flags = ", ".join(
                f for f, on_ in (("spread", ind.flagged), ("N/A", ind.na_conflict), ("missing", ind.missing)) if on_
            )

            s.add(
                [
                    inst.institution_id,
                    ind.domain_id,
                    ind.item_id,
                    ind.indicator_id,
                    names[ind.indicator_id],
                    to_float(ind.points, p),
                    ind.applicable,
                    ind.excluded or "",
                    doc[0],
                    frac.get("document"),
                    on[0],
                    frac.get("onsite"),
                    None if ind.fraction is None else float(round_half_up(ind.fraction, 4)),
                    None if ind.score is None else to_float(ind.score, p),
                    None if ind.spread is None else to_float(ind.spread, p),
                    flags,
                    ", ".join(x for x in (doc[1], on[1]) if x),
                ]
            )
    last = max(s.row - 1, 1)
    s.ws.conditional_format(
        1, 0, last, len(headers) - 1, {"type": "formula", "criteria": "=LEN($P2)>0", "format": fmt["flag"]}
    )
    s.widths[16] = min(s.widths[16], 40)
    s.finish(
        4,
        {
            5: fmt["number"],
            9: fmt["fraction"],
            11: fmt["fraction"],
            12: fmt["fraction"],
            13: fmt["number"],
            14: fmt["number"],
        },
    )


def _disagreements(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    p = results.rubric.precision
    headers = [
        HEADERS[lang][0],
        HEADERS[lang][1],
        t["indicator"],
        t["indicator_name"],
        t["spread"],
        t["flags"],
        t["reviewers"],
        t["agreed"],
        t["rationale"],
        t["settled_by"],
    ]
    s = _Sheet(book, fmt, t["disagreements"], headers)
    names = {i.id: name_text(i.name, lang) for i in results.rubric.indicators.values()}
    table = results.scores
    detail: dict[tuple[str, str], list[str]] = {}
    if table is not None and not table.empty:
        stage_label = {
            "document": "서면" if lang == "ko" else "document",
            "onsite": "현장" if lang == "ko" else "on-site",
        }
        for row in table.itertuples(index=False):
            key = (getattr(row, st.INSTITUTION), getattr(row, st.INDICATOR))
            comment = getattr(row, st.COMMENT)
            detail.setdefault(key, []).append(
                f"{getattr(row, st.REVIEWER)} ({stage_label.get(getattr(row, st.STAGE), '')}): {getattr(row, st.LABEL)}"
                + (f" — {comment}" if comment else "")
            )
    for inst in results.institutions:
        for ind in inst.flagged:
            flags = ", ".join(f for f, on in (("spread", ind.flagged), ("N/A", ind.na_conflict)) if on)
            s.add(
                [
                    inst.institution_id,
                    inst.name or "",
                    ind.indicator_id,
                    names[ind.indicator_id],
                    None if ind.spread is None else to_float(ind.spread, p),
                    flags,
                    "\n".join(sorted(detail.get((inst.institution_id, ind.indicator_id), []))),
                    "",
                    "",
                    "",
                ],
                {6: fmt["wrap"], 7: fmt["committee"], 8: fmt["committee"], 9: fmt["committee"]},
            )
    s.widths[6] = min(max(s.widths[6], 30), 60)
    s.finish(3, {4: fmt["number"]})


def _eligibility(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str]) -> None:
    lang = "ko" if t is T["ko"] else "en"
    s = _Sheet(book, fmt, t["eligibility"], [HEADERS[lang][0], HEADERS[lang][1], t["rule"], t["value"], t["passed"]])
    rules = {r.field: r for r in results.rubric.decision.eligibility}
    for inst in results.institutions:
        for check in inst.eligibility:
            rule = rules[check.field]
            bounds = " ".join(
                x
                for x in (
                    f"≥ {rule.min}" if rule.min is not None else "",
                    f"≤ {rule.max}" if rule.max is not None else "",
                    f"∈ {rule.one_of}" if rule.one_of is not None else "",
                )
                if x
            )
            verdict = t["none"] if check.passed is None else t["yes"] if check.passed else t["no"]
            s.add([inst.institution_id, inst.name or "", f"{check.field} {bounds}", check.value, verdict])
    last = max(s.row - 1, 1)
    s.ws.conditional_format(
        1, 4, last, 4, {"type": "cell", "criteria": "!=", "value": f'"{t["yes"]}"', "format": fmt["red"]}
    )
    s.finish(2)


def _charts(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str], lang: str) -> None:
    ws = book.add_worksheet(t["charts"])
    p = results.rubric.precision
    totals = [to_float(i.total, p) for i in results.institutions if i.total is not None]
    bands = [(lo, lo + 5) for lo in range(0, 100, 5)]
    ws.write_row(0, 0, [t["distribution"], t["count"]], fmt["header"])
    for r, (lo, hi) in enumerate(bands, start=1):
        ws.write_string(r, 0, f"{lo}–{hi}")
        ws.write_number(r, 1, sum(1 for x in totals if lo <= x < hi or (hi == 100 and x == 100)))
    line = results.rubric.decision.total_min
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": t["count"],
            "categories": [ws.name, 1, 0, len(bands), 0],
            "values": [ws.name, 1, 1, len(bands), 1],
            "fill": {"color": "#2E75B6"},
            "gap": 20,
        }
    )
    title = t["distribution"] + (f" ({t['pass_line']} {line}%)" if line is not None else "")
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 12}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": FONT, "size": 8}})
    ws.insert_chart(0, 3, chart, {"x_scale": 1.4, "y_scale": 1.1})

    types = sorted({i.service_type or "-" for i in results.institutions})
    codes = [c for c in DECISION_LABELS if any(i.decision == c for i in results.institutions)]
    top = len(bands) + 3
    ws.write_row(top, 0, [t["by_type"], *[DECISION_LABELS[c][lang] for c in codes]], fmt["header"])
    for r, service in enumerate(types, start=top + 1):
        ws.write_string(r, 0, service)
        for c, code in enumerate(codes, start=1):
            ws.write_number(
                r, c, sum(1 for i in results.institutions if (i.service_type or "-") == service and i.decision == code)
            )
    stacked = book.add_chart({"type": "column", "subtype": "stacked"})
    for c, code in enumerate(codes, start=1):
        stacked.add_series(
            {
                "name": [ws.name, top, c],
                "categories": [ws.name, top + 1, 0, top + len(types), 0],
                "values": [ws.name, top + 1, c, top + len(types), c],
                "fill": {"color": DECISION_COLOURS[code]},
                "border": {"color": "#808080"},
            }
        )
    stacked.set_title({"name": t["by_type"], "name_font": {"name": FONT, "size": 12}})
    ws.insert_chart(top, 3 + len(codes), stacked, {"x_scale": 1.2})

    base = top + len(types) + 3
    ws.write_row(base, 0, [t["domain_avg"], t["percent"]], fmt["header"])
    for r, domain in enumerate(results.rubric.domains, start=base + 1):
        values = [x for i in results.institutions if (x := domain_percents(i, p)[r - base - 1]) is not None]
        ws.write_string(r, 0, f"{domain.id} {name_text(domain.name, lang)}")
        if values:
            ws.write_number(r, 1, round(sum(values) / len(values), p), fmt["number"])
    bar = book.add_chart({"type": "bar"})
    n = len(results.rubric.domains)
    bar.add_series(
        {
            "name": t["domain_avg"],
            "categories": [ws.name, base + 1, 0, base + n, 0],
            "values": [ws.name, base + 1, 1, base + n, 1],
            "fill": {"color": "#548235"},
            "data_labels": {"value": True},
        }
    )
    bar.set_title({"name": t["domain_avg"], "name_font": {"name": FONT, "size": 12}})
    bar.set_legend({"none": True})
    bar.set_x_axis({"min": 0, "max": 100})
    ws.insert_chart(base, 3, bar, {"x_scale": 1.4})
    ws.set_column(0, 0, 26)
    ws.set_column(1, 8, 10)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)


def _run(book: Workbook, fmt: dict[str, Any], results: Results, t: dict[str, str]) -> None:
    s = _Sheet(book, fmt, t["run"], [t["key"], t["value"]])
    rubric = results.rubric
    rows: list[tuple[str, str]] = [
        ("rubric.id", rubric.id),
        ("rubric.version", rubric.version),
        ("rubric.sha256", rubric.sha256 or ""),
        ("rubric.path", rubric.path or ""),
        ("issued", results.issued.isoformat()),
    ]
    rows += [(f"run.{k}", str(v)) for k, v in results.run.items()]
    if results.roster:
        rows += [(f"roster.{k}", str(v)) for k, v in results.roster.items()]
    for n, item in enumerate(results.inputs, start=1):
        rows += [(f"input[{n}].{k}", str(v)) for k, v in item.items()]
    for key, value in rows:
        s.add([key, value])
    s.finish(1)
