"""The per-institution summary row shared by the CSV output and the workbook's summary sheet.

Writers format these values; they never recompute a score.
"""

from __future__ import annotations

from typing import Any

from qualcert.numeric import to_float
from qualcert.results import DECISION_LABELS, InstitutionResult, Results
from qualcert.rubric import name_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    """Text that a spreadsheet will not run as a formula (a leading apostrophe, as Excel itself uses)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


HEADERS = {
    "ko": [
        "기관코드",
        "기관명",
        "서비스유형",
        "총점(%)",
        "등급",
        "판정",
        "주요 사유",
        "합격선 대비",
        "인증까지 필요 점수",
        "인증 시작일",
        "인증 만료일",
        "불일치 지표",
    ],
    "en": [
        "Institution",
        "Name",
        "Service type",
        "Total (%)",
        "Grade",
        "Decision",
        "Main reasons",
        "Margin to pass line",
        "Points to certify",
        "Valid from",
        "Valid until",
        "Flagged indicators",
    ],
}


def summary_row(inst: InstitutionResult, precision: int, lang: str) -> list[Any]:
    """Values in the order of HEADERS[lang]: numbers as floats (rounded like the JSON), text as text."""
    total_margin = next((m.margin for m in inst.margins if m.rule == "total_min"), None)
    return [
        inst.institution_id,
        inst.name or "",
        inst.service_type or "",
        None if inst.total is None else to_float(inst.total, precision),
        inst.grade or "",
        DECISION_LABELS[inst.decision][lang],
        main_reason(inst, lang),
        None if total_margin is None else float(total_margin),
        None if inst.points_to_certify is None else to_float(inst.points_to_certify, precision),
        inst.valid_from.isoformat() if inst.valid_from else "",
        inst.valid_until.isoformat() if inst.valid_until else "",
        len(inst.flagged),
    ]


def main_reason(inst: InstitutionResult, lang: str) -> str:
    """The first decisive reason, and how many more there are (all of them are in the JSON and detail sheets)."""
    if not inst.reasons:
        return ""
    more = len(inst.reasons) - 1
    suffix = (f" (외 {more}건)" if lang == "ko" else f" (+{more} more)") if more else ""
    return str(getattr(inst.reasons[0], lang)) + suffix


def domain_headers(results: Results, lang: str) -> list[str]:
    return [f"{d.id} {name_text(d.name, lang)} (%)" for d in results.rubric.domains]


def domain_percents(inst: InstitutionResult, precision: int) -> list[float | None]:
    return [None if d.percent is None else to_float(d.percent, precision) for d in inst.domains]
