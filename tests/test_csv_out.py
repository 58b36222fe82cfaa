"""The CSV output: one row per institution, UTF-8 with BOM, formula-guarded text, the JSON's numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from qualcert.report import csv_out
from qualcert.report.csv_out import guard, write_csv
from qualcert.results import Results
from tests.test_workbook import build


@pytest.fixture(scope="module")
def results() -> Results:
    return build()


def read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to show Korean
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+82 10", "'+82 10"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("가 센터", "가 센터"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_guard(text: str, safe: str) -> None:
    assert guard(text) == safe


def test_csv_has_the_summary_columns_and_domain_percents(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "r.csv"
    write_csv(results, path)
    head, *rows = read(path)
    assert head == [
        "기관코드",
        "기관명",
        "서비스유형",
        "총점(%)",
        "등급",
        "판정",
        "주요 사유",
        "합격선 대비(%p)",
        "인증까지 필요 점수",
        "인증 시작일",
        "인증 만료일",
        "불일치 지표",
        "1 운영 (%)",
        "2 권리 (%)",
    ]
    p1 = ["P1", "'=1+1 센터", "a", "94.67", "A", "인증", "총점 94.67% ≥ 기준 80%", "14.67", ""]
    p1 += ["2023-12-05", "2026-12-04", "1.1.1", "91.11", "100.00"]
    p2 = ["P2", "나 센터", "b", "50.00", "C", "불인증", "총점 50.00% < 기준 80%; 영역 1 운영: 50.00% < 기준 60%"]
    p2 += ["-30.00", "4.20", "", "", "2.1.1", "50.00", "50.00"]
    p3 = ["P3", "다 센터", "a", "80.00", "", "미완료", "미완료: 현장 단계 점수가 없는 지표 1개 (1.1.2)", "0.00", ""]
    p3 += ["", "", "", "66.67", "100.00"]
    assert rows == [p1, p2, p3]


def test_csv_numbers_equal_the_json(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "r.csv"
    write_csv(results, path, lang="en")
    head, *rows = read(path)
    assert head[:3] == ["Institution", "Name", "Service type"] and head[-1] == "2 Rights (%)"
    by_id = {row[0]: row for row in rows}
    for inst in results.to_json_dict()["institutions"]:
        row = by_id[inst["institution_id"]]
        margin = next(m["margin"] for m in inst["margins"] if m["rule"] == "total_min")
        assert float(row[3]) == inst["total"] and float(row[7]) == margin
        assert (float(row[8]) if row[8] else None) == inst["points_to_certify"]
        assert row[5] == inst["decision_label"]["en"] and row[6] == "; ".join(inst["reasons"])
        assert [float(x) for x in row[12:]] == [d["percent"] for d in inst["domains"]]
        assert (row[10] or None) == inst["valid_until"]


def test_no_cell_of_the_csv_starts_a_formula(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "r.csv"
    write_csv(results, path)
    for row in read(path):
        for cell in row:
            number = cell.lstrip("-").replace(".", "", 1).isdigit()  # a negative number is a number, not text
            assert number or not cell.startswith(csv_out.FORMULA_STARTS), cell


def test_a_failing_csv_write_leaves_the_old_file(
    tmp_path: Path, results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.csv"
    target.write_text("previous", encoding="utf-8")
    calls = iter([True, False])

    def sometimes(*args: object, **kwargs: object) -> list[object]:
        if next(calls):
            return ["P1"]
        raise RuntimeError("disk full")

    monkeypatch.setattr(csv_out, "summary_values", sometimes)
    with pytest.raises(RuntimeError, match="disk full"):
        write_csv(results, target)
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"] and target.read_text(encoding="utf-8") == "previous"
