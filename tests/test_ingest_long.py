"""Long tables (CSV and xlsx): encodings, Korean headers and aliases, normalised text, provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from qualcert import scoretable as st
from qualcert.errors import SheetError
from qualcert.ingest import Roster, load_scores
from qualcert.ingest.sources import cell_ref, expand
from qualcert.rubric import Rubric
from tests.ingest_helpers import HEADER, codes, scores, write, write_xlsx

KOREAN = (
    "기관코드,심사위원,단계,지표,점수,의견\n"
    "P1,R1,서면,1.1.1,상,좋음\n"
    "P1,R1,현장,1.1.10,１.５,\n"  # full-width digits
    "P1,R1,현장,1.1.2,해당없음,\n"
)
EXPECTED = [
    ("P1", "R1", "document", "1.1.1", False, 2, 2),
    ("P1", "R1", "onsite", "1.1.10", False, 3, 4),  # full-width 1.5 of 2 points in steps of 0.5 = 3/4
    ("P1", "R1", "onsite", "1.1.2", True, 0, 2),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_encodings_and_korean_headers_give_the_same_table(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster, encoding: str
) -> None:
    loaded = load_scores([write(tmp_path / "k.csv", KOREAN, encoding)], sheet_rubric, sheet_roster)
    assert scores(loaded.table) == EXPECTED
    assert loaded.table[st.COMMENT].tolist() == ["좋음", "", ""]
    assert [(f.kind, f.rows) for f in loaded.files] == [("csv", 3)]
    assert set(loaded.table[st.INDICATOR]) == {"1.1.1", "1.1.10", "1.1.2"}  # "1.10" never collapses into "1.1"


def test_tiny_cp949_file_that_is_also_valid_utf8_is_read_as_cp949(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    path = write(tmp_path / "c.csv", HEADER + "P1,R1,document,1.1.1,상,짝짠짢\n", "cp949")
    assert load_scores([path], sheet_rubric, sheet_roster).table[st.COMMENT].tolist() == ["짝짠짢"]


def test_forced_encoding_and_a_file_that_is_neither(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = write(tmp_path / "c.csv", HEADER + "P1,R1,document,1.1.1,상,\n", "cp949")
    assert len(load_scores([path], sheet_rubric, sheet_roster, encoding="cp949").table) == 1
    with pytest.raises(SheetError) as caught:
        load_scores([path], sheet_rubric, sheet_roster, encoding="utf-8")
    assert codes(caught.value.problems, tmp_path) == [("undecodable", "c.csv:2")]
    with pytest.raises(SheetError) as caught:
        load_scores([path], sheet_rubric, sheet_roster, encoding="klingon")
    assert codes(caught.value.problems, tmp_path) == [("unknown-encoding", "c.csv")]
    junk = tmp_path / "j.csv"
    junk.write_bytes(HEADER.encode() + b"P1,R1,document,1.1.1,\xff\xfe\xfd,\n")
    with pytest.raises(SheetError) as caught:
        load_scores([junk], sheet_rubric, sheet_roster)
    assert codes(caught.value.problems, tmp_path) == [("undecodable", "j.csv:2")]
    assert "neither UTF-8 nor CP949" in caught.value.problems[0].message


def test_excel_unicode_text_tab_and_semicolon_delimiters(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    tabbed = write(tmp_path / "u.txt", KOREAN.replace(",", "\t"), "utf-16")
    semi = write(tmp_path / "s.csv", KOREAN.replace(",", ";"))
    assert scores(load_scores([tabbed], sheet_rubric, sheet_roster).table) == EXPECTED
    assert scores(load_scores([semi], sheet_rubric, sheet_roster).table) == EXPECTED


def test_text_is_normalised_numbers_as_text_spaces_case_and_aliases(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    text = (
        "Institution ID , 평가위원, 심사단계 ,지표코드,평가점수,비고\n"
        " P1 ,R1 ,On-site,1.1.10 , 2 ,\n"  # points typed as text with spaces
        "P1,R1,DOCUMENT,1.1.1,２,\n"  # full-width 2 points of 4 = 중
        "P1,R2,서면심사,1.1.2,n/a,\n"
        "P1,R2,현장,1.1.10,1.50,\n"
    )
    table = load_scores([write(tmp_path / "a.csv", text)], sheet_rubric, sheet_roster).table
    assert scores(table) == [
        ("P1", "R1", "document", "1.1.1", False, 1, 2),
        ("P1", "R1", "onsite", "1.1.10", False, 4, 4),
        ("P1", "R2", "document", "1.1.2", True, 0, 2),
        ("P1", "R2", "onsite", "1.1.10", False, 3, 4),
    ]
    assert sorted(table[st.LABEL]) == ["1.50", "2", "2", "n/a"]


def test_a_ragged_csv_and_an_empty_score_are_read_as_not_scored(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    text = HEADER + "P1,R1,document,1.1.1,상,,\nP1,R1,document,1.1.2,,\nP1,R2,document,1.1.1,,다시 볼 것\n\n"
    loaded = load_scores([write(tmp_path / "r.csv", text)], sheet_rubric, sheet_roster)
    assert scores(loaded.table) == [("P1", "R1", "document", "1.1.1", False, 2, 2)]
    assert [(w.code, w.severity) for w in loaded.warnings] == [("comment-without-score", "warning")]
    assert codes(loaded.warnings, tmp_path) == [("comment-without-score", "r.csv:row 4")]


def test_long_xlsx_with_a_title_row_keeps_cells_ints_and_text_ids(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    path = write_xlsx(
        tmp_path / "long.xlsx",
        {
            "점수표": [
                ["2025 현장심사 결과"],
                [],
                ["지표", "점수", "기관코드", "심사위원", "단계"],
                ["1.1.10", 2, "P1", "R1", "현장"],  # an int cell: calamine gives 2.0, we read "2"
                ["1.1.1", "하", "P2", "R1", "document"],
            ]
        },
    )
    loaded = load_scores([path], sheet_rubric, sheet_roster)
    assert scores(loaded.table) == [
        ("P1", "R1", "onsite", "1.1.10", False, 4, 4),
        ("P2", "R1", "document", "1.1.1", False, 0, 2),
    ]
    assert loaded.table[[st.SHEET, st.CELL, st.ROW, st.LABEL]].values.tolist() == [
        ["점수표", "B4", 4, "2"],
        ["점수표", "B5", 5, "하"],
    ]
    assert [(f.kind, f.rows) for f in loaded.files] == [("long-xlsx", 2)]


def test_sheet_option_reads_only_that_sheet(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    header = ["institution_id", "reviewer_id", "stage", "indicator_id", "score"]
    path = write_xlsx(
        tmp_path / "two.xlsx",
        {
            "old": [header, ["P1", "R1", "document", "1.1.1", "우수"]],
            "new": [header, ["P1", "R1", "document", "1.1.1", "상"]],
        },
    )
    assert len(load_scores([path], sheet_rubric, sheet_roster, sheet="new").table) == 1
    with pytest.raises(SheetError) as caught:
        load_scores([path], sheet_rubric, sheet_roster, sheet="nope")
    assert codes(caught.value.problems, tmp_path) == [("no-sheet", "two.xlsx")]
    assert "sheets: old, new" in caught.value.problems[0].message


def test_folders_expand_sorted_without_lock_hidden_or_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / ".tmp").mkdir()
    for name in ("b.csv", "a.xlsx", "sub/c.CSV", "~$a.xlsx", ".hidden.csv", ".tmp/x.csv", "notes.txt", "old.xls"):
        (folder / name).write_text("x")
    (tmp_path / "none").mkdir()
    files, empty = expand([folder])
    assert [p.relative_to(folder).as_posix() for p in files] == ["a.xlsx", "b.csv", "old.xls", "sub/c.CSV"]
    assert empty == []
    files, empty = expand([folder / "b.csv", folder, folder / "b.csv", tmp_path / "none"])
    assert files[:2] == [folder / "b.csv", folder / "a.xlsx"] and len(files) == 4
    assert empty == [tmp_path / "none"]


def test_the_same_file_twice_is_read_once_with_a_warning(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    first = write(tmp_path / "a.csv", HEADER + "P1,R1,document,1.1.1,상,\n")
    copy = write(tmp_path / "a-copy.csv", HEADER + "P1,R1,document,1.1.1,상,\n")
    loaded = load_scores([first, copy], sheet_rubric, sheet_roster)
    assert len(loaded.table) == 1 and [f.path for f in loaded.files] == [str(first)]
    assert codes(loaded.warnings, tmp_path) == [("duplicate-file", "a-copy.csv")]


def test_cell_refs() -> None:
    assert [cell_ref(0, 0), cell_ref(8, 5), cell_ref(0, 26), cell_ref(0, 701), cell_ref(0, 702)] == [
        "A1",
        "F9",
        "AA1",
        "ZZ1",
        "AAA1",
    ]


def test_a_big_long_xlsx(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["기관코드", "심사위원", "단계", "지표", "점수", "의견"])
    for r in range(1, 20_001):
        ws.write_row(r, 0, ["P1", f"R{r}", "서면", "1.1.1", "상중하"[r % 3], f"의견 {r} " + "가나다라" * (r % 7)])
    book.close()
    assert path.stat().st_size > 250_000  # past the size where every member is inflated once before parsing
    loaded = load_scores([path], sheet_rubric, sheet_roster)
    assert len(loaded.table) == 20_000 and loaded.table[st.CELL].iloc[-1] == "E20001"
