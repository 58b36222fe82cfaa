"""The result workbook, opened again with openpyxl: sheets, headers, values equal to the JSON, formats, safety."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from qualcert import scoretable as st
from qualcert.report import workbook
from qualcert.report.csv_out import FORMULA_STARTS
from qualcert.report.workbook import text_width, write_workbook
from qualcert.results import Results
from qualcert.scoring.engine import score
from tests.scoring_helpers import Inst, rubric_from, table

RUBRIC = """\
schema: qualcert/rubric@1
id: wb-test
title: {ko: 시험 심사기준, en: Test rubric}
version: "1"
service_types: [a, b]
precision: 2
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.0}}
  pt: {kind: points, step: 0.5}
stage_weights: {document: 0.4, onsite: 0.6}
disagreement: {max_spread: 0.5}
domains:
  - id: "1"
    name: {ko: 운영, en: Operation}
    items:
      - id: "1.1"
        name: 계획
        indicators:
          - {id: "1.1.1", name: {ko: 계획 수립, en: Planning}, points: 4, scale: lv, floor: 0.5}
          - {id: "1.1.2", name: {ko: 기록 관리, en: Records}, points: 2, scale: pt, stages: [onsite]}
  - id: "2"
    name: {ko: 권리, en: Rights}
    min: 50
    items:
      - id: "2.1"
        name: 권리보장
        indicators:
          - {id: "2.1.1", name: {ko: 고충 처리, en: Complaints}, points: 4, scale: lv, allow_na: true}
          - {id: "2.1.2", name: {ko: 안전, en: Safety}, points: 4, scale: lv, applies_to: [b]}
decision:
  total_min: 80
  domain_min: 60
  grades: [{grade: A, min: 90}, {grade: B, min: 80}, {grade: C, min: 0}]
  eligibility: [{field: years, min: 3}]
validity: {years: 3}
"""
EVIL = '=HYPERLINK("http://x","y")'
SHEETS = {
    "ko": ["요약", "영역별", "지표별", "불일치", "적격성", "정보"],
    "en": ["Summary", "Domains", "Indicators", "Disagreements", "Eligibility", "Run"],
}


def rows_of(inst: str, level: str, points: str | None, indicators: tuple[str, ...]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for reviewer in ("R1", "R2", "R3"):
        for stage in ("document", "onsite"):
            rows += [(inst, reviewer, stage, ind, level) for ind in indicators]
        if points is not None:
            rows.append((inst, reviewer, "onsite", "1.1.2", points))
    return rows


def build(text: str = RUBRIC) -> Results:
    """P1 certified (a reviewer disagrees on 1.1.1), P2 not certified (an N/A conflict on 2.1.1), P3 incomplete."""
    rubric = rubric_from(text)
    rows = rows_of("P1", "상", "2", ("1.1.1", "2.1.1"))
    rows += rows_of("P2", "중", "1", ("1.1.1", "2.1.1", "2.1.2"))
    rows += rows_of("P3", "상", None, ("1.1.1", "2.1.1"))
    rows[rows.index(("P1", "R1", "document", "1.1.1", "상"))] = ("P1", "R1", "document", "1.1.1", "하")
    rows[rows.index(("P2", "R1", "onsite", "2.1.1", "중"))] = ("P2", "R1", "onsite", "2.1.1", "N/A")
    scores = table(rubric, rows)  # type: ignore[arg-type]
    # P1's document scores come from template workbooks; the rest from a long CSV (t.csv, as the helper sets)
    doc = (scores[st.INSTITUTION] == "P1") & (scores[st.STAGE] == "document")
    scores.loc[doc, st.FILE] = "round/doc_P1_" + scores.loc[doc, st.REVIEWER] + ".xlsx"
    scores.loc[doc, st.SHEET] = "평가표"
    scores.loc[doc, st.CELL] = scores.loc[doc, st.INDICATOR].map({"1.1.1": "E8", "2.1.1": "E10"})
    scores.loc[(scores[st.INSTITUTION] == "P1") & (scores[st.REVIEWER] == "R1"), st.COMMENT] = EVIL
    return score(
        rubric,
        scores,
        issued=date(2023, 12, 5),
        institutions={
            "P1": Inst("P1", "a", {"years": "5"}, "=1+1 센터"),
            "P2": Inst("P2", "b", {"years": "4"}, "나 센터"),
            "P3": Inst("P3", "a", {"years": "3"}, "다 센터"),
        },
        inputs=[{"path": "/data/t.csv", "sha256": "ab" * 32, "kind": "csv", "rows": len(scores)}],
        roster={"path": "/data/roster.csv", "sha256": "cd" * 32, "institutions": 3},
        run={"qualcert": "9.9.9", "at": "2026-11-23T00:00:00+00:00", "options": {"issued": "2023-12-05"}},
    )


@pytest.fixture(scope="module")
def results() -> Results:
    return build()


def written(tmp_path: Path, results: Results, lang: str = "ko") -> openpyxl.Workbook:
    path = tmp_path / f"r_{lang}.xlsx"
    write_workbook(results, path, lang=lang)
    return openpyxl.load_workbook(path)


def header(ws: Worksheet, row: int = 1) -> list[Any]:
    return [c.value for c in ws[row]]


def records(ws: Worksheet, header_row: int = 1) -> list[dict[str, Any]]:
    """Rows below ``header_row`` as dicts keyed by header text."""
    keys = header(ws, header_row)
    return [
        dict(zip(keys, values, strict=False))
        for values in ws.iter_rows(min_row=header_row + 1, values_only=True)
        if any(v is not None for v in values)
    ]


# -- the Summary sheet, cell by cell ------------------------------------------------------------------------------

GOLDEN_SUMMARY: list[list[Any]] = [
    ["시험 심사기준 심사 결과", *[None] * 11, "차트 보기 ▶"],
    ["wb-test v1 · 발급일 2023-12-05 · 기관 3곳 · 합격선 80%", *[None] * 12],
    ["판정", "인증", "불인증", "자격미달", "미완료", "계", None, "등급", "A", "B", "C", None, None],
    ["기관 수", 1, 1, 0, 1, 3, None, "기관 수", 1, 0, 1, None, None],
    [None] * 13,
    [
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
        "위원회 의결",
    ],
    [
        "P1",
        "'=1+1 센터",
        "a",
        94.67,
        "A",
        "인증",
        "총점 94.67% ≥ 기준 80%",
        14.67,
        None,
        datetime(2023, 12, 5),
        datetime(2026, 12, 4),
        "1.1.1",
        None,
    ],
    [
        "P2",
        "나 센터",
        "b",
        50,
        "C",
        "불인증",
        "총점 50.00% < 기준 80%\n영역 1 운영: 50.00% < 기준 60%",
        -30,
        4.2,
        None,
        None,
        "2.1.1",
        None,
    ],
    [
        "P3",
        "다 센터",
        "a",
        80,
        None,
        "미완료",
        "미완료: 현장 단계 점수가 없는 지표 1개 (1.1.2)",
        0,
        None,
        None,
        None,
        None,
        None,
    ],
]


def test_summary_sheet_equals_the_golden_cells(tmp_path: Path, results: Results) -> None:
    ws = written(tmp_path, results)["요약"]
    got = [list(row) for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=13, values_only=True)]
    for r, (want_row, got_row) in enumerate(zip(GOLDEN_SUMMARY, got, strict=True), start=1):
        for c, (want, value) in enumerate(zip(want_row, got_row, strict=True), start=1):
            where = f"요약!{openpyxl.utils.get_column_letter(c)}{r}"
            assert value == want, f"{where}: {value!r} != {want!r}"
    assert ws["M1"].hyperlink is not None and ws["M1"].hyperlink.location == "'요약'!O7"


def test_summary_equals_the_json(tmp_path: Path, results: Results) -> None:
    doc = results.to_json_dict()
    for lang in ("ko", "en"):
        ws = written(tmp_path, results, lang)[SHEETS[lang][0]]
        rows = {row[0]: row for row in ws.iter_rows(min_row=7, values_only=True)}
        for inst in doc["institutions"]:
            row = rows[inst["institution_id"]]
            margin = next(m["margin"] for m in inst["margins"] if m["rule"] == "total_min")
            assert row[3] == inst["total"] and row[4] == inst["grade"] and row[7] == margin
            assert row[5] == inst["decision_label"][lang]
            assert row[6] == "\n".join(inst["reasons_ko" if lang == "ko" else "reasons"])
            assert row[8] == inst["points_to_certify"]
            assert row[10] == (None if inst["valid_until"] is None else datetime.fromisoformat(inst["valid_until"]))
            assert row[11] == (", ".join(f["indicator_id"] for f in inst["flags"]) or None)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_sheets_headers_panes_filters_and_print_setup(tmp_path: Path, results: Results, lang: str) -> None:
    book = written(tmp_path, results, lang)
    assert book.sheetnames == SHEETS[lang]
    summary, domains, indicators, disagreements, eligibility, run = (book[n] for n in SHEETS[lang])
    assert header(summary, 6)[:3] == (
        ["기관코드", "기관명", "서비스유형"] if lang == "ko" else ["Institution", "Name", "Service type"]
    )
    assert header(summary, 6)[-1] == ("위원회 의결" if lang == "ko" else "Committee resolution")
    assert header(disagreements)[-3:] == (
        ["합의 점수", "근거", "합의자"] if lang == "ko" else ["Agreed score", "Rationale", "Settled by"]
    )
    expected = {
        summary: ("C7", "A6:M9"),
        domains: ("C3", "A2:K5"),
        indicators: ("C2", None),
        disagreements: ("D2", "A1:K3"),
    }
    expected |= {eligibility: ("C2", "A1:F4")}
    for ws, (pane, ref) in expected.items():
        assert ws.freeze_panes == pane, ws.title
        assert ws.auto_filter.ref == (ref or ws.auto_filter.ref) and ws.auto_filter.ref, ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title  # 1 page wide
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert summary.print_title_rows == "$6:$6" and domains.print_title_rows == "$1:$2"
    assert run.auto_filter.ref


def test_number_formats_follow_the_precision(tmp_path: Path, results: Results) -> None:
    book = written(tmp_path, results)
    assert book["요약"]["D7"].number_format == "0.00" and book["요약"]["H7"].number_format.startswith("0.00;")
    assert book["요약"]["J7"].number_format == "yyyy-mm-dd"
    assert book["영역별"]["E3"].number_format == "0.00"
    ind = book["지표별"]
    heads = header(ind)
    assert ind.cell(2, heads.index("서면 비율") + 1).number_format == "0.00%"
    assert ind.cell(2, heads.index("점수") + 1).number_format == "0.00"
    one = written(tmp_path, build(RUBRIC.replace("precision: 2", "precision: 1")))
    assert one["요약"]["D7"].number_format == "0.0" and one["요약"]["D7"].value == 94.7


def test_table_cells_are_top_aligned_and_plain_text_carries_no_style(tmp_path: Path, results: Results) -> None:
    """Text cells are written without a format (the Normal style is the tables' font and alignment)."""
    book = written(tmp_path, results)
    for name, header_row in (("요약", 6), ("영역별", 2), ("지표별", 1), ("불일치", 1), ("적격성", 1)):
        ws, plain = book[name], 0
        for row in ws.iter_rows(min_row=header_row + 1):
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.alignment.vertical == "top", cell.coordinate
                assert (cell.font.name, cell.font.sz) == ("맑은 고딕", 10), cell.coordinate
                plain += cell.style_id == 0
        assert plain, name  # names, labels and reasons: no style index
    ids = book["지표별"]["A2"]
    assert isinstance(ids.value, str) and ids.style_id == 0


def test_domains_equal_the_json(tmp_path: Path, results: Results) -> None:
    ws = written(tmp_path, results)["영역별"]
    assert ws["C1"].value == "1 운영 (기준 60%)" and ws["F1"].value == "2 권리 (기준 50%)"
    assert ws["I1"].value == "총점 (기준 80%)"
    rows = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    for inst in results.to_json_dict()["institutions"]:
        row = rows[inst["institution_id"]]
        for k, domain in enumerate(inst["domains"]):
            assert row[2 + 3 * k : 5 + 3 * k] == (domain["score"], domain["max"], domain["percent"])
        assert row[-1] == inst["total"]
    assert any(cf.sqref == "E3:E5" for cf in ws.conditional_formatting)  # domain 1 below its minimum: red


def test_indicators_equal_the_json_and_trace_every_cell(tmp_path: Path, results: Results) -> None:
    ws = written(tmp_path, results)["지표별"]
    rows = {(r["기관코드"], r["지표"]): r for r in records(ws)}
    assert len(rows) == 3 * 4  # one row per institution × indicator, not one per reviewer
    for inst in results.to_json_dict()["institutions"]:
        for ind in inst["indicators"]:
            row = rows[inst["institution_id"], ind["indicator_id"]]
            assert row["점수"] == ind["score"] and row["최종 비율"] == ind["fraction"]
            stages = {s["stage"]: s["fraction"] for s in ind["stages"]}
            assert row["서면 비율"] == stages.get("document") and row["현장 비율"] == stages.get("onsite")
    first = rows["P1", "1.1.1"]
    assert first["서면 심사위원 점수"] == "R1:하 R2:상 R3:상" and first["현장 심사위원 점수"] == "R1:상 R2:상 R3:상"
    assert first["표시"] == "편차 초과" and first["지표명"] == "계획 수립" and first["배점"] == 4
    sources = first["출처 (파일!시트!셀 / 파일:행)"]
    assert sources.startswith("round/doc_P1_R1.xlsx!평가표!E8, round/doc_P1_R2.xlsx!평가표!E8")
    assert "t.csv:" in sources
    assert rows["P2", "1.1.1"]["출처 (파일!시트!셀 / 파일:행)"].count("t.csv:") == 1  # one file: rows listed once
    assert rows["P1", "2.1.2"]["적용 제외"] == "제외(서비스유형)" and rows["P2", "2.1.1"]["표시"] == "N/A 불일치"
    assert rows["P3", "1.1.2"]["표시"] == "점수 누락" and rows["P3", "1.1.2"]["점수"] is None


def test_disagreements_list_each_reviewer_for_the_consensus_meeting(tmp_path: Path, results: Results) -> None:
    ws = written(tmp_path, results)["불일치"]
    rows = records(ws)
    assert [(r["기관코드"], r["지표"], r["사유"]) for r in rows] == [
        ("P1", "1.1.1", "편차 초과"),
        ("P2", "2.1.1", "N/A 불일치"),
    ]
    first = rows[0]
    assert first["편차"] == 1 and first["기관명"] == "'=1+1 센터" and first["지표명"] == "계획 수립"
    assert first["심사위원별 점수·의견"].split("\n") == [
        f"R1 · 서면 · 하 — {EVIL}",
        "R2 · 서면 · 상",
        "R3 · 서면 · 상",
        f"R1 · 현장 · 상 — {EVIL}",
        "R2 · 현장 · 상",
        "R3 · 현장 · 상",
    ]
    assert "R1 · 현장 · N/A" in rows[1]["심사위원별 점수·의견"]
    assert all(r["합의 점수"] is None and r["근거"] is None and r["합의자"] is None for r in rows)
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists == {'"상,중,하"': "I2", '"상,중,하,N/A"': "I3"}


def test_eligibility_and_run_information(tmp_path: Path, results: Results) -> None:
    book = written(tmp_path, results)
    rows = records(book["적격성"])
    assert [(r["기관코드"], r["요건"], r["기준"], r["값"], r["결과"]) for r in rows] == [
        ("P1", "years", "≥ 3", "5", "충족"),
        ("P2", "years", "≥ 3", "4", "충족"),
        ("P3", "years", "≥ 3", "3", "충족"),
    ]
    run = book["정보"]
    info = {row[0]: row[1] for row in run.iter_rows(min_row=3, max_col=2, values_only=True) if row[0]}
    assert info["rubric.id"] == "wb-test" and info["rubric.version"] == "1" and info["issued"] == "2023-12-05"
    assert info["rubric.sha256"] == results.rubric.sha256 and info["rubric.path"] == results.rubric.path
    assert info["run.qualcert"] == "9.9.9" and info["run.options.issued"] == "2023-12-05"
    assert info["roster.sha256"] == "cd" * 32 and info["roster.institutions"] == "3"
    inputs = next(r for r in range(1, run.max_row + 1) if run.cell(r, 1).value == "경로")
    assert [c.value for c in run[inputs + 1]][:4] == ["/data/t.csv", "ab" * 32, "csv", 48]


def test_charts_with_the_pass_line_and_their_data(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "r.xlsx"
    write_workbook(results, path)
    with zipfile.ZipFile(path) as package:
        charts = sorted(n for n in package.namelist() if n.startswith("xl/charts/chart"))
        xml = [package.read(n).decode("utf-8") for n in charts]
    assert len(charts) == 3
    assert "총점 분포 (합격선 80%)" in xml[0] and "서비스유형별 판정" in xml[1] and "영역별 평균 달성률(%)" in xml[2]
    run = openpyxl.load_workbook(path)["정보"]
    bands = {run.cell(r, 6).value: run.cell(r, 7).value for r in range(4, 24)}
    assert bands["90–95"] == 1 and bands["50–55"] == 1 and bands["80–85"] == 1 and sum(bands.values()) == 3


def test_no_input_text_becomes_a_formula(tmp_path: Path, results: Results) -> None:
    for lang in ("ko", "en"):
        for ws in written(tmp_path, results, lang).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(FORMULA_STARTS), (ws.title, cell.coordinate, cell.value)


def test_widths_count_hangul_twice_and_are_capped(tmp_path: Path, results: Results) -> None:
    assert text_width("다 센터") == 7 and text_width("abc") == 3 and text_width("ｆ") == 2
    book = written(tmp_path, results)
    summary = book["요약"]
    assert summary.column_dimensions["G"].width >= text_width("영역 1 운영: 50.00% < 기준 60%") + 2
    assert summary.row_dimensions[8].height >= 2 * 13  # two reasons: two lines
    indicators = book["지표별"]
    assert all(dim.width <= 61 for dim in indicators.column_dimensions.values() if dim.width)


def test_a_failing_write_leaves_no_file_and_keeps_the_old_one(
    tmp_path: Path, results: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"previous")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(workbook, "write_indicators", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_workbook(results, target)
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"] and target.read_bytes() == b"previous"
    with pytest.raises(RuntimeError):
        write_workbook(results, tmp_path / "new.xlsx")
    assert not (tmp_path / "new.xlsx").exists()


def test_unknown_language_is_refused(tmp_path: Path, results: Results) -> None:
    with pytest.raises(ValueError, match="lang"):
        write_workbook(results, tmp_path / "r.xlsx", lang="fr")
    assert not list(tmp_path.iterdir())


def test_results_without_a_score_table_still_write(tmp_path: Path, results: Results) -> None:
    bare = Results(results.rubric, results.issued, results.institutions)
    ws = written(tmp_path, bare)["지표별"]
    assert records(ws)[0]["서면 심사위원 점수"] is None and records(ws)[0]["점수"] == 3.47
