"""Reading score files and rosters: encodings, aliases, templates, and one test per problem code."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from qualcert import scoretable as st
from qualcert.errors import InputError, RosterError, SheetError
from qualcert.ingest import Institution, Roster, load_scores, read_roster
from qualcert.ingest.sources import cell_ref
from qualcert.pipeline import plan_templates
from qualcert.report.template_out import write_template
from tests.scoring_helpers import rubric_from

R = rubric_from("""\
schema: qualcert/rubric@1
id: t
title: T
version: "1"
service_types: [a, b]
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.0}}
  pt: {kind: points, step: 0.5}
domains:
  - id: "1"
    name: 운영
    items:
      - id: "1.1"
        name: 계획
        indicators:
          - {id: "1.1.1", name: 계획, points: 4, scale: lv}
          - {id: "1.1.10", name: 기록, points: 2, scale: pt, stages: [onsite]}
          - {id: "1.1.2", name: 고충, points: 4, scale: lv, allow_na: true}
          - {id: "1.1.3", name: 안전, points: 4, scale: lv, applies_to: [b]}
""")
ROSTER = Roster(
    "roster.csv",
    None,
    {
        "P1": Institution("P1", "가", "a"),
        "P2": Institution("P2", "나", "b"),
    },
    (),
)
HEADER = "institution_id,reviewer_id,stage,indicator_id,score,comment\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(tmp_path: Path, body: str, roster: Roster | None = ROSTER) -> list[tuple[str, str]]:
    path = write(tmp_path, "s.csv", HEADER + body)
    with pytest.raises(InputError) as caught:
        load_scores([path], R, roster)
    return [(p.code, str(p.location)) for p in caught.value.problems if p.severity == "error"]


def rows(table) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return sorted(table[[*st.KEY, st.NA, st.NUM, st.DEN]].itertuples(index=False, name=None))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_encodings_korean_headers_and_aliases_give_the_same_table(tmp_path: Path, encoding: str) -> None:
    text = (
        "기관코드,심사위원,단계,지표,점수,의견\n"
        "P1,R1,서면,1.1.1,상,좋음\nP1,R1,현장,1.1.10,１.５,\nP1,R1,현장,1.1.2,해당없음,\n"
    )
    table = load_scores([write(tmp_path, "k.csv", text, encoding)], R, ROSTER).table
    assert rows(table) == [
        ("P1", "R1", "document", "1.1.1", False, 2, 2),
        ("P1", "R1", "onsite", "1.1.10", False, 3, 4),  # full-width 1.5 of 2 points = 3/4
        ("P1", "R1", "onsite", "1.1.2", True, 0, 2),
    ]
    assert set(table[st.INDICATOR]) == {"1.1.1", "1.1.10", "1.1.2"}  # "1.10" never collapses into "1.1"


def test_tiny_cp949_file_that_is_also_valid_utf8_is_read_as_cp949(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + "P1,R1,document,1.1.1,상,짝짠짢\n").encode("cp949"))
    assert load_scores([path], R, ROSTER).table[st.COMMENT].tolist() == ["짝짠짢"]


def test_identical_repeats_merge_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", HEADER + "P1,R1,document,1.1.1,상,\nP1,R1,document,1.1.1,상,\n")
    loaded = load_scores([path], R, ROSTER)
    assert len(loaded.table) == 1
    assert [(w.code, str(w.location)) for w in loaded.warnings] == [("duplicate-score", f"{path}:row 2")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("P1,R1,document,1.1.9,상,\n", [("unknown-indicator", "s.csv:row 2")]),
        ("P9,R1,document,1.1.1,상,\n", [("unknown-institution", "s.csv:row 2")]),
        ("P1,R1,document,1.1.1,우수,\n", [("invalid-score", "s.csv:row 2")]),
        ("P1,R1,onsite,1.1.10,2.25,\n", [("invalid-score", "s.csv:row 2")]),  # not a multiple of 0.5
        ("P1,R1,onsite,1.1.10,2.5,\n", [("invalid-score", "s.csv:row 2")]),  # above the 2 points
        ("P1,R1,document,1.1.1,N/A,\n", [("invalid-score", "s.csv:row 2")]),  # allow_na is false
        ("P1,R1,document,1.1.10,1,\n", [("wrong-stage", "s.csv:row 2")]),
        ("P1,R1,document,1.1.3,상,\n", [("not-applicable", "s.csv:row 2")]),  # P1 is type a
        ("P1,R1,later,1.1.1,상,\n", [("unknown-stage", "s.csv:row 2")]),
        ("P1,,document,1.1.1,상,\n", [("empty-cell", "s.csv:row 2")]),
        ("P1,R1,document,1.1.1,,\n", [("empty-cell", "s.csv:row 2")]),
        ("P1,R1,document,1.1.1,상,\nP1,R1,document,1.1.1,하,\n", [("conflicting-scores", "s.csv:row 2")]),
    ],
)
def test_each_problem_code_names_its_row(tmp_path: Path, body: str, expected: list[tuple[str, str]]) -> None:
    found = problems(tmp_path, body)
    assert [(code, where.replace(f"{tmp_path}/", "")) for code, where in found] == expected


def test_every_problem_is_reported_at_once_with_helpful_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        HEADER + "P1,R1,document,1.1.1,우수,\nP1,R1,document,1.1.l,상,\n"
        "P1,R2,document,1.1.1,상,\nP1,R2,document,1.1.1,중,\n",
    )
    with pytest.raises(SheetError) as caught:
        load_scores([path], R, ROSTER)
    messages = [p.message for p in caught.value.problems]
    assert "valid: 상, 중, 하" in messages[0]
    assert "did you mean 1.1." in messages[1]
    assert f"{path}:row 4" in messages[2] and f"{path}:row 5" in messages[2]  # both places of the conflict


def test_missing_columns_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_scores([write(tmp_path, "h.csv", "institution_id,score\nP1,상\n")], R, ROSTER)
    assert caught.value.problems[0].code == "missing-columns"
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK not really a zip")
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    bomb = tmp_path / "bomb.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    bomb.write_bytes(buffer.getvalue())
    with pytest.raises(InputError) as caught:
        load_scores([fake, ole, bomb], R, ROSTER)
    found = {Path(p.location.file or "").name: p.code for p in caught.value.problems}
    assert found == {"fake.xlsx": "not-xlsx", "locked.xlsx": "encrypted-or-xls", "bomb.xlsx": "zip-bomb"}


def test_header_only_is_no_scores(tmp_path: Path) -> None:
    with pytest.raises(SheetError) as caught:
        load_scores([write(tmp_path, "e.csv", HEADER)], R, ROSTER)
    assert [p.code for p in caught.value.problems] == ["no-scores"]


def test_a_rubric_with_service_types_needs_a_roster(tmp_path: Path) -> None:
    with pytest.raises(SheetError) as caught:
        load_scores([write(tmp_path, "s.csv", HEADER + "P1,R1,document,1.1.1,상,\n")], R, None)
    assert [p.code for p in caught.value.problems] == ["roster-required"]


def test_roster_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "기관코드,기관명,서비스유형,years\nP1,가,a,3\nP1,나,b,4\n,다,a,5\n")
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert [(p.code, str(p.location)) for p in caught.value.problems] == [
        ("roster-duplicate-id", f"{path}:row 3"),
        ("roster-blank-id", f"{path}:row 4"),
    ]
    good = read_roster(write(tmp_path, "g.csv", "institution_id,name,service_type,years\nP1,가,a,3\n"))
    assert good.institutions["P1"].attributes == {"years": "3"} and good.columns == ("years",)


def fill(path: Path, scores: dict[str, str], *, insert_row: bool = False, swap_columns: bool = False) -> None:
    """Fill a template as a reviewer would (openpyxl keeps the validation, LibreOffice/Excel do too)."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        ws.protection.sheet = False
        head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "indicator_id")
        for r in range(head + 1, ws.max_row + 1):
            ind = ws.cell(r, 3).value
            if ind in scores:
                ws.cell(r, 6).value = scores[ind]
        if insert_row:
            ws.insert_rows(head + 2)
            ws.cell(head + 2, 1).value = "메모: 현장 확인 필요"
        if swap_columns:  # move score (F) and comment (G) to the left of the table
            for r in range(head - 1, ws.max_row + 1):
                a, b = ws.cell(r, 1).value, ws.cell(r, 6).value
                ws.cell(r, 1).value, ws.cell(r, 6).value = b, a
    book.save(path)


def test_template_round_trip_with_an_inserted_row_and_moved_columns(tmp_path: Path) -> None:
    jobs = plan_templates(R, ROSTER, ["R1", "R2"], "onsite", tmp_path, per_reviewer=False)
    assert sorted(j.path.name for j in jobs) == [
        "onsite_P1_R1.xlsx",
        "onsite_P1_R2.xlsx",
        "onsite_P2_R1.xlsx",
        "onsite_P2_R2.xlsx",
    ]
    for n, job in enumerate(jobs):
        write_template(job.path, R, job.sheets)
        sheet = openpyxl.load_workbook(job.path).active
        listed = [sheet.cell(r, 3).value for r in range(1, sheet.max_row + 1)]
        assert ("1.1.3" in listed) == (job.sheets[0].service_type == "b")  # only applicable indicators
        fill(
            job.path,
            {"1.1.1": "상", "1.1.10": "1.5", "1.1.2": "해당없음", "1.1.3": "하"},
            insert_row=n == 0,
            swap_columns=n == 1,
        )
    table = load_scores([tmp_path], R, ROSTER).table
    assert len(table) == 4 * 3 + 2  # P2 (type b) also has 1.1.3
    assert set(table[st.LABEL]) == {"상", "1.5", "해당없음", "하"}
    score_cells = table[table[st.FILE].str.endswith("onsite_P1_R1.xlsx")][st.CELL].tolist()
    assert all(cell.startswith("F") for cell in score_cells)


def test_template_drop_down_offers_the_scale(tmp_path: Path) -> None:
    (job,) = plan_templates(R, ROSTER, ["R1"], "onsite", tmp_path, per_reviewer=True)[:1]
    write_template(job.path, R, job.sheets)
    book = openpyxl.load_workbook(job.path)
    assert [ws.title for ws in book.worksheets] == ["P1", "P2"]
    lists = [dv.formula1 for dv in book.worksheets[0].data_validations.dataValidation]
    assert '"상,중,하,N/A"' in lists  # 1.1.2 allows N/A
    assert '"2.0,1.5,1.0,0.5,0.0"' in lists
    assert book.worksheets[0].protection.sheet is True


@settings(max_examples=25, deadline=None)
@given(s.permutations(list(range(6))))
def test_row_order_does_not_change_the_table(order: list[int]) -> None:
    lines = [
        "P1,R1,document,1.1.1,상,",
        "P1,R2,document,1.1.1,중,",
        "P1,R1,onsite,1.1.10,2,",
        "P2,R1,onsite,1.1.3,하,",
        "P2,R1,onsite,1.1.2,N/A,",
        "P2,R2,document,1.1.1,하,",
    ]
    base = Path(__import__("tempfile").mkdtemp())
    a = load_scores([write(base, "a.csv", HEADER + "\n".join(lines) + "\n")], R, ROSTER).table
    b = load_scores([write(base, "b.csv", HEADER + "\n".join(lines[i] for i in order) + "\n")], R, ROSTER).table
    assert rows(a) == rows(b)


def test_cell_refs() -> None:
    assert [cell_ref(0, 0), cell_ref(8, 5), cell_ref(0, 26), cell_ref(0, 701)] == ["A1", "F9", "AA1", "ZZ1"]
