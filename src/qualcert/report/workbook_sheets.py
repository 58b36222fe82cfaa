"""The other detail sheets of the result workbook: 영역별/Domains, 적격성/Eligibility and 정보/Run."""

from __future__ import annotations

import json
from typing import Any

from xlsxwriter.worksheet import Worksheet

from qualcert.numeric import to_float
from qualcert.report.csv_out import guard, summary_headers
from qualcert.report.xlsx_kit import NUMBER, Cell, Col, Styles, Table, below, cond, letters, text_width
from qualcert.results import Results
from qualcert.rubric import name_text

# ----------------------------------------------------------------------------------------------
# 영역별 / Domains


def write_domains(ws: Worksheet, styles: Styles, results: Results, t: dict[str, str], lang: str) -> None:
    rubric, p = results.rubric, results.rubric.precision
    heads = summary_headers(lang)
    columns = [Col(heads[0]), Col(heads[1], max_width=30)]
    for _ in [*rubric.domains, None]:
        columns += [
            Col(t["score"], NUMBER, "number"),
            Col(t["max"], NUMBER, "number"),
            Col(t["percent"], NUMBER, "number"),
        ]
    # row 0: a group label over each domain's three columns, with its minimum; row 1: the table header
    ws.merge_range(0, 0, 0, 1, "", styles.group)
    for k, domain in enumerate([*rubric.domains, None]):
        col = 2 + 3 * k
        if domain is None:
            label = t["total"] + (
                f" ({t['minimum']} {rubric.decision.total_min}%)" if rubric.decision.total_min is not None else ""
            )
        else:
            minimum = rubric.domain_minimum(domain)
            label = f"{domain.id} {name_text(domain.name, lang)}"
            label += f" ({t['minimum']} {minimum}%)" if minimum is not None else ""
        ws.merge_range(0, col, 0, col + 2, guard(label), styles.group)
    ws.set_row(0, 30)
    table = Table(ws, styles, columns, header_row=1)
    for inst in results.institutions:
        row: list[Cell] = [inst.institution_id, inst.name or ""]
        for area in inst.domains:
            row += [
                to_float(area.score, p),
                to_float(area.max, p),
                None if area.percent is None else to_float(area.percent, p),
            ]
        row += [to_float(inst.score, p), to_float(inst.max, p), None if inst.total is None else to_float(inst.total, p)]
        table.add(row)
    first, last = 2, table.last
    for k, domain in enumerate([*rubric.domains, None]):
        col = 2 + 3 * k + 2
        minimum = rubric.decision.total_min if domain is None else rubric.domain_minimum(domain)
        if minimum is not None:
            cond(ws, first, last, col, below(letters(col), first, float(minimum), styles.red))
    table.finish(freeze_cols=2, title_rows=0)


# ----------------------------------------------------------------------------------------------
# 적격성 / Eligibility


def write_eligibility(ws: Worksheet, styles: Styles, results: Results, t: dict[str, str], lang: str) -> None:
    heads = summary_headers(lang)
    columns = [
        Col(heads[0]),
        Col(heads[1], max_width=30),
        Col(t["rule"]),
        Col(t["threshold"]),
        Col(t["value"]),
        Col(t["result"]),
    ]
    rules = {r.field: r for r in results.rubric.decision.eligibility}
    bounds: dict[str, str] = {}
    for field, rule in rules.items():
        parts = [f"≥ {rule.min}" if rule.min is not None else "", f"≤ {rule.max}" if rule.max is not None else ""]
        parts.append("∈ {" + ", ".join(map(str, rule.one_of)) + "}" if rule.one_of is not None else "")
        bounds[field] = " ".join(x for x in parts if x)
    table = Table(ws, styles, columns)
    for inst in results.institutions:
        for check in inst.eligibility:
            verdict = t["no_value"] if check.passed is None else t["passed"] if check.passed else t["failed"]
            table.add(
                [inst.institution_id, inst.name or "", check.field, bounds.get(check.field, ""), check.value, verdict]
            )
    criteria = f'=AND(LEN($F2)>0,$F2<>"{t["passed"]}")'
    cond(ws, 1, table.last, 5, {"type": "formula", "criteria": criteria, "format": styles.red})
    table.finish(freeze_cols=2)


# ----------------------------------------------------------------------------------------------
# 정보 / Run


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def write_run(ws: Worksheet, styles: Styles, results: Results, t: dict[str, str], lang: str) -> None:
    rubric = results.rubric
    ws.write_string(0, 0, t["run_title"], styles.title)
    ws.set_row(0, 24)
    rows: list[tuple[str, Any]] = [
        ("rubric.id", rubric.id),
        ("rubric.title", name_text(rubric.title, lang)),
        ("rubric.version", rubric.version),
        ("rubric.sha256", rubric.sha256),
        ("rubric.path", rubric.path),
        ("issued", results.issued.isoformat()),
    ]
    for key, value in results.run.items():
        if isinstance(value, dict):
            rows += [(f"run.{key}.{k}", v) for k, v in value.items()]
        else:
            rows.append((f"run.{key}", value))
    if results.roster:
        rows += [(f"roster.{k}", v) for k, v in results.roster.items()]
    widths = [16, 66, 10, 10]
    r = 2
    for key, value in rows:
        text = guard(_plain(value))
        ws.write_string(r, 0, guard(key), styles.key)
        if text:
            ws.write_string(r, 1, text)
        widths[0] = max(widths[0], text_width(key) + 2)
        r += 1
    # the input files, one row each: path, sha256, kind, rows (and anything else a reader recorded)
    r += 1
    ws.write_string(r, 0, t["inputs"], styles.title)
    header = r + 1
    columns = [t["path"], "sha256", t["kind"], t["rows"]]
    for c, head in enumerate(columns):
        ws.write_string(header, c, head, styles.header)
    r = header + 1
    for item in results.inputs:
        path = guard(_plain(item.get("path")))
        ws.write_string(r, 0, path)
        ws.write_string(r, 1, guard(_plain(item.get("sha256"))))
        ws.write_string(r, 2, guard(_plain(item.get("kind"))))
        count = item.get("rows")
        if isinstance(count, int):
            ws.write_number(r, 3, count, styles.col["int"])
        extra = {k: v for k, v in item.items() if k not in {"path", "kind", "rows", "sha256"}}
        if extra:
            ws.write_string(r, 4, guard(_plain(extra)))
        widths[0] = max(widths[0], text_width(path) + 2)
        r += 1
    for c, width in enumerate(widths):
        ws.set_column(c, c, min(width, 80), styles.col["text"])
    ws.autofilter(header, 0, max(r - 1, header), len(columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&L&A&R&P / &N")
