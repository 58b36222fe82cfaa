"""One row per institution as CSV (UTF-8 with BOM, so that Excel shows Korean), and the shared summary columns.

The summary columns here are the workbook's 요약/Summary sheet too
(:mod:`qualcert.report.workbook` imports them), so both show the same values:
the JSON's numbers, rounded half-up to the rubric's precision. Text that a
spreadsheet would run as a formula gets a leading apostrophe (:func:`guard`).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

from qualcert.numeric import round_half_up
from qualcert.report.atomic import atomic_outputs
from qualcert.results import DECISION_LABELS, InstitutionResult, Results
from qualcert.rubric import name_text

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

Value = str | Decimal | date | None

# (key, Korean header, English header); the workbook adds the committee column after these.
SUMMARY_COLUMNS: Final = (
    ("institution_id", "기관코드", "Institution"),
    ("name", "기관명", "Name"),
    ("service_type", "서비스유형", "Service type"),
    ("total", "총점(%)", "Total (%)"),
    ("grade", "등급", "Grade"),
    ("decision", "판정", "Decision"),
    ("reasons", "주요 사유", "Main reasons"),
    ("margin", "합격선 대비(%p)", "Margin to pass line (pp)"),
    ("points_to_certify", "인증까지 필요 점수", "Points to certify"),
    ("valid_from", "인증 시작일", "Valid from"),
    ("valid_until", "인증 만료일", "Valid until"),
    ("flags", "불일치 지표", "Flagged indicators"),
)
COMMITTEE: Final = {"ko": "위원회 의결", "en": "Committee resolution"}


def guard(text: str) -> str:
    """Text that no spreadsheet runs as a formula: a leading apostrophe before ``= + - @``, tab or CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def check_lang(lang: str) -> str:
    if lang not in ("ko", "en"):
        raise ValueError(f"lang must be 'ko' or 'en', not {lang!r}")
    return lang


def summary_headers(lang: str) -> list[str]:
    column = 1 if check_lang(lang) == "ko" else 2
    return [spec[column] for spec in SUMMARY_COLUMNS]


def summary_values(inst: InstitutionResult, precision: int, lang: str, *, reason_sep: str = "; ") -> list[Value]:
    """The summary row in the order of :data:`SUMMARY_COLUMNS`: numbers are the JSON's, as exact Decimals."""
    margin = next((m.margin for m in inst.margins if m.rule == "total_min"), None)
    return [
        inst.institution_id,
        inst.name or "",
        inst.service_type or "",
        None if inst.total is None else round_half_up(inst.total, precision),
        inst.grade or "",
        DECISION_LABELS[inst.decision][lang],
        reason_sep.join(r.ko if lang == "ko" else r.en for r in inst.reasons),
        margin,
        None if inst.points_to_certify is None else round_half_up(inst.points_to_certify, precision),
        inst.valid_from,
        inst.valid_until,
        ", ".join(i.indicator_id for i in inst.flagged),
    ]


def domain_headers(results: Results, lang: str) -> list[str]:
    return [f"{d.id} {name_text(d.name, lang)} (%)" for d in results.rubric.domains]


def domain_percents(inst: InstitutionResult, precision: int) -> list[Decimal | None]:
    return [None if d.percent is None else round_half_up(d.percent, precision) for d in inst.domains]


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a Decimal keeps exactly the JSON's digits


def write_csv(results: Results, path: Path, *, lang: str = "ko") -> None:
    """Write one row per institution: the summary columns, then every domain's percent. Atomic."""
    p = results.rubric.precision
    header = summary_headers(lang) + domain_headers(results, lang)
    with atomic_outputs() as stage, stage(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([guard(h) for h in header])
        for inst in results.institutions:
            writer.writerow([_cell(v) for v in summary_values(inst, p, lang) + domain_percents(inst, p)])
