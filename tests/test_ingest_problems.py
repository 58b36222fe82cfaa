"""One test per problem code, each asserting the exact place: file!sheet!cell for workbooks, file:row for CSV.

The template used here (``qualcert template`` for P1, service type a, on site, reviewer R1) has its labels
in A4:B6 (institution_id, reviewer_id, stage), the header in row 12 and the indicators 1.1.1, 1.1.10 and 1.1.2
in rows 13-15, with scores in column F and comments in G.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from qualcert.errors import SheetError
from qualcert.ingest import Roster, load_scores
from qualcert.report.template_out import Sheet, write_template
from qualcert.rubric import Rubric
from tests.conftest import MakeRubric
from tests.ingest_helpers import HEADER, RUBRIC, codes, write, write_xlsx


def template(folder: Path, rubric: Rubric, cells: dict[str, Any], name: str = "t.xlsx") -> Path:
    """A template for P1 on site by R1, then edited cell by cell as a reviewer would (openpyxl)."""
    path = folder / name
    write_template(path, rubric, [Sheet("P1", "가 센터", "a", "R1", "onsite")])
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book["평가표"][ref] = value
    book.save(path)
    return path


def problems(paths: list[Path], rubric: Rubric, roster: Roster | None, root: Path) -> list[tuple[str, str]]:
    with pytest.raises(SheetError) as caught:
        load_scores(paths, rubric, roster)
    return codes(caught.value.problems, root)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"F13": "최상"}, ("score-not-in-scale", "t.xlsx!평가표!F13")),
        ({"F14": "1.25"}, ("invalid-points", "t.xlsx!평가표!F14")),  # not a multiple of the 0.5 step
        ({"F14": 2.5}, ("invalid-points", "t.xlsx!평가표!F14")),  # above the indicator's 2 points
        ({"F13": "N/A"}, ("na-not-allowed", "t.xlsx!평가표!F13")),  # 1.1.1 has no allow_na
        ({"F13": "상", "C13": "1.1.9"}, ("unknown-indicator", "t.xlsx!평가표!C13")),
        ({"F13": "상", "C13": "1.1.3"}, ("not-applicable", "t.xlsx!평가표!C13")),  # 1.1.3 is for type b only
        ({"F13": "상", "F15": "중", "B4": "P9"}, ("unknown-institution", "t.xlsx!평가표!B4")),  # once per label
        ({"F13": "상", "B6": "later"}, ("unknown-stage", "t.xlsx!평가표!B6")),
        ({"F14": "1", "B6": "서면"}, ("stage-not-allowed", "t.xlsx!평가표!C14")),  # 1.1.10: on site only
        ({"F13": "상", "B5": None}, ("empty-cell", "t.xlsx!평가표!B5")),
        ({"F13": "상", "C13": None}, ("empty-cell", "t.xlsx!평가표!C13")),
        ({"F13": '=IF(TRUE,"상","하")'}, ("formula-without-value", "t.xlsx!평가표!F13")),
        ({"F13": "상", "B4": "=A1"}, ("formula-without-value", "t.xlsx!평가표!B4")),
    ],
)
def test_template_cell_problems(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster, cells: dict[str, Any], expected: tuple[str, str]
) -> None:
    path = template(tmp_path, sheet_rubric, cells)
    assert problems([path], sheet_rubric, sheet_roster, tmp_path) == [expected]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("P1,R1,document,1.1.9,상,\n", ("unknown-indicator", "s.csv:row 2")),
        ("P9,R1,document,1.1.1,상,\n", ("unknown-institution", "s.csv:row 2")),
        ("P1,R1,document,1.1.1,우수,\n", ("score-not-in-scale", "s.csv:row 2")),
        ("P1,R1,onsite,1.1.10,2.25,\n", ("invalid-points", "s.csv:row 2")),
        ("P1,R1,document,1.1.1,N/A,\n", ("na-not-allowed", "s.csv:row 2")),
        ("P1,R1,document,1.1.10,1,\n", ("stage-not-allowed", "s.csv:row 2")),
        ("P1,R1,document,1.1.3,상,\n", ("not-applicable", "s.csv:row 2")),
        ("P1,R1,later,1.1.1,상,\n", ("unknown-stage", "s.csv:row 2")),
        ("P1,,document,1.1.1,상,\n", ("empty-cell", "s.csv:row 2")),
        ("P1,R1,document,1.1.1,상,\nP1,R1,서면,1.1.1,하,\n", ("conflicting-score", "s.csv:row 2")),
    ],
)
def test_csv_row_problems(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster, body: str, expected: tuple[str, str]
) -> None:
    path = write(tmp_path / "s.csv", HEADER + body)
    assert problems([path], sheet_rubric, sheet_roster, tmp_path) == [expected]


def test_messages_say_what_is_valid_and_what_was_meant(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    body = "P1,R1,document,1.1.1,우수,\nP1,R1,document,1.l.1,상,\nP1,R1,onsite,1.1.10,3,\nP01,R1,document,1.1.1,상,\n"
    with pytest.raises(SheetError) as caught:
        load_scores([write(tmp_path / "s.csv", HEADER + body)], sheet_rubric, sheet_roster)
    assert [p.message for p in caught.value.problems] == [
        "'우수' is not a valid score for indicator 1.1.1; valid: 상, 중, 하",
        "rubric t has no indicator '1.l.1' (did you mean 1.1.1?)",
        "3 is not a valid score for indicator 1.1.10; valid: 0 to 2.0 in steps of 0.5",
        "institution 'P01' is not in the roster (did you mean P1?)",
    ]


def test_conflicting_scores_name_both_places_and_identical_ones_merge_with_a_warning(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    first = template(tmp_path, sheet_rubric, {"F13": "상", "F15": "중"}, "a.xlsx")
    second = template(tmp_path, sheet_rubric, {"F13": "하", "F15": "중"}, "b.xlsx")
    with pytest.raises(SheetError) as caught:
        load_scores([first, second], sheet_rubric, sheet_roster)
    (conflict, same) = caught.value.problems
    assert codes([conflict, same], tmp_path) == [
        ("conflicting-score", "a.xlsx!평가표!F13"),
        ("duplicate-score", "a.xlsx!평가표!F15"),
    ]
    assert f"상 at {first}!평가표!F13, 하 at {second}!평가표!F13" in conflict.message
    assert same.severity == "warning"
    loaded = load_scores(
        [first, template(tmp_path, sheet_rubric, {"F13": "상", "F14": 2}, "c.xlsx")], sheet_rubric, sheet_roster
    )
    assert len(loaded.table) == 3  # 1.1.1 once, 1.1.10, 1.1.2
    assert codes(loaded.warnings, tmp_path) == [("duplicate-score", "a.xlsx!평가표!F13")]
    assert f"also at {tmp_path}/c.xlsx!평가표!F13" in loaded.warnings[0].message


def test_an_error_value_is_not_an_empty_cell(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = tmp_path / "e.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("점수")
    ws.write_row(0, 0, ["institution_id", "reviewer_id", "stage", "indicator_id", "score"])
    ws.write_row(1, 0, ["P1", "R1", "document", "1.1.1"])
    ws.write_formula(1, 4, "=1/0", None, "#DIV/0!")
    book.close()
    assert problems([path], sheet_rubric, sheet_roster, tmp_path) == [("error-value", "e.xlsx!점수!E2")]


def test_comment_without_score_is_a_warning(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = template(tmp_path, sheet_rubric, {"F13": "상", "G15": "확인 필요"})
    loaded = load_scores([path], sheet_rubric, sheet_roster)
    assert codes(loaded.warnings, tmp_path) == [("comment-without-score", "t.xlsx!평가표!F15")]


def test_a_template_without_its_reviewer_label(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = template(tmp_path, sheet_rubric, {"F13": "상", "A5": None, "C5": None})
    assert problems([path], sheet_rubric, sheet_roster, tmp_path) == [("missing-label", "t.xlsx!평가표")]


def test_table_headers(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    lacking = write(tmp_path / "h.csv", "기관코드,지표,점수\nP1,1.1.1,상\n")
    twice = write(tmp_path / "d.csv", "기관코드,심사위원,단계,지표,점수,판정\nP1,R1,document,1.1.1,상,하\n")
    literal = write(
        tmp_path / "l.csv", "institution_id,reviewer_id,stage,indicator_id,점수,score\nP1,R1,서면,1.1.1,하,상\n"
    )
    assert load_scores([literal], sheet_rubric, sheet_roster).table["label"].tolist() == ["상"]  # the label beats 점수
    sheet = write_xlsx(tmp_path / "x.xlsx", {"S": [["title"], ["기관코드", "지표", "점수"], ["P1", "1.1.1", "상"]]})
    found = problems([lacking, twice, sheet], sheet_rubric, sheet_roster, tmp_path)
    with pytest.raises(SheetError) as caught:
        load_scores([twice], sheet_rubric, sheet_roster)
    assert "점수, 판정 all mean score (점수)" in caught.value.problems[0].message
    assert found == [
        ("duplicate-columns", "d.csv:row 1"),
        ("missing-columns", "h.csv:row 1"),
        ("missing-columns", "x.xlsx!S:row 2"),
    ]
    with pytest.raises(SheetError) as caught:
        load_scores([lacking], sheet_rubric, sheet_roster)
    assert caught.value.problems[0].message.startswith(
        "the header row has no reviewer_id (심사위원), stage (단계) column (found: 기관코드, 지표, 점수)"
    )


def test_workbook_without_a_score_table_and_ignored_sheets(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    none = write_xlsx(tmp_path / "n.xlsx", {"메모": [["안녕하세요"]]})
    assert problems([none], sheet_rubric, sheet_roster, tmp_path) == [("no-score-table", "n.xlsx")]
    path = template(tmp_path, sheet_rubric, {"F13": "상"})
    book = openpyxl.load_workbook(path)
    book.create_sheet("메모")["A1"] = "참고"
    book.save(path)
    loaded = load_scores([path], sheet_rubric, sheet_roster)
    assert codes(loaded.warnings, tmp_path) == [("sheet-ignored", "t.xlsx!메모")]


def test_files_that_are_not_readable_spreadsheets(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    text = write(tmp_path / "text.xlsx", HEADER)
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le"))
    old = tmp_path / "old.xls"
    old.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512)
    (tmp_path / "empty").mkdir()
    quote = write(tmp_path / "quote.csv", HEADER + 'P1,R1,document,1.1.1,상,"unclosed\nP1,R1,document,1.1.2,상,,\n')
    found = problems(
        [fake, text, pdf, locked, old, quote, tmp_path / "missing.csv", tmp_path / "empty"],
        sheet_rubric,
        sheet_roster,
        tmp_path,
    )
    assert found == [
        ("no-input", "empty"),
        ("corrupt-workbook", "fake.xlsx"),
        ("encrypted-workbook", "locked.xlsx"),
        ("not-found", "missing.csv"),
        ("xls-workbook", "old.xls"),
        ("bad-csv", "quote.csv:3"),
        ("not-a-spreadsheet", "scan.pdf"),
        ("not-a-spreadsheet", "text.xlsx"),
    ]


def test_decompression_bombs_are_refused_before_parsing(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    ratio = tmp_path / "ratio.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)  # 5 MB of zeros: about 1000:1
    ratio.write_bytes(buffer.getvalue())
    size = tmp_path / "size.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"")
    data = bytearray(buffer.getvalue())
    at = data.rfind(b"PK\x01\x02")
    data[at + 24 : at + 28] = (300 * 2**20).to_bytes(4, "little")  # the central directory claims 300 MB
    size.write_bytes(bytes(data))
    liar = tmp_path / "liar.xlsx"  # big enough to hide 200 MB behind false sizes, so every member is inflated
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", random.Random(1).randbytes(300_000))
    data = bytearray(buffer.getvalue())
    for header, offset in ((b"PK\x03\x04", 18), (b"PK\x01\x02", 20)):  # claim 1,000 bytes in both headers
        at = data.find(header)
        data[at + offset : at + offset + 8] = (1000).to_bytes(4, "little") * 2
    liar.write_bytes(bytes(data))
    found = problems([ratio, size, liar], sheet_rubric, sheet_roster, tmp_path)
    assert found == [("corrupt-workbook", "liar.xlsx"), ("zip-bomb", "ratio.xlsx"), ("zip-bomb", "size.xlsx")]


def test_without_a_roster_a_rubric_with_service_types_is_refused(tmp_path: Path, sheet_rubric: Rubric) -> None:
    path = write(tmp_path / "s.csv", HEADER + "P1,R1,document,1.1.1,상,\n")
    with pytest.raises(SheetError) as caught:
        load_scores([path], sheet_rubric, None)
    assert codes(caught.value.problems, tmp_path) == [("roster-required", "rubric.yaml")]
    assert "give the roster of institutions with --roster" in caught.value.problems[0].message


def test_without_restrictions_no_roster_is_needed(tmp_path: Path, make_rubric: MakeRubric) -> None:
    rubric = make_rubric(RUBRIC.replace(", applies_to: [b]", ""))
    path = write(tmp_path / "s.csv", HEADER + "P7,R1,document,1.1.3,상,\n")
    assert len(load_scores([path], rubric).table) == 1


def test_nothing_scored_is_a_problem(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = template(tmp_path, sheet_rubric, {})
    assert problems([path], sheet_rubric, sheet_roster, tmp_path) == [("no-scores", "t.xlsx")]


def test_every_problem_of_every_file_is_reported_in_reading_order(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    a = template(tmp_path, sheet_rubric, {"F15": "최상", "F13": "N/A"}, "a.xlsx")
    b = write(
        tmp_path / "b.csv", HEADER + "P1,R2,document,1.1.9,상,\nP2,R2,document,1.1.3,중,\nP2,R2,document,1.1.1,,\n"
    )
    assert problems([b, a], sheet_rubric, sheet_roster, tmp_path) == [
        ("na-not-allowed", "a.xlsx!평가표!F13"),
        ("score-not-in-scale", "a.xlsx!평가표!F15"),
        ("unknown-indicator", "b.csv:row 2"),
    ]
