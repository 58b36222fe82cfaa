"""Writes the bundled survey example: seeded, synthetic satisfaction-survey responses.

    .venv/bin/python examples/survey/generate.py [--out DIR]   (default: this folder)

roster.csv               40 services of a regional agency: 22 방문형 (home visits), 18 시설형 (facilities)
responses-방문형.csv      UTF-8 with BOM, question ids as headers
responses-시설형.csv      CP949 (Excel's "CSV" on Korean Windows), the questions' Korean text as headers
operational.json         운영품질 totals in the shape of `qualcert score --json` (institutions[].total only)
previous-2023.json       last year's `qualcert survey --json` indices, for --baseline

Everything is synthetic [I]. Each service has a target index; the 방문형 targets average
90.6 and the 시설형 ones 87.2 (세종시사회서비스원 2023, DOMAIN.md §8.4). A respondent has a
latent satisfaction, each dimension and question a small offset, and answers are that
plus noise, rounded onto the 5-point scale; each service's level is then tuned (bisection,
same random draws) until qualcert computes its target. About 3% of answers are blank or
모름/해당없음, about 3% of respondents answer fewer than half of the questions (excluded),
and five services have fewer than 30 respondents (unreliable). Last year is this year
minus about 0.8 points. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from qualcert.errors import Location
from qualcert.numeric import round_half_up
from qualcert.report.json_layout import keyed_lines
from qualcert.survey import Respondent, Survey, compute_survey, load_survey, run_survey

HERE = Path(__file__).resolve().parent
SEED = 20240601
VISIT, FACILITY = "방문형", "시설형"
TARGETS = {VISIT: Decimal("90.6"), FACILITY: Decimal("87.2")}  # group means of the institution indices
COUNTS = {VISIT: 22, FACILITY: 18}
SERVICES = {
    VISIT: ["방문요양", "방문목욕", "노인맞춤돌봄", "장애인활동지원", "가사간병방문"],
    FACILITY: ["주야간보호", "국공립어린이집", "노인요양시설", "장애인주간보호"],
}
# fmt: off
PREFIXES = [
    "해오름", "새봄", "늘푸른", "한빛", "다솜", "온누리", "푸른숲", "별빛", "미래", "누리",
    "하늘", "큰나무", "희망", "동행", "두리", "소망", "꿈틀", "가온", "아라", "바른",
    "새솔", "단비", "라온", "마중물", "햇살", "은하수", "나래", "한울", "맑은샘", "도담",
    "새싹", "이음", "참빛", "다온", "우리", "예담", "봄날", "초록", "무지개", "열매",
]
# fmt: on
SMALL = {3, 9, 17, 26, 33}  # institutions (by position) with fewer than 30 respondents
MISSING_TOKENS = ["", "", "", "모름", "해당없음"]


def rounded(value: Fraction | Decimal | float) -> Decimal:
    """Half-up to 2 decimals (a float through its shortest text)."""
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    return round_half_up(exact, 2)


class Draws:
    """One institution's random draws, fixed, so that its level can be tuned without redrawing."""

    def __init__(self, rng: np.random.Generator, survey: Survey, n: int) -> None:
        q = len(survey.questions)
        self.person = rng.normal(0, 10, n)
        self.noise = rng.normal(0, 6, (n, q))
        self.missing = rng.random((n, q)) < 0.03
        self.token = rng.integers(0, len(MISSING_TOKENS), (n, q))
        self.partial = rng.random(n) < 0.03  # answers only a few questions: excluded
        self.kept = rng.integers(3, 7, n)  # how many index questions a partial respondent answers
        self.order = np.argsort(rng.random((n, q)), axis=1)


def answers(survey: Survey, draws: Draws, level: float, offsets: np.ndarray) -> list[list[str]]:
    """Answer texts (as exported) for one institution at satisfaction ``level`` (0..100)."""
    rows = []
    index_positions = {i for i, q in enumerate(survey.questions) if q.dimension is not None}
    for r in range(len(draws.person)):
        row = []
        latent = level + draws.person[r] + offsets + draws.noise[r]
        keep = [int(i) for i in draws.order[r] if i in index_positions][: draws.kept[r]]
        for i, question in enumerate(survey.questions):
            x = int(np.clip(np.rint(1 + 4 * latent[i] / 100), 1, 5))
            if question.reverse:
                x = 6 - x
            gone = draws.missing[r, i] or (draws.partial[r] and question.dimension is not None and i not in keep)
            row.append(MISSING_TOKENS[draws.token[r, i]] if gone and not draws.partial[r] else "" if gone else str(x))
        rows.append(row)
    return rows


def index_of(survey: Survey, iid: str, rows: list[list[str]]) -> Fraction:
    respondents = [
        Respondent(iid, str(r), tuple(int(a) if a.isdigit() else None for a in row), Location())
        for r, row in enumerate(rows)
    ]
    result = compute_survey(survey, respondents).institutions[0]
    assert result.index is not None
    return result.index


def tune(survey: Survey, iid: str, draws: Draws, offsets: np.ndarray, target: Decimal) -> tuple[float, list[list[str]]]:
    """The level whose answers give ``target`` (bisection on the same draws; monotone up to rounding)."""
    low, high = 40.0, 140.0
    for _ in range(30):
        mid = (low + high) / 2
        if index_of(survey, iid, answers(survey, draws, mid, offsets)) < Fraction(target):
            low = mid
        else:
            high = mid
    below, above = (answers(survey, draws, level, offsets) for level in (low, high))
    miss = [abs(index_of(survey, iid, rows) - Fraction(target)) for rows in (below, above)]
    return (low, below) if miss[0] < miss[1] else (high, above)


def json_text(doc: Mapping[str, object]) -> str:
    """Top-level keys on their own lines, one line per list entry (as `qualcert survey --json` writes)."""
    return "{\n" + keyed_lines(doc, 2, allow_nan=True) + "\n}\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    survey = load_survey(HERE / "survey.yaml")
    rng = np.random.default_rng(SEED)
    q = len(survey.questions)
    dimension_offset = {d.id: rng.normal(0, 2.5) for d in survey.dimensions}
    offsets = np.array([dimension_offset.get(x.dimension or "", 2.0) + rng.normal(0, 2) for x in survey.questions])

    roster: list[list[str]] = []
    targets: dict[str, Decimal] = {}
    for kind, count in COUNTS.items():
        spread = rng.normal(0, 2.6 if kind == VISIT else 1.8, count)
        spread -= spread.mean()
        values = float(TARGETS[kind]) + spread
        for _ in range(50):  # inside 85–96 with the group mean on target
            values = np.clip(values + float(TARGETS[kind]) - values.mean(), 85.4, 95.8)
        for k in range(count):
            iid = f"{'V' if kind == VISIT else 'F'}{k + 1:02d}"
            service = SERVICES[kind][k % len(SERVICES[kind])]
            name = f"{PREFIXES[len(roster)]} {service}{'센터' if kind == VISIT else ''}"
            roster.append([iid, name, kind, service])
            targets[iid] = rounded(values[k])

    files: dict[str, list[list[str]]] = {VISIT: [], FACILITY: []}
    for position, (iid, _, kind, _) in enumerate(roster):
        n = int(rng.integers(14, 28)) if position in SMALL else int(rng.integers(31, 58))
        draws = Draws(rng, survey, n)
        _, rows = tune(survey, iid, draws, offsets, targets[iid])
        files[kind] += [[iid, f"R{r + 1:03d}", *row] for r, row in enumerate(rows)]
    assert all(len(row) == q + 2 for rows in files.values() for row in rows)

    header_ids = ["institution_id", "respondent_id", *(x.id for x in survey.questions)]
    header_texts = ["기관코드", "응답자번호", *(x.text for x in survey.questions)]
    (out / "roster.csv").write_bytes(
        csv_text(["institution_id", "name", "service_type", "service"], roster).encode("utf-8-sig")
    )
    (out / f"responses-{VISIT}.csv").write_bytes(csv_text(header_ids, files[VISIT]).encode("utf-8-sig"))
    (out / f"responses-{FACILITY}.csv").write_bytes(csv_text(header_texts, files[FACILITY]).encode("cp949"))

    operational = [
        {"institution_id": iid, "name": name, "total": float(rounded(np.clip(rng.normal(88.5, 4.0), 75, 99)))}
        for iid, name, _, _ in roster
    ]
    doc = {"note": "synthetic excerpt of a `qualcert score --json` file", "institutions": operational}
    (out / "operational.json").write_text(json_text(doc), encoding="utf-8")

    # last year: this year's computed index minus about 0.8 (a little noise per service)
    current = run_survey(
        HERE / "survey.yaml",
        [out / f"responses-{VISIT}.csv", out / f"responses-{FACILITY}.csv"],
        roster_path=out / "roster.csv",
    )
    scored = [i for i in current.institutions if i.index is not None]
    drift = rng.normal(0, 1.2, len(scored))
    drift += 0.8 - drift.mean()  # the services improved by 0.8 on average (세종 2023: +0.8)
    previous = {
        i.institution_id: rounded((i.index or Fraction(0)) - Fraction(str(round(d, 2))))
        for i, d in zip(scored, drift, strict=True)
    }
    kinds = {row[0]: row[2] for row in roster}
    groups = [
        {"group": kind, "index": float(rounded(sum(v for k, v in previous.items() if kinds[k] == kind) / COUNTS[kind]))}
        for kind in COUNTS
    ]
    baseline = {
        "survey": {"id": "sat-survey-2023", "version": "2023"},
        "by": "service_type",
        "institutions": [{"institution_id": k, "index": float(v)} for k, v in previous.items()],
        "groups": groups,
        "overall": {"group": "전체", "index": float(rounded(sum(previous.values()) / len(previous)))},
        "problems": [],
    }
    (out / "previous-2023.json").write_text(json_text(baseline), encoding="utf-8")

    for group in current.groups:
        print(f"{group.group}: {group.institutions} services, index {rounded(group.index or 0)}")
    unreliable = sum(not i.reliable for i in current.institutions)
    excluded = sum(i.excluded_respondents for i in current.institutions)
    counted = sum(i.respondents for i in current.institutions)
    print(
        f"overall {rounded(current.overall.index or 0)}; {counted} respondents counted, {excluded} excluded; "
        f"{unreliable} unreliable services"
    )


if __name__ == "__main__":
    main()
