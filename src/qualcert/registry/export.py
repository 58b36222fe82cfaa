"""The register as an Excel workbook: certificates and their state, every cycle, domain scores, checks, runs.

Text goes in with ``write_string`` (ids like ``007`` stay text, nothing becomes a formula),
dates as real dates, numbers as numbers. Every sheet has a styled, frozen header row and an
autofilter. The file is written to a temporary sibling and renamed at the end.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
import xlsxwriter

from qualcert.registry.register import Register
from qualcert.registry.schema import decisions, domain_scores, monitoring, revocations, runs
from qualcert.report.atomic import atomic_outputs, check_targets

TEXT, NUMBER, DATE, INT = "text", "number", "date", "int"
MAX_WIDTH: Final = 48


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 12


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: list[Sequence[Any]]


def export_register(register: Register, path: Path, *, on: date) -> dict[str, int]:
    """Write ``path`` (xlsx); returns the rows written per sheet."""
    check_targets([path], [p for p in [register.db.target.path] if p is not None])
    sheets = _sheets(register, on)
    with atomic_outputs() as stage:
        book = xlsxwriter.Workbook(
            str(stage(path)),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        book.set_properties({"title": "qualcert register", "author": "qualcert", "comments": f"status on {on}"})
        styles = {
            "header": book.add_format(
                {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1, "valign": "vcenter"}
            ),
            DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            NUMBER: book.add_format({"num_format": "0.00"}),
            INT: book.add_format({"num_format": "0"}),
        }
        for sheet in sheets:
            _write(book, styles, sheet)
        book.close()
    return {s.name: len(s.rows) for s in sheets}


def _write(book: Any, styles: dict[str, Any], sheet: Sheet) -> None:
    ws = book.add_worksheet(sheet.name)
    for c, col in enumerate(sheet.columns):
        ws.write_string(0, c, col.header, styles["header"])
        longest = max([len(col.header), *(len(_text(row[c])) for row in sheet.rows[:500])])
        ws.set_column(c, c, min(MAX_WIDTH, max(col.width, longest + 2)))
    for r, row in enumerate(sheet.rows, start=1):
        for c, (col, value) in enumerate(zip(sheet.columns, row, strict=True)):
            if value is None:
                continue
            if col.kind == DATE and isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), styles[DATE])
            elif col.kind in (NUMBER, INT) and isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value, styles[col.kind])
            else:
                ws.write_string(r, c, _text(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.columns) - 1)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _sheets(register: Register, on: date) -> list[Sheet]:
    certs = register.certificates(on=on, status="all")
    with register.reading() as conn:
        cycle_rows = conn.execute(
            sa.select(
                decisions.c.id,
                runs.c.rubric_id,
                runs.c.rubric_version,
                runs.c.issued,
                decisions.c.institution_id,
                decisions.c.name,
                decisions.c.service_type,
                decisions.c.decision,
                decisions.c.total,
                decisions.c.grade,
                decisions.c.valid_from,
                decisions.c.valid_until,
                decisions.c.reasons,
                runs.c.run_hash,
            )
            .select_from(decisions.join(runs, decisions.c.run_id == runs.c.id))
            .order_by(runs.c.rubric_id, runs.c.issued, runs.c.id, decisions.c.institution_id)
        ).all()
        key = {r.id: (r.rubric_id, r.issued, r.institution_id) for r in cycle_rows}
        domain_rows = conn.execute(
            sa.select(domain_scores).order_by(domain_scores.c.decision_id, domain_scores.c.position)
        ).all()
        checks = conn.execute(sa.select(monitoring).order_by(monitoring.c.date, monitoring.c.id)).all()
        revoked = conn.execute(sa.select(revocations).order_by(revocations.c.date, revocations.c.id)).all()
        run_rows = conn.execute(sa.select(runs).order_by(runs.c.rubric_id, runs.c.issued, runs.c.id)).all()
    ident = [Column("institution_id", TEXT, 14), Column("rubric_id", TEXT, 12), Column("issued", DATE, 11)]
    return [
        Sheet(
            "certificates",
            [
                Column("institution_id", TEXT, 14),
                Column("name", TEXT, 24),
                Column("rubric_id", TEXT, 12),
                Column("rubric_version", TEXT, 10),
                Column("decision", TEXT, 12),
                Column("issued", DATE, 11),
                Column("valid_from", DATE, 11),
                Column("valid_until", DATE, 11),
                Column(f"status on {on.isoformat()}", TEXT, 14),
                Column("days_left", INT, 9),
                Column("revoked_on", DATE, 11),
            ],
            [
                (
                    c.institution_id,
                    c.name,
                    c.rubric_id,
                    c.rubric_version,
                    c.decision,
                    c.issued,
                    c.valid_from,
                    c.valid_until,
                    c.status,
                    c.days_left,
                    c.revoked_on,
                )
                for c in certs
            ],
        ),
        Sheet(
            "cycles",
            [
                Column("rubric_id", TEXT, 12),
                Column("rubric_version", TEXT, 10),
                Column("issued", DATE, 11),
                Column("institution_id", TEXT, 14),
                Column("name", TEXT, 24),
                Column("service_type", TEXT, 14),
                Column("decision", TEXT, 12),
                Column("total", NUMBER, 8),
                Column("grade", TEXT, 6),
                Column("valid_from", DATE, 11),
                Column("valid_until", DATE, 11),
                Column("reasons", TEXT, 40),
                Column("run_hash", TEXT, 16),
            ],
            [
                (
                    r.rubric_id,
                    r.rubric_version,
                    r.issued,
                    r.institution_id,
                    r.name,
                    r.service_type,
                    r.decision,
                    r.total,
                    r.grade,
                    r.valid_from,
                    r.valid_until,
                    "; ".join(json.loads(r.reasons)),
                    r.run_hash,
                )
                for r in cycle_rows
            ],
        ),
        Sheet(
            "domains",
            [*ident, Column("domain_id", TEXT, 9), *(Column(k, NUMBER, 8) for k in ("score", "max", "percent"))],
            [(*_swap(key[d.decision_id]), d.domain_id, d.score, d.max, d.percent) for d in domain_rows],
        ),
        Sheet(
            "monitoring",
            [*ident, Column("date", DATE, 11), Column("result", TEXT, 7), *_notes("finding")],
            [(*_swap(key[m.decision_id]), m.date, m.result, m.finding, m.recorded_at) for m in checks],
        ),
        Sheet(
            "revocations",
            [*ident, Column("date", DATE, 11), *_notes("reason")],
            [(*_swap(key[v.decision_id]), v.date, v.reason, v.recorded_at) for v in revoked],
        ),
        Sheet(
            "runs",
            [
                Column("rubric_id", TEXT, 12),
                Column("rubric_version", TEXT, 10),
                Column("issued", DATE, 11),
                Column("institutions", INT, 8),
                Column("run_hash", TEXT, 16),
                Column("inputs", TEXT, 40),
                Column("source", TEXT, 30),
                Column("recorded_at", TEXT, 20),
            ],
            [
                (
                    r.rubric_id,
                    r.rubric_version,
                    r.issued,
                    r.institutions,
                    r.run_hash,
                    _inputs(r.inputs),
                    r.source,
                    r.recorded_at,
                )
                for r in run_rows
            ],
        ),
    ]


def _notes(what: str) -> list[Column]:
    return [Column(what, TEXT, 40), Column("recorded_at", TEXT, 20)]


def _swap(key: tuple[str, date, str]) -> tuple[str, str, date]:
    rubric_id, issued, institution_id = key
    return institution_id, rubric_id, issued


def _inputs(text: str) -> str:
    try:
        files = json.loads(text)
    except json.JSONDecodeError:
        return text
    if not isinstance(files, list):
        return text
    parts = []
    for f in files:
        if isinstance(f, dict):
            parts.append(f"{f.get('path', '?')} (sha256 {str(f.get('sha256', '?'))[:12]}…)")
    return "; ".join(parts)
