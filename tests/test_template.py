"""Reviewer templates: what a reviewer sees and may edit, and the round trip back into a score table."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from qualcert import scoretable as st
from qualcert.cli import app
from qualcert.ingest import Roster, load_scores, read_roster
from qualcert.report import template_out
from qualcert.report.template_out import Sheet, write_template
from qualcert.report.workbook import text_width
from qualcert.rubric import Rubric
from qualcert.scoring.fractions import scales_for
from tests.conftest import MakeRubric
from tests.ingest_helpers import ROSTER, RUBRIC, write

RICH = """\
schema: qualcert/rubric@1
id: rich
title: {ko: 돌봄 품질 평가, en: Care quality}
version: "2025.2"
service_types: [visit, facility]
scales:
  grade: {kind: levels, levels: {"매우 우수, 모범": 1.0, 우수: 0.8, 보통: 0.5, 미흡: 0.0}}
  fine: {kind: points, step: 0.1}
  yesno: {kind: levels, levels: {충족: 1.0, 미충족: 0.0}}
domains:
  - id: A
    name: {ko: 운영 관리, en: Operations}
    items:
      - id: A1
        name: 이용자 권리 보장과 고충 처리 체계의 운영
        indicators:
          - {id: A1.1, name: 이용자 권리 보장 절차를 문서화하고 종사자에게 정기적으로 교육한다, points: 5, scale: grade}
          - {id: A1.2, name: 만족도 조사, points: 10, scale: fine, stages: [document]}
          - {id: A1.3, name: 방문 일정 관리, points: 2, scale: yesno, applies_to: [visit], allow_na: true}
          - {id: A1.4, name: 시설 안전 점검, points: 2, scale: yesno, applies_to: [facility], stages: [onsite]}
"""
RICH_ROSTER = "institution_id,name,service_type\nV/1,가 방문센터,visit\nF1,나 요양원,facility\n"
runner = CliRunner()


def table_head(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """Row of the header holding indicator_id and score, and the column of each header label (1-based)."""
    for row in ws.iter_rows():
        labels = {c.value: c.column for c in row if isinstance(c.value, str)}
        if "indicator_id" in labels and "score" in labels:
            return row[0].row, labels
    raise AssertionError("no header row")


def choices(ws: Worksheet, ref: str) -> list[str]:
    """The drop-down values offered in cell ``ref``, as a reviewer would see them."""
    book = ws.parent
    for dv in ws.data_validations.dataValidation:
        if ref in dv.sqref:
            formula = str(dv.formula1)
            if formula.startswith('"'):
                return formula.strip('"').split(",")
            sheet, cells = formula.lstrip("=").split("!")
            return [str(c.value) for (c,) in book[sheet.strip("'")][cells.replace("$", "")]]
    raise AssertionError(f"no drop-down on {ref}")


def fill(path: Path, rnd: random.Random, *, insert_row: bool = False, move_columns: bool = False) -> dict[Any, str]:
    """Fill every score cell from its drop-down, as a reviewer would; return what was written by key."""
    book = openpyxl.load_workbook(path)
    written = {}
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 10)}
        head, cols = table_head(ws)
        for r in range(head + 1, ws.max_row + 1):
            ind = ws.cell(r, cols["indicator_id"]).value
            if ind is None:
                continue
            value = rnd.choice(choices(ws, ws.cell(r, cols["score"]).coordinate))
            ws.cell(r, cols["score"]).value = value
            ws.cell(r, cols["comment"]).value = f"{ind} 확인"
            written[labels["institution_id"], labels["reviewer_id"], labels["stage"], ind] = value
        ws.protection.sheet = False
        if insert_row:  # a note above the table and a blank row inside it
            ws.insert_rows(2)
            ws.cell(2, 1).value = "메모: 서류 보완 요청함"
            ws.insert_rows(head + 3)
        if move_columns:  # score and comment to the far right, domain and item swapped
            last = ws.max_row
            ws.move_range(f"F{head - 1}:G{last}", cols=4)
            for r in range(head - 1, last + 1):
                ws.cell(r, 1).value, ws.cell(r, 2).value = ws.cell(r, 2).value, ws.cell(r, 1).value
    book.save(path)
    return written


def invoke(args: list[str], code: int = 0) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def rich(make_rubric: MakeRubric) -> Rubric:
    return make_rubric(RICH)


@pytest.fixture
def rich_roster(tmp_path: Path) -> Roster:
    return read_roster(write(tmp_path / "rich-roster.csv", RICH_ROSTER))


def test_round_trip_gives_exactly_the_scores_written(tmp_path: Path, rich: Rubric, rich_roster: Roster) -> None:
    roster = str(tmp_path / "rich-roster.csv")
    for stage in ("document", "onsite"):
        invoke(["template", str(tmp_path / "rubric.yaml"), "--roster", roster, "--reviewers", "R1,R2,R3",
                "--stage", stage, "-o", str(tmp_path / "out")])  # fmt: skip
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files][:3] == ["document_F1_R1.xlsx", "document_F1_R2.xlsx", "document_F1_R3.xlsx"]
    assert len(files) == 12 and "onsite_V_1_R3.xlsx" in {f.name for f in files}
    rnd = random.Random(3)
    written: dict[Any, str] = {}
    for n, path in enumerate(files):
        written |= fill(path, rnd, insert_row=n % 3 == 1, move_columns=n % 3 == 2)
    table = load_scores([tmp_path / "out"], rich, rich_roster).table
    got = {(r.institution_id, r.reviewer_id, r.stage, r.indicator_id): r.label for r in table.itertuples()}
    assert got == {k: str(v) for k, v in written.items()}
    assert len(got) == 3 * (3 + 2 + 2 + 2)  # per reviewer: V/1 and F1 at document, then on site
    scales = scales_for(rich)
    for indicator, den in zip(table[st.INDICATOR], table[st.DEN], strict=True):  # drop-down values are all valid
        assert den == scales[indicator].den
    moved = table[table[st.FILE].str.endswith(files[2].name)]
    assert set(moved[st.CELL].str[0]) == {"J"}  # the score column moved from F to J
    assert set(table[table[st.FILE].str.endswith(files[1].name)][st.ROW]) == {14, 16}  # moved by the inserted rows


def test_per_reviewer_workbooks_have_a_sheet_per_institution(tmp_path: Path, rich: Rubric, rich_roster: Roster) -> None:
    invoke(["template", str(tmp_path / "rubric.yaml"), "--roster", str(tmp_path / "rich-roster.csv"),
            "--reviewers", "R1", "--stage", "onsite", "-o", str(tmp_path / "out"), "--per-reviewer"])  # fmt: skip
    (path,) = (tmp_path / "out").iterdir()
    assert path.name == "onsite_R1.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["V_1", "F1", "_lists"]  # "/" is not allowed in a sheet name; lists last, hidden
    assert [book[s]["B4"].value for s in book.sheetnames[:2]] == ["V/1", "F1"]
    written = fill(path, random.Random(5))
    table = load_scores([path], rich, rich_roster).table
    assert {(r.institution_id, r.indicator_id): r.label for r in table.itertuples()} == {
        (k[0], k[3]): str(v) for k, v in written.items()
    }
    assert set(table[st.SHEET]) == {"V_1", "F1"}


def test_what_the_reviewer_sees(tmp_path: Path, rich: Rubric) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path, rich, [Sheet("V/1", "가 방문센터", "visit", "R1", "document")])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["평가표", "_lists"] and book["_lists"].sheet_state == "hidden"
    ws = book["평가표"]
    assert [[ws.cell(r, c).value for c in (1, 2)] for r in (4, 5, 6)] == [
        ["institution_id", "V/1"],
        ["reviewer_id", "R1"],
        ["stage", "document"],
    ]
    assert ws["B7"].value == "가 방문센터" and ws["B8"].value == "visit" and ws["B9"].value == "rich v2025.2"
    head, cols = table_head(ws)
    assert [ws.cell(head - 1, c).value for c in range(1, 8)] == [
        "영역",
        "항목",
        "지표",
        "지표명",
        "배점",
        "점수",
        "의견",
    ]
    assert list(cols) == ["domain", "item", "indicator_id", "indicator_name", "points", "score", "comment"]
    rows = range(head + 1, ws.max_row + 1)
    assert [ws.cell(r, 3).value for r in rows] == ["A1.1", "A1.2", "A1.3"]  # A1.4 is on site and for facilities
    assert [ws.cell(r, 5).value for r in rows] == [5, 10, 2]
    assert choices(ws, f"F{head + 1}") == ["매우 우수, 모범", "우수", "보통", "미흡"]  # a comma: from the hidden sheet
    assert choices(ws, f"F{head + 2}")[:3] == ["10.0", "9.9", "9.8"] and len(choices(ws, f"F{head + 2}")) == 101
    assert choices(ws, f"F{head + 3}") == ["충족", "미충족", "N/A"]  # N/A only where allowed
    (yesno,) = [dv for dv in ws.data_validations.dataValidation if f"F{head + 3}" in dv.sqref]
    assert yesno.formula1 == '"충족,미충족,N/A"' and yesno.prompt == "충족, 미충족, N/A"
    assert yesno.showErrorMessage and yesno.errorStyle in (None, "stop")
    assert ws.protection.sheet and ws.freeze_panes == f"A{head + 1}"
    unlocked = {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}
    assert unlocked == {f"{col}{r}" for col in "FG" for r in rows}
    assert ws["D13"].font.name == "맑은 고딕"
    name = str(ws.cell(head + 1, 4).value)  # Hangul is twice as wide as Latin letters: 29 of them, 7 spaces
    assert text_width(name) == 2 * 29 + 7 and int(ws.column_dimensions["D"].width) == 48  # capped; the text wraps
    assert int(ws.column_dimensions["B"].width) == text_width("A1 이용자 권리 보장과 고충 처리 체계의 운영") + 2


def test_only_indicators_of_the_stage_and_service_type(tmp_path: Path, rich: Rubric) -> None:
    path = tmp_path / "t.xlsx"
    write_template(
        path, rich, [Sheet("F1", "나", "facility", "R1", "onsite"), Sheet("V1", "가", "visit", "R1", "onsite")]
    )
    book = openpyxl.load_workbook(path)
    listed = []
    for ws in book.worksheets[:2]:
        head, _ = table_head(ws)
        listed.append([ws.cell(r, 3).value for r in range(head + 1, ws.max_row + 1)])
    assert listed == [["A1.1", "A1.4"], ["A1.1", "A1.3"]]


def test_existing_files_need_force_and_bad_input_writes_nothing(tmp_path: Path, make_rubric: MakeRubric) -> None:
    make_rubric(RUBRIC)
    write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "out"
    base = ["template", str(tmp_path / "rubric.yaml"), "--roster", str(tmp_path / "roster.csv"), "--stage", "onsite",
            "-o", str(out)]  # fmt: skip
    assert "wrote 2 workbooks" in invoke([*base, "--reviewers", "R1, R1"]).stdout  # repeated ids count once
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    result = invoke([*base, "--reviewers", "R1,R2"], 3)
    assert "onsite_P1_R1.xlsx: error: already exists (use --force to replace it) [exists]" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # nothing written, not even R2's
    invoke([*base, "--reviewers", "R1,R2", "--force"])
    assert sorted(p.name for p in out.iterdir()) == [
        "onsite_P1_R1.xlsx",
        "onsite_P1_R2.xlsx",
        "onsite_P2_R1.xlsx",
        "onsite_P2_R2.xlsx",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    write(tmp_path / "roster.csv", ROSTER + "P3,다 센터,z\n")
    result = invoke([*base[:-1], str(tmp_path / "new"), "--reviewers", "R1"], 3)
    assert "roster.csv:row 4: error: institution P3: service type 'z' is not one of" in result.stderr
    assert not (tmp_path / "new").exists()
    assert invoke([*base, "--reviewers", " , "], 2).exit_code == 2


def test_clashing_file_names_are_refused(tmp_path: Path, make_rubric: MakeRubric) -> None:
    make_rubric(RUBRIC)
    write(tmp_path / "roster.csv", ROSTER)
    result = invoke(["template", str(tmp_path / "rubric.yaml"), "--roster", str(tmp_path / "roster.csv"),
                     "--reviewers", "A/B,A_B", "--stage", "document", "-o", str(tmp_path / "out")], 3)  # fmt: skip
    assert "[template-name-clash]" in result.stderr and not (tmp_path / "out").exists()


def test_a_failure_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheet_rubric: Rubric
) -> None:
    calls = []

    def fail_second(path: Path, rubric: Rubric, sheets: list[Sheet]) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        path.write_bytes(b"x")

    monkeypatch.setattr(template_out, "write_template", fail_second)
    out = tmp_path / "out"
    sheets = [Sheet("P1", "가", "a", "R1", "onsite")]
    with pytest.raises(OSError):
        template_out.write_templates(sheet_rubric, [(out / "a.xlsx", sheets), (out / "b.xlsx", sheets)], out)
    assert list(tmp_path.iterdir()) == [tmp_path / "rubric.yaml"]  # no output folder, no staging folder
