"""Wide survey responses: CSV (UTF-8, BOM, CP949) and xlsx, headers by id or Korean text, located problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qualcert.ingest import read_roster
from qualcert.survey import SurveyError, read_responses
from qualcert.survey.read import read_baseline, read_operational
from tests.ingest_helpers import write_xlsx
from tests.survey_helpers import X, Y, csv_rows, survey, write

TEXT_HEADER = "기관코드,응답자번호," + ",".join(q.text for q in survey().questions)


def errors(paths: list[Path], **kwargs: object) -> list[tuple[str, str]]:
    with pytest.raises(SurveyError) as info:
        read_responses(paths, survey(), **kwargs)  # type: ignore[arg-type]
    return [(p.code, str(p.location)) for p in info.value.problems]


def test_csv_with_question_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", csv_rows({"X": X, "Y": Y}), "utf-8-sig")
    responses = read_responses([path], survey())
    assert [(r.institution_id, r.respondent_id) for r in responses.respondents][:2] == [("X", "r1"), ("X", "r2")]
    assert responses.respondents[1].answers == (4, None, 5, None, 4)
    assert str(responses.respondents[0].location) == f"{path}:row 2"
    assert responses.files[0].respondents == 6 and responses.files[0].kind == "csv"


def test_cp949_with_korean_question_text_headers_labels_and_missing_tokens(tmp_path: Path) -> None:
    rows = [TEXT_HEADER, "X,1,매우 그렇다,전혀 그렇지 않다,모름,해당없음,", "X,2, 5 ,１,그렇다,보통이다,4"]
    path = write(tmp_path / "r.csv", "\r\n".join(rows) + "\r\n", "cp949")
    answers = [r.answers for r in read_responses([path], survey()).respondents]
    assert answers == [(5, 1, None, None, None), (5, 1, 4, 3, 4)]  # labels, NFKC digits, blanks and tokens


def test_xlsx_with_a_title_above_the_header(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["2024 이용자 만족도 조사 원자료"],
        [],
        ["institution_id", "respondent_id", "Q1", "Q2", "Q3", "Q4", "Q5"],
    ]
    rows += [["X", 1, 5, 1, 4, 3, 5], ["X", 2, 4, None, 5, None, 4]]
    path = write_xlsx(tmp_path / "r.xlsx", {"응답": rows})
    responses = read_responses([path], survey())
    assert [r.respondent_id for r in responses.respondents] == ["1", "2"]
    assert responses.respondents[1].answers == (4, None, 5, None, 4)
    assert str(responses.respondents[0].location) == f"{path}!응답!B4"


def test_every_problem_is_listed_with_its_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["institution_id", "respondent_id", "Q1", "Q2", "Q3", "Q4", "Q5", "방문일"]]
    rows += [["X", "r1", 5, 6, 4, 3, 5, None], ["X", "r2", "좋음", 1, 4, 3, 5, None], ["X", "r1", 5, 1, 4, 3, 5, None]]
    xlsx = write_xlsx(tmp_path / "r.xlsx", {"응답": rows})
    csv = write(tmp_path / "r.csv", csv_rows({"Y": {"s1": (5, 2, 5, 5, 7)}}))
    found = errors([xlsx, csv])
    assert found == [
        ("answer-not-in-scale", f"{csv}:row 2"),
        ("unknown-question", f"{xlsx}!응답!H1"),
        ("answer-not-in-scale", f"{xlsx}!응답!D2"),
        ("answer-not-in-scale", f"{xlsx}!응답!C3"),
        ("duplicate-respondent", f"{xlsx}!응답!B4"),
    ]
    with pytest.raises(SurveyError) as info:
        read_responses([xlsx], survey())
    messages = [p.message for p in info.value.problems]
    assert (
        messages[1] == "Q2: answer '6' is not on the scale; expected 1–5 (전혀 그렇지 않다, 그렇지 않다, 보통이다, "
        "그렇다, 매우 그렇다), or missing (모름, 해당없음, blank)"
    )
    assert messages[3] == f"respondent r1 of institution X appears twice (first at {xlsx}!응답!B2)"


def test_header_problems(tmp_path: Path) -> None:
    ambiguous = survey().questions[0].text
    header = f"institution_id,respondent_id,Q1,Q2,Q3,Q3,{ambiguous}x"
    path = write(tmp_path / "r.csv", header + "\nX,r1,5,1,4,3,\n")
    assert [code for code, _ in errors([path])] == ["duplicate-column", "unknown-question", "missing-question"]
    with pytest.raises(SurveyError, match=r"did you mean '필요한 때에 서비스를 받았다'\?"):
        read_responses([path], survey())
    with pytest.raises(SurveyError, match="no column for the questions Q4, Q5"):
        read_responses([path], survey())


def test_a_text_shared_by_two_questions_must_be_headed_by_the_id(tmp_path: Path) -> None:
    from tests.survey_helpers import SURVEY

    twin = SURVEY.replace("text: 요청에 성의 있게 응대했다", "text: 친절하게 대해 주었다")
    path = write(tmp_path / "r.csv", "institution_id,respondent_id,Q1,Q2,친절하게 대해 주었다,Q4,Q5\nX,r1,5,1,4,3,5\n")
    with pytest.raises(SurveyError) as info:
        read_responses([path], survey(twin))
    assert info.value.problems[0].code == "ambiguous-question"
    assert "(Q3, Q4)" in info.value.problems[0].message


def test_blank_ids_unknown_institutions_and_missing_columns(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path / "roster.csv", "institution_id,name,service_type\nX,엑스,방문형\n"))
    path = write(
        tmp_path / "r.csv", csv_rows({"X": {"": (5, 1, 4, 3, 5)}, "W": {"w1": (5, 1, 4, 3, 5), "w2": (5,) * 5}})
    )
    assert errors([path], roster=roster) == [
        ("blank-respondent", f"{path}:row 2"),
        ("unknown-institution", f"{path}:row 3"),
    ]
    with pytest.raises(SurveyError, match=r"institution W is not in the roster \(2 respondents\)"):
        read_responses([path], survey(), roster=roster)
    no_ids = write(tmp_path / "n.csv", "기관,Q1\nX,5\n")
    assert errors([no_ids]) == [("missing-column", str(no_ids))]


def test_descriptive_columns_are_allowed_and_duplicate_files_read_once(tmp_path: Path) -> None:
    text = csv_rows({"X": X}, header="institution_id,respondent_id,Q1,Q2,Q3,Q4,Q5").replace(
        "institution_id,", "기관명,institution_id,"
    )
    text = text.replace("\nX,", "\n엑스 센터,X,")
    first = write(tmp_path / "a.csv", text)
    second = write(tmp_path / "b.csv", text)
    responses = read_responses([first, second], survey())
    assert len(responses.respondents) == 4
    assert [p.code for p in responses.warnings] == ["duplicate-file"]


def test_operational_and_baseline_files(tmp_path: Path) -> None:
    op = write(
        tmp_path / "op.json",
        '{"institutions": [{"institution_id": "X", "total": 85.25}, {"institution_id": "Y", "total": null}]}',
    )
    assert {k: str(v) for k, v in read_operational(op).items()} == {"X": "85.25", "Y": "None"}
    base = write(
        tmp_path / "b.json",
        '{"institutions": [{"institution_id": "X", "index": 88.1}], '
        '"groups": [{"group": "방문형", "index": 90}], "overall": {"index": 89.5}}',
    )
    baseline = read_baseline(base)
    assert (str(baseline.institutions["X"]), str(baseline.groups["방문형"]), str(baseline.overall)) == (
        "88.1",
        "90",
        "89.5",
    )
    broken = write(tmp_path / "x.json", '{"institutions": [\n  {"institution_id": "X", "total": }]}')
    with pytest.raises(SurveyError) as info:
        read_operational(broken)
    assert str(info.value.problems[0].location) == f"{broken}:2:36"
    wrong = write(tmp_path / "w.json", '{"institutions": [{"institution_id": "X", "total": "high"}]}')
    with pytest.raises(SurveyError, match=r"institutions\[0\].total: must be a number or null"):
        read_operational(wrong)
