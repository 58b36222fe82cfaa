"""The roster: Korean headers, attributes as text, located problems, and what the rubric needs from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcert.errors import Location, RosterError
from qualcert.ingest import Institution, Roster, check_roster, read_roster
from qualcert.rubric import Rubric
from tests.conftest import MakeRubric
from tests.ingest_helpers import RUBRIC, codes, write, write_xlsx

ELIGIBLE = RUBRIC.replace(
    "domains:",
    "decision:\n  eligibility:\n    - {field: years, min: 3}\n    - {field: 인증여부, one_of: [Y]}\ndomains:",
)


def test_korean_headers_and_attributes_as_normalised_text(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", "기관코드,기관명,서비스유형,years,비고\nP1, 가 센터 ,a,３,\nP2,나 센터,,10,신규\n", "cp949"
    )
    roster = read_roster(path)
    assert roster.file == str(path) and roster.sha256 is not None and len(roster.sha256) == 64
    assert list(roster.institutions) == ["P1", "P2"]
    assert roster.institutions["P1"] == Institution(
        "P1", "가 센터", "a", {"years": "3", "비고": ""}, Location(file=str(path), row=2)
    )
    assert roster.institutions["P2"].service_type is None
    assert roster.columns == ("years", "비고")


def test_xlsx_roster_with_a_title_row_and_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        {"기관": [["2025 신청기관"], ["institution_id", "name", "service_type", "years"], ["P1", "가", "a", 5]]},
    )
    roster = read_roster(path)
    assert roster.institutions["P1"].attributes == {"years": "5"}  # calamine's 5.0 reads as "5"
    assert str(roster.institutions["P1"].location) == f"{path}!기관!A3"


def test_roster_file_problems_are_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", "기관코드,기관명,서비스유형,years\nP1,가,a,3\nP1,나,b,4\n,다,a,5\n,,,\nP2,라,a,6\n"
    )
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    assert codes(caught.value.problems, tmp_path) == [
        ("roster-duplicate-id", "r.csv:row 3"),
        ("roster-blank-id", "r.csv:row 4"),
    ]
    assert "first at" in caught.value.problems[0].message and "r.csv:row 2" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("institution_id,service_type\nP1,a\n", [("roster-missing-column", "r.csv:row 1")]),
        ("기관코드,기관명,시설명\nP1,가,나\n", [("roster-duplicate-column", "r.csv:row 1")]),
        ("기관코드,기관명,years,years\nP1,가,1,2\n", [("roster-duplicate-column", "r.csv:row 1")]),
        ("기관코드,기관명\n", [("empty-roster", "r.csv")]),
    ],
)
def test_roster_header_problems(tmp_path: Path, text: str, expected: list[tuple[str, str]]) -> None:
    with pytest.raises(RosterError) as caught:
        read_roster(write(tmp_path / "r.csv", text))
    assert codes(caught.value.problems, tmp_path) == expected


def test_an_unreadable_roster_is_a_roster_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as caught:
        read_roster(tmp_path / "missing.csv")
    assert codes(caught.value.problems, tmp_path) == [("not-found", "missing.csv")]


def test_what_the_rubric_needs_from_the_roster(tmp_path: Path, make_rubric: MakeRubric) -> None:
    rubric = make_rubric(ELIGIBLE)
    roster = read_roster(
        write(tmp_path / "r.csv", "기관코드,기관명,서비스유형,years\nP1,가,a,3년\nP2,나,c,\nP3,다,,5\n")
    )
    with pytest.raises(RosterError) as caught:
        check_roster(rubric, roster)
    assert codes(caught.value.problems, tmp_path) == [
        ("roster-service-type", "r.csv:row 3"),  # c is not a service type of the rubric
        ("roster-service-type", "r.csv:row 4"),  # blank, but the rubric limits indicators by service type
        ("roster-not-a-number", "r.csv:row 2"),  # years has a minimum: "3년" is not a number; P2's blank is fine
        ("roster-missing-column", "r.csv"),  # 인증여부, read by an eligibility rule
    ]
    assert "not one of rubric t's: a, b" in caught.value.problems[0].message


def test_a_fitting_roster_passes(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    check_roster(sheet_rubric, sheet_roster)
