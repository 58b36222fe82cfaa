"""`qualcert score --previous / --cohort`: the cohort rules (DOMAIN.md §8.2) in the score JSON and the 코호트 sheet.

A hand-made facility evaluation scored twice: cycle 1 issued 2020-06-30 (rubric version 2020.1),
cycle 2 issued 2023-06-30 (version 2023.1, the same rubric id). One reviewer, on site only, so
each total is 1.1.1 (of 60) + 1.1.2 (of 40) as written below, and the lists are computed by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from qualcert.cli import app
from tests.register_db import count, register_exists

runner = CliRunner()

RUBRIC = """\
schema: qualcert/rubric@1
id: cohort-test
title: {{ko: 코호트 시험 평가, en: Cohort test evaluation}}
version: "{version}"
precision: 2
scales:
  pts: {{kind: points, step: 0.5}}
aggregate: mean
disagreement: {{max_spread: 0.5}}
domains:
  - id: "1"
    name: 운영
    items:
      - id: "1.1"
        name: 운영과 서비스
        indicators:
          - {{id: "1.1.1", name: 운영 체계, points: 60, scale: pts, stages: [onsite]}}
          - {{id: "1.1.2", name: 서비스 제공, points: 40, scale: pts, stages: [onsite]}}
decision:
  grades:
    - {{grade: A, min: 90}}
    - {{grade: B, min: 80}}
    - {{grade: C, min: 70}}
    - {{grade: D, min: 60}}
    - {{grade: F, min: 0}}
"""

# institution: (1.1.1, 1.1.2) → total = the sum; None = no score (incomplete)
CYCLE1: dict[str, tuple[float, float | None]] = {
    "F01": (54, 36),  # 90   A
    "F02": (50, 35),  # 85   B
    "F03": (48, 32),  # 80   B
    "F04": (42, 30),  # 72   C
    "F05": (30, 20),  # 50   F
    "F06": (40, 25),  # 65   D
    "F07": (35, 23),  # 58   F
    "F08": (45, 30),  # 75   C
    "F09": (42, 28),  # 70   C
    "F10": (52, 36),  # 88   B
    "F11": (37, 25),  # 62   D   (not in cycle 2)
    "F13": (33, 22),  # 55   F
}
CYCLE2: dict[str, tuple[float, float | None]] = {
    "F01": (57, 38),  # 95   A  +5
    "F02": (55.5, 37.5),  # 93   A  +8
    "F03": (58, 37),  # 95   A  +15   tied with F01 on total
    "F04": (50, 34),  # 84   B  +12
    "F05": (33, 22),  # 55   F  +5    F twice in a row
    "F06": (49, 32),  # 81   B  +16   the largest rise
    "F07": (38, 26),  # 64   D  +6    was F: not twice
    "F08": (36, 24),  # 60   D  -15
    "F09": (43, 28.5),  # 71.5 C  +1.5
    "F10": (52, 34.5),  # 86.5 B  -1.5
    "F12": (24, 16),  # 40   F  new: no previous cycle
    "F13": (30, None),  # incomplete: not ranked, no grade
}
# By hand. Ranked: the 11 with a total (F13 is incomplete). Top 5%: ⌈11 × 5 / 100⌉ = 1 → 95, and F03
# tied with F01 at 95 → both, rank 1. With a previous total: F01–F10 (10) → top 3%: ⌈0.3⌉ = 1 → F06 +16.
# F twice: F05 (F13 was F but has no grade now; F12 has no previous cycle). D/F now: F05, F07, F08, F12.
# columns: rank, institution, grade, total, previous grade, previous total, change
EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    "top_score": [(1, "F01", "A", 95.0, "A", 90.0, 5.0), (1, "F03", "A", 95.0, "B", 80.0, 15.0)],
    "top_improvement": [(1, "F06", "B", 81.0, "D", 65.0, 16.0)],
    "consecutive_lowest": [(None, "F05", "F", 55.0, "F", 50.0, 5.0)],
    "consulting": [
        (None, "F05", "F", 55.0, "F", 50.0, 5.0),
        (None, "F07", "D", 64.0, "F", 58.0, 6.0),
        (None, "F08", "D", 60.0, "C", 75.0, -15.0),
        (None, "F12", "F", 40.0, None, None, None),
    ],
}
LISTS = list(EXPECTED)


def write_cycle(folder: Path, version: str, scores: dict[str, tuple[float, float | None]]) -> list[str]:
    folder.mkdir()
    (folder / "rubric.yaml").write_text(RUBRIC.format(version=version), encoding="utf-8")
    rows = ["institution_id,reviewer_id,stage,indicator_id,score"]
    for inst, pair in scores.items():
        for indicator, value in zip(("1.1.1", "1.1.2"), pair, strict=True):
            if value is not None:
                rows.append(f"{inst},R1,onsite,{indicator},{value:g}")
    (folder / "scores.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [str(folder / "rubric.yaml"), str(folder / "scores.csv")]


def invoke(args: list[str], exit_code: int = 0) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture
def cycles(tmp_path: Path) -> tuple[Path, list[str]]:
    """Cycle 1 scored to prev.json; the arguments that score cycle 2 (issued 2023-06-30)."""
    previous = tmp_path / "prev.json"
    first = write_cycle(tmp_path / "c1", "2020.1", CYCLE1)
    invoke(["score", *first, "--issued", "2020-06-30", "--json", str(previous), "-q"])
    return previous, [*write_cycle(tmp_path / "c2", "2023.1", CYCLE2), "--issued", "2023-06-30"]


def rows(cohort: dict[str, Any], key: str) -> list[tuple[Any, ...]]:
    return [
        (
            e["rank"],
            e["institution_id"],
            e["grade"],
            e["total"],
            e["previous_grade"],
            e["previous_total"],
            e["improvement"],
        )
        for e in cohort[key]
    ]


def sheet_rows(path: Path, sheet: str) -> tuple[list[Any], dict[str, list[tuple[Any, ...]]]]:
    """The cohort sheet's header and its rows grouped by list label (the first column)."""
    ws = openpyxl.load_workbook(path)[sheet]
    table = list(ws.iter_rows(min_row=6, values_only=True))
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in table[1:]:
        grouped.setdefault(row[0], []).append(row[1:])
    return list(table[0]), grouped


def test_score_previous_gives_the_hand_computed_cohort_in_json_and_sheet(
    tmp_path: Path, cycles: tuple[Path, list[str]]
) -> None:
    previous, current = cycles
    out, xlsx = tmp_path / "cur.json", tmp_path / "cur.xlsx"
    result = invoke(["score", *current, "--previous", str(previous), "--json", str(out), "-o", str(xlsx)])
    assert "cohort: 11 ranked, 11 found in the previous cycle" in result.stdout
    assert "top 5% by total 2 · top 3% by improvement 1 · F twice in a row 1 · D/F consulting 4" in result.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    cohort = doc["cohort"]
    for key in LISTS:
        assert rows(cohort, key) == EXPECTED[key], key
    assert cohort["previous"] == {"source": str(previous), "institutions": 11}
    assert (cohort["ranked"], cohort["rubric"], cohort["issued"]) == (
        11,
        {"id": "cohort-test", "version": "2023.1"},
        "2023-06-30",
    )
    assert cohort["top_score"][0]["previous_issued"] == "2020-06-30"
    assert doc["run"]["options"]["cohort"] == str(previous)
    # the score JSON's other keys are the same as without the cohort
    plain = json.loads(invoke(["score", *current, "--json", "-"]).stdout)
    assert plain["cohort"] is None
    assert {k: v for k, v in doc.items() if k not in ("cohort", "run")} == {
        k: v for k, v in plain.items() if k not in ("cohort", "run")
    }
    # one implementation of the rules: `registry cohort` on the written JSON says the same
    again = json.loads(invoke(["registry", "cohort", str(out), "--previous", str(previous), "--json"]).stdout)
    assert again == cohort

    # the sheet, reopened: 코호트 before 정보, the four lists in the JSON's order and numbers
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["요약", "영역별", "지표별", "불일치", "신뢰도", "적격성", "코호트", "정보"]
    header, grouped = sheet_rows(xlsx, "코호트")
    assert header == [
        "구분",
        "순위",
        "기관코드",
        "기관명",
        "등급",
        "총점(%)",
        "이전 등급",
        "이전 발급일",
        "이전 총점(%)",
        "증감(%p)",
    ]
    labels = ["총점 상위 5%", "개선 상위 3%", "연속 F등급 — 지자체 통보·개선계획", "컨설팅 대상 (D·F)"]
    assert list(grouped) == labels
    for key, label in zip(LISTS, labels, strict=True):
        got = [(r[0], r[1], r[3] or None, r[4], r[5] or None, r[7], r[8]) for r in grouped[label]]
        assert got == rows(cohort, key), key
        issued = [None if r[6] is None else r[6].date().isoformat() for r in grouped[label]]
        assert issued == [e["previous_issued"] for e in cohort[key]]
    ws = book["코호트"]
    assert ws["A2"].value.endswith("이전 주기: " + str(previous) + " (기관 11곳 대응) · 순위 대상 11곳")
    assert (
        ws["A3"].value
        == "총점 상위 5%: 2곳 · 개선 상위 3%: 1곳 · 연속 F등급 — 지자체 통보·개선계획: 1곳 · 컨설팅 대상 (D·F): 4곳"
    )
    assert ws.freeze_panes == "A7" and ws.auto_filter.ref == "A6:J14"  # 2 + 1 + 1 + 4 rows
    assert ws["J7"].number_format == "+0.00;[Red]-0.00;0.00"


def test_english_sheet(tmp_path: Path, cycles: tuple[Path, list[str]]) -> None:
    previous, current = cycles
    xlsx = tmp_path / "cur.xlsx"
    invoke(["score", *current, "--previous", str(previous), "-o", str(xlsx), "--lang", "en", "-q"])
    assert openpyxl.load_workbook(xlsx).sheetnames[-2:] == ["Cohort", "Run"]
    header, grouped = sheet_rows(xlsx, "Cohort")
    assert header[:3] == ["List", "Rank", "Institution"]
    assert list(grouped) == [
        "Top 5% by total",
        "Top 3% by improvement",
        "Lowest grade (F) twice — notify local government, improvement plan",
        "Consulting (D·F)",
    ]
    assert [r[1] for r in grouped["Consulting (D·F)"]] == ["F05", "F07", "F08", "F12"]


def test_no_cohort_unless_asked(tmp_path: Path, cycles: tuple[Path, list[str]]) -> None:
    _, current = cycles
    xlsx = tmp_path / "cur.xlsx"
    doc = json.loads(invoke(["score", *current, "-o", str(xlsx), "--json", "-"]).stdout)
    assert doc["cohort"] is None and doc["run"]["options"]["cohort"] is None
    assert "코호트" not in openpyxl.load_workbook(xlsx).sheetnames


def test_previous_cycle_from_the_register(tmp_path: Path, cycles: tuple[Path, list[str]], db: str) -> None:
    previous, current = cycles
    invoke(["registry", "record", str(previous), "--db", db])
    from_file = json.loads(invoke(["score", *current, "--previous", str(previous), "--json", "-"]).stdout)["cohort"]
    out = tmp_path / "cur.json"
    result = invoke(["score", *current, "--cohort", "--db", db, "--record", "--json", str(out)])
    assert "found in the previous cycle (the register)" in result.stdout
    from_register = json.loads(out.read_text(encoding="utf-8"))["cohort"]
    assert from_register["previous"] == {"source": "register", "institutions": 11}
    assert {k: v for k, v in from_register.items() if k != "previous"} == {
        k: v for k, v in from_file.items() if k != "previous"
    }
    # recorded: the register's own cohort of this run agrees, and scoring it again still looks back to 2020
    assert json.loads(invoke(["registry", "cohort", str(out), "--db", db, "--json"]).stdout) == from_register
    again = json.loads(invoke(["score", *current, "--cohort", "--db", db, "--json", "-"]).stdout)["cohort"]
    assert again == from_register


def test_first_cycle_recorded_with_cohort_has_no_previous_cycle(
    tmp_path: Path, cycles: tuple[Path, list[str]], db: str
) -> None:
    _, current = cycles
    xlsx = tmp_path / "cur.xlsx"
    result = invoke(["score", *current, "--cohort", "--record", "--db", db, "-o", str(xlsx), "--json", "-"])
    cohort = json.loads(result.stdout)["cohort"]
    assert cohort["previous"] == {"source": "register", "institutions": 0}
    assert cohort["top_improvement"] == [] and cohort["consecutive_lowest"] == []
    assert [e["institution_id"] for e in cohort["top_score"]] == ["F01", "F03"]
    assert [e["institution_id"] for e in cohort["consulting"]] == ["F05", "F07", "F08", "F12"]
    assert register_exists(db, "runs") and count(db, "SELECT count(*) FROM runs") == 1
    _, grouped = sheet_rows(xlsx, "코호트")
    assert grouped["개선 상위 3%"] == [(None, None, "(이전 주기 없음)", None, None, None, None, None, None)]
    assert grouped["연속 F등급 — 지자체 통보·개선계획"][0][2] == "(이전 주기 없음)"


def outputs(tmp_path: Path) -> list[str]:
    return ["-o", str(tmp_path / "o.xlsx"), "--json", str(tmp_path / "o.json"), "--csv", str(tmp_path / "o.csv")]


def assert_nothing_written(tmp_path: Path, db: str) -> None:
    assert not any((tmp_path / name).exists() for name in ("o.xlsx", "o.json", "o.csv"))
    assert not list(tmp_path.glob(".o.*"))  # no temporary file left behind
    assert not register_exists(db)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "not json at all",
            "not JSON (Expecting value); expected the file written by `qualcert score --json` [not-score-json]",
        ),
        ('{"rubric": {"id": "cohort-test"}}', "missing: issued, institutions) [not-score-json]"),
        ("OTHER_RUBRIC", "this is a cycle of rubric 'ssqc-2023', not 'cohort-test'"),
        ("SAME_DAY", "the previous cycle was issued 2023-06-30, not before this run's 2023-06-30"),
    ],
)
def test_a_bad_previous_file_exits_3_and_writes_nothing(
    tmp_path: Path, cycles: tuple[Path, list[str]], db: str, content: str, expected: str
) -> None:
    previous, current = cycles
    bad = tmp_path / "bad.json"
    doc = json.loads(previous.read_text(encoding="utf-8"))
    if content == "OTHER_RUBRIC":
        doc["rubric"]["id"] = "ssqc-2023"
        content = json.dumps(doc)
    elif content == "SAME_DAY":
        doc["issued"] = "2023-06-30"
        content = json.dumps(doc)
    bad.write_text(content, encoding="utf-8")
    result = invoke(["score", *current, "--previous", str(bad), *outputs(tmp_path), "--record", "--db", db], 3)
    assert f"{bad}" in result.stderr and expected in " ".join(result.stderr.split())
    assert "nothing was written" in result.stderr and "Traceback" not in result.output
    assert_nothing_written(tmp_path, db)


def test_a_bad_previous_file_is_reported_with_the_score_files_problems(
    tmp_path: Path, cycles: tuple[Path, list[str]], db: str
) -> None:
    _, current = cycles
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    with open(current[1], "a", encoding="utf-8") as handle:
        handle.write("F01,R2,onsite,1.1.1,61\n")  # above the indicator's 60 points
    result = invoke(["score", *current, "--previous", str(bad), *outputs(tmp_path), "--record", "--db", db], 3)
    assert "2 problems found; nothing was written." in result.stderr
    assert "[not-score-json]" in result.stderr and "scores.csv:row 25: error: 61 is not a valid score" in result.stderr
    assert_nothing_written(tmp_path, db)


def test_cohort_needs_a_graded_rubric_and_an_existing_register(
    tmp_path: Path, cycles: tuple[Path, list[str]], db: str
) -> None:
    previous, current = cycles
    ungraded = Path(current[0]).read_text(encoding="utf-8").split("decision:")[0] + "decision: {total_min: 80}\n"
    Path(current[0]).write_text(ungraded, encoding="utf-8")
    result = invoke(["score", *current, "--previous", str(previous), *outputs(tmp_path), "--record", "--db", db], 3)
    assert "has no grade bands" in result.stderr and "[cohort-needs-grades]" in result.stderr
    assert f"{current[0]}" in result.stderr
    assert_nothing_written(tmp_path, db)
    # --cohort reads the register: none there is an error (with --record, the first cycle, it is not)
    Path(current[0]).write_text(RUBRIC.format(version="2023.1"), encoding="utf-8")
    result = invoke(["score", *current, "--cohort", "--db", db, *outputs(tmp_path)], 3)
    assert "no register here yet" in result.stderr and "1 problem found" in result.stderr
    assert_nothing_written(tmp_path, db)


def test_an_output_may_not_overwrite_the_previous_file(tmp_path: Path, cycles: tuple[Path, list[str]]) -> None:
    previous, current = cycles
    before = previous.read_bytes()
    result = invoke(["score", *current, "--previous", str(previous), "--json", str(previous)], 3)
    assert "overwrite an input" in result.stderr and previous.read_bytes() == before
