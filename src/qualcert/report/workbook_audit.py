"""The audit-trail sheets of the result workbook: 지표별/Indicators and 불일치/Disagreements.

Every reviewer's score per (institution, indicator, stage) comes from the validated
score table (``Results.scores``) with its file, sheet and cell (or CSV row); the
numbers (stage fractions, combined fraction, score, spread) are the JSON's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby
from operator import itemgetter

from xlsxwriter.worksheet import Worksheet

from qualcert import scoretable as st
from qualcert.numeric import round_half_up, to_float
from qualcert.report.csv_out import summary_headers
from qualcert.report.workbook_text import LABELS
from qualcert.report.xlsx_kit import NUMBER, Cell, Col, Styles, Table, cond, letters
from qualcert.results import IndicatorResult, Results
from qualcert.rubric import name_text
from qualcert.scoring.fractions import scales_for

# ----------------------------------------------------------------------------------------------
# the audit trail: every reviewer's score per (institution, indicator, stage), with its cell


@dataclass
class Audit:
    labels: dict[str, str]  # stage → "R01:충족 R02:부분충족"
    sources: str  # "a.xlsx!평가표!F8, b.xlsx!평가표!F8" / "scores.csv:12,13"
    lines: list[str]  # for flagged indicators: "R01 · 현장 · 부분충족 — comment"


def _display_names(files: Sequence[str]) -> dict[str, str]:
    """Input paths shown relative to their common folder (short, and still unique)."""
    unique = sorted(set(files))
    if not unique:
        return {}
    try:
        root = os.path.commonpath([os.path.dirname(f) for f in unique])
    except ValueError:  # mixed absolute and relative paths, or drives
        return {f: f for f in unique}
    return {f: os.path.relpath(f, root) if root else f for f in unique}


_Entry = tuple[int, str, str, str, str, str, str]  # stage order, stage, reviewer, label, file, sheet, cell or row


def _sources(entries: list[_Entry]) -> str:
    """Consecutive entries of one file and sheet share it: ``f.xlsx!평가표!F8,F9`` or ``f.csv:12,13``."""
    parts: list[str] = []
    key: tuple[str, str] | None = None
    refs: list[str] = []
    for *_, file, sheet, ref in entries:
        if (file, sheet) != key:
            if key is not None:
                parts.append(_source_text(key, refs))
            key, refs = (file, sheet), []
        refs.append(ref)
    if key is not None:
        parts.append(_source_text(key, refs))
    return ", ".join(parts)


def _source_text(key: tuple[str, str], refs: list[str]) -> str:
    file, sheet = key
    return f"{file}!{sheet}!{','.join(refs)}" if sheet else f"{file}:{','.join(refs)}"


def audit_trail(results: Results, lang: str) -> dict[tuple[str, str], Audit]:
    """Per (institution, indicator): reviewers' labels per stage, their cells, and lines for the flagged ones."""
    table = results.scores
    if table is None or table.empty:
        return {}
    t = LABELS[lang]
    flagged = {(inst.institution_id, ind.indicator_id) for inst in results.institutions for ind in inst.flagged}
    names = _display_names(table[st.FILE].tolist())
    order = table[st.STAGE].map({"document": 0, "onsite": 1}).fillna(2).astype("int64")
    table = table.assign(_order=order).sort_values(
        [st.INSTITUTION, st.INDICATOR, "_order", st.STAGE, st.REVIEWER], kind="stable"
    )
    sheets = table[st.SHEET].tolist()
    refs = [
        cell if sheet else str(row)
        for sheet, cell, row in zip(sheets, table[st.CELL].tolist(), table[st.ROW].tolist(), strict=True)
    ]
    rows = zip(
        table[st.INSTITUTION].tolist(),
        table[st.INDICATOR].tolist(),
        table["_order"].tolist(),
        table[st.STAGE].tolist(),
        table[st.REVIEWER].tolist(),
        table[st.LABEL].tolist(),
        [names[f] for f in table[st.FILE].tolist()],
        sheets,
        refs,
        table[st.COMMENT].tolist(),
        strict=True,
    )
    audit: dict[tuple[str, str], Audit] = {}
    for key, group in groupby(rows, key=itemgetter(0, 1)):
        members = list(group)
        entries: list[_Entry] = [m[2:9] for m in members]
        labels: dict[str, list[str]] = {}
        for _, stage, reviewer, label, *_ in entries:
            labels.setdefault(stage, []).append(f"{reviewer}:{label}")
        lines = []
        if key in flagged:  # "R01 · 현장 · 부분충족 — comment"
            for m in members:
                comment = f" — {m[9]}" if m[9] else ""
                lines.append(f"{m[4]} · {t.get(m[3], m[3])} · {m[5]}{comment}")
        audit[key] = Audit({s: " ".join(v) for s, v in labels.items()}, _sources(entries), lines)
    return audit


def _flags(ind: IndicatorResult, t: dict[str, str]) -> str:
    marks = (("flag_spread", ind.flagged), ("flag_na", ind.na_conflict), ("flag_missing", ind.missing))
    return ", ".join(t[key] for key, on in marks if on)


def _fraction(value: Fraction | None, precision: int) -> float | None:
    return None if value is None else float(round_half_up(value, max(precision, 4)))  # as the JSON's "fraction"


# ----------------------------------------------------------------------------------------------
# 지표별 / Indicators


def _stages(results: Results) -> list[str]:
    rubric = results.rubric
    used = {s for ind in rubric.indicators.values() for s in rubric.stages_of(ind)}
    return [s for s in ("document", "onsite") if s in used]


def write_indicators(
    ws: Worksheet,
    styles: Styles,
    results: Results,
    t: dict[str, str],
    lang: str,
    audit: dict[tuple[str, str], Audit],
) -> None:
    p = results.rubric.precision
    stages = _stages(results)
    columns = [
        Col(summary_headers(lang)[0]),
        Col(t["indicator"]),
        Col(t["indicator_name"], max_width=36),
        Col(t["points"], NUMBER, "number"),
        Col(t["excluded"]),
    ]
    for stage in stages:
        columns += [
            Col(t["reviewers"].format(stage=t[stage]), max_width=40),
            Col(t["stage_fraction"].format(stage=t[stage]), NUMBER, "percent"),
        ]
    columns += [
        Col(t["fraction"], NUMBER, "percent"),
        Col(t["score"].capitalize(), NUMBER, "number"),
        Col(t["flags"], max_width=24),
        Col(t["sources"], max_width=60),
    ]
    names = {i.id: name_text(i.name, lang) for i in results.rubric.indicators.values()}
    table = Table(ws, styles, columns)
    empty = Audit({}, "", [])
    for inst in results.institutions:
        iid = inst.institution_id
        for ind in inst.indicators:
            trail = audit.get((iid, ind.indicator_id), empty)
            fractions = {s.stage: s.fraction for s in ind.stages}
            row: list[Cell] = [
                iid,
                ind.indicator_id,
                names[ind.indicator_id],
                to_float(ind.points, p),
                None if ind.applicable else t.get(f"excl_{ind.excluded}", ind.excluded or ""),
            ]
            for stage in stages:
                row += [trail.labels.get(stage), _fraction(fractions.get(stage), p)]
            score = ind.score
            row += [
                _fraction(ind.fraction, p),
                None if score is None else to_float(score, p),
                _flags(ind, t),
                trail.sources,
            ]
            table.add(row)
    first, last = 1, table.last
    n = len(columns)
    flags_col, excluded_col = letters(n - 2), letters(4)
    cond(ws, first, last, 0, {"type": "formula", "criteria": f"=LEN(${flags_col}2)>0", "format": styles.flag}, n - 1)
    grey = f"=LEN(${excluded_col}2)>0"
    cond(ws, first, last, 0, {"type": "formula", "criteria": grey, "format": styles.grey}, n - 1)
    table.finish(freeze_cols=2)


# ----------------------------------------------------------------------------------------------
# 불일치 / Disagreements


def write_disagreements(
    ws: Worksheet,
    styles: Styles,
    results: Results,
    t: dict[str, str],
    lang: str,
    audit: dict[tuple[str, str], Audit],
) -> None:
    p = results.rubric.precision
    heads = summary_headers(lang)
    columns = [
        Col(heads[0]),
        Col(heads[1], max_width=24),
        Col(t["indicator"]),
        Col(t["indicator_name"], max_width=28),
        Col(t["why"], max_width=16),
        Col(t["spread"], NUMBER, "number"),
        Col(t["detail"], fmt="wrap", max_width=60, min_width=40),
        Col(t["sources"], fmt="wrap", max_width=30),
        Col(t["agreed"], fmt="committee", min_width=12),
        Col(t["rationale"], fmt="committee", min_width=30),
        Col(t["settled_by"], fmt="committee", min_width=12),
    ]
    names = {i.id: name_text(i.name, lang) for i in results.rubric.indicators.values()}
    scales = scales_for(results.rubric)
    table = Table(ws, styles, columns)
    cells: dict[str, list[str]] = {}  # indicator → agreed-score cells, for one drop-down per indicator
    for inst in results.institutions:
        for ind in inst.flagged:
            trail = audit.get((inst.institution_id, ind.indicator_id))
            why = ", ".join(t[k] for k, on in (("flag_spread", ind.flagged), ("flag_na", ind.na_conflict)) if on)
            r = table.add(
                [
                    inst.institution_id,
                    inst.name or "",
                    ind.indicator_id,
                    names[ind.indicator_id],
                    why,
                    None if ind.spread is None else to_float(ind.spread, p),
                    "\n".join(trail.lines) if trail else "",
                    trail.sources.replace(", ", "\n") if trail else "",
                ]
            )
            cells.setdefault(ind.indicator_id, []).append(f"{letters(8)}{r + 1}")
    for indicator_id, refs in cells.items():
        values = scales[indicator_id].values()
        if sum(len(v) + 1 for v in values) <= 255:
            ws.data_validation(
                refs[0],
                {
                    "validate": "list",
                    "source": values,
                    "multi_range": " ".join(refs),
                    "error_type": "warning",
                    "error_title": t["agreed"],
                    "error_message": ", ".join(values),
                },
            )
    table.finish(freeze_cols=3)
