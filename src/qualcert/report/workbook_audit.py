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

import numpy as np
from xlsxwriter.worksheet import Worksheet

from qualcert import scoretable as st
from qualcert.numeric import to_float
from qualcert.report.csv_out import summary_headers
from qualcert.report.workbook_text import LABELS
from qualcert.report.xlsx_kit import NUMBER, Cell, Col, Styles, Table, Written, cond, letters
from qualcert.results import IndicatorResult, Results
from qualcert.rubric import name_text
from qualcert.scoring.fractions import scales_for

# ----------------------------------------------------------------------------------------------
# the audit trail: every reviewer's score per (institution, indicator, stage), with its cell


@dataclass(slots=True)
class Audit:
    labels: dict[str, str]  # stage → "R01:충족 R02:부분충족"
    sources: str  # "a.xlsx!평가표!F8, b.xlsx!평가표!F8" / "scores.csv:12,13"
    lines: list[str]  # for flagged indicators: "R01 · 현장 · 부분충족 — comment"


def _display_names(files: Sequence[str]) -> dict[str, str]:
    """Input paths shown relative to their common folder (short, and still unique)."""
    folders = {f: os.path.dirname(f) for f in set(files)}
    if not folders:
        return {}
    try:
        root = os.path.commonpath(set(folders.values()))
    except ValueError:  # mixed absolute and relative paths, or drives
        root = ""
    if not root:
        return {f: f for f in folders}
    shown = {d: os.path.relpath(d, root) for d in set(folders.values())}  # once per folder, not per file
    return {
        f: os.path.basename(f) if shown[d] == os.curdir else os.path.join(shown[d], os.path.basename(f))
        for f, d in folders.items()
    }


def audit_trail(results: Results, lang: str) -> dict[tuple[str, str], Audit]:
    """Per (institution, indicator): reviewers' labels per stage, their cells, and lines for the flagged ones.

    The rows of one (institution, indicator) in stage order (document, onsite, others by
    name), then by reviewer; in the table's order where those tie. Consecutive rows of one
    file and sheet share it in the sources: ``f.xlsx!평가표!F8,F9`` or ``f.csv:12,13``.
    Column lists and slices rather than a row object per score: 327,000 scores at national scale.
    """
    table = results.scores
    if table is None or table.empty:
        return {}
    t = LABELS[lang]
    flagged = {(inst.institution_id, ind.indicator_id) for inst in results.institutions for ind in inst.flagged}
    stage = table[st.STAGE].to_numpy(dtype=object)
    order = np.where(stage == "document", 0, np.where(stage == "onsite", 1, 2))
    table = table.assign(_order=order).sort_values(
        [st.INSTITUTION, st.INDICATOR, "_order", st.STAGE, st.REVIEWER], kind="stable"
    )
    institutions, indicators = table[st.INSTITUTION].tolist(), table[st.INDICATOR].tolist()
    stages, reviewers, labels = table[st.STAGE].tolist(), table[st.REVIEWER].tolist(), table[st.LABEL].tolist()
    files, sheets, comments = table[st.FILE].tolist(), table[st.SHEET].tolist(), table[st.COMMENT].tolist()
    names = _display_names(files)
    refs = [
        cell if sheet else str(row)
        for sheet, cell, row in zip(sheets, table[st.CELL].tolist(), table[st.ROW].tolist(), strict=True)
    ]
    pairs = [f"{reviewer}:{label}" for reviewer, label in zip(reviewers, labels, strict=True)]
    shown = [names[f] for f in files]
    places = [  # one row's source on its own
        f"{file}!{sheet}!{ref}" if sheet else f"{file}:{ref}"
        for file, sheet, ref in zip(shown, sheets, refs, strict=True)
    ]
    n = len(pairs)
    new_key = [True] + [
        indicators[k] != indicators[k - 1] or institutions[k] != institutions[k - 1] for k in range(1, n)
    ]
    starts = [k for k in range(n) if new_key[k]]  # of each (institution, indicator)
    runs = [k for k in range(n) if new_key[k] or stages[k] != stages[k - 1]]  # of each stage within one
    run_texts = [" ".join(pairs[a:b]) for a, b in zip(runs, [*runs[1:], n], strict=True)]
    run_stages = [stages[k] for k in runs]
    key_runs = [i for i, k in enumerate(runs) if new_key[k]]  # the first run of each (institution, indicator)
    same_place = [not new_key[k] and files[k] == files[k - 1] and sheets[k] == sheets[k - 1] for k in range(n)]
    shared = any(same_place)  # never with template workbooks: one file per reviewer and stage
    audit: dict[tuple[str, str], Audit] = {}
    spans = zip(starts, [*starts[1:], n], key_runs, [*key_runs[1:], len(runs)], strict=True)
    for first, end, first_run, end_run in spans:
        key = (institutions[first], indicators[first])
        by_stage = dict(zip(run_stages[first_run:end_run], run_texts[first_run:end_run], strict=True))
        if shared and any(same_place[first:end]):
            parts = [places[first]]
            for k in range(first + 1, end):
                if same_place[k]:
                    parts[-1] += "," + refs[k]
                else:
                    parts.append(places[k])
            sources = ", ".join(parts)
        else:
            sources = ", ".join(places[first:end])
        lines = []
        if key in flagged:  # "R01 · 현장 · 부분충족 — comment"
            for k in range(first, end):
                note = f" — {comments[k]}" if comments[k] else ""
                lines.append(f"{reviewers[k]} · {t.get(stages[k], stages[k])} · {labels[k]}{note}")
        audit[key] = Audit(by_stage, sources, lines)
    return audit


def _flags(ind: IndicatorResult, t: dict[str, str]) -> str:
    marks = (("flag_spread", ind.flagged), ("flag_na", ind.na_conflict), ("flag_missing", ind.missing))
    return ", ".join(t[key] for key, on in marks if on)


class _Rounded(dict[Fraction, float]):
    """The JSON's number of each value (:func:`~qualcert.numeric.to_float`), computed once per distinct value.

    Scores and fractions repeat (3/4, 2/3, ...): 64,000 indicator rows hold a few hundred distinct ones.
    """

    def __init__(self, precision: int) -> None:
        super().__init__()
        self.precision = precision

    def __missing__(self, value: Fraction) -> float:
        number = self[value] = to_float(value, self.precision)
        return number


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
    number = _Rounded(p)  # points and scores, rounded like the JSON's
    fraction = _Rounded(max(p, 4))  # as the JSON's "fraction"
    table = Table(ws, styles, columns)
    sources_col = len(columns) - 1

    def middle(ind: IndicatorResult, labels: tuple[str | None, ...]) -> list[Cell]:
        """Columns from the indicator to the flags: one indicator result with its reviewers' labels per stage."""
        fractions = {s.stage: s.fraction for s in ind.stages}
        row: list[Cell] = [
            ind.indicator_id,
            names[ind.indicator_id],
            number[ind.points],
            None if ind.applicable else t.get(f"excl_{ind.excluded}", ind.excluded or ""),
        ]
        for stage, label in zip(stages, labels, strict=True):
            value = fractions.get(stage)
            row += [label, None if value is None else fraction[value]]
        score = ind.score
        return [
            *row,
            None if ind.fraction is None else fraction[ind.fraction],
            None if score is None else number[score],
            _flags(ind, t),
        ]

    # Results are shared (64,000 rows hold a few thousand distinct indicator results with their labels):
    # each (result, labels) is typed once. Only the institution and the sources change from row to row.
    middles: dict[tuple[int, tuple[str | None, ...]], list[Written]] = {}  # by the result's id: all stay alive
    empty = Audit({}, "", [])
    for inst in results.institutions:
        iid = inst.institution_id
        head = table.cells([iid])
        for ind in inst.indicators:
            trail = audit.get((iid, ind.indicator_id), empty)
            labels = tuple(trail.labels.get(stage) for stage in stages)
            cells = middles.get((id(ind), labels))
            if cells is None:
                cells = middles[id(ind), labels] = table.cells(middle(ind, labels), first=1)
            table.add_cells([*head, *cells, *table.cells([trail.sources], first=sources_col)])
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
    number = _Rounded(p)  # spreads, rounded like the JSON's
    table = Table(ws, styles, columns)
    agreed = letters(8)
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
                    None if ind.spread is None else number[ind.spread],
                    "\n".join(trail.lines) if trail else "",
                    trail.sources.replace(", ", "\n") if trail else "",
                ]
            )
            cells.setdefault(ind.indicator_id, []).append(f"{agreed}{r + 1}")
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
