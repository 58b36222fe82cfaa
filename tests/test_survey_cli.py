"""`qualcert survey` through the command line: the JSON contract, outputs, exit codes, the bundled example."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from qualcert.cli import app
from qualcert.survey import run_survey
from tests.survey_helpers import SURVEY, X, Y, Z, csv_rows, write

runner = CliRunner()
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "survey"
EXAMPLE_INPUTS = [EXAMPLE / "responses-방문형.csv", EXAMPLE / "responses-시설형.csv"]


def invoke(args: Sequence[object], exit_code: int) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result


def inputs(tmp_path: Path) -> list[Path]:
    survey = write(tmp_path / "survey.yaml", SURVEY)
    responses = write(tmp_path / "responses.csv", csv_rows({"X": X, "Y": Y, "Z": Z}), "utf-8-sig")
    roster = write(
        tmp_path / "roster.csv", "institution_id,name,service_type\nX,엑스,방문형\nY,와이,방문형\nZ,제트,시설형\n"
    )
    operational = write(
        tmp_path / "op.json",
        '{"institutions": [{"institution_id": "X", "total": 80}, {"institution_id": "Y", "total": 90.5}]}',
    )
    baseline = write(
        tmp_path / "prev.json",
        '{"institutions": [{"institution_id": "X", "index": 70}], "groups": [{"group": "방문형", "index": 80.1}]}',
    )
    return [survey, responses, roster, operational, baseline]


def test_json_contract(tmp_path: Path) -> None:
    survey, responses, roster, operational, baseline = inputs(tmp_path)
    args = [survey, responses, "--roster", roster, "--operational", operational, "--baseline", baseline]
    result = invoke(["survey", *args, "--benchmark", "92.3", "--json", "-"], 0)
    doc: dict[str, Any] = json.loads(result.stdout)
    assert {"institutions", "groups", "problems"} <= set(doc)
    x = doc["institutions"][0]
    contract = {"institution_id", "respondents", "excluded_respondents", "index", "reliable", "dimensions", "composite"}
    assert contract <= set(x)
    assert (x["institution_id"], x["respondents"], x["excluded_respondents"], x["index"], x["reliable"]) == (
        "X",
        3,
        1,
        72.92,
        True,
    )
    assert x["dimensions"][0] == {"dimension_id": "A", "score": 66.67, "respondents": 3}
    assert x["composite"] == 76.46 and x["deltas"]["vs_baseline"] == 2.92 and x["deltas"]["vs_benchmark"] == -19.38
    assert doc["institutions"][1]["reliable"] is False and doc["institutions"][1]["index"] == 84.38
    assert doc["groups"][0] == {
        "group": "방문형",
        "institutions": 2,
        "reliable_institutions": 1,
        "index": 78.65,
        "dimensions": doc["groups"][0]["dimensions"],
        "composite": 81.95,
        "deltas": {"baseline": 80.1, "vs_baseline": -1.45, "benchmark": 92.3, "vs_benchmark": -13.65},
    }
    assert {g["group"] for g in doc["groups"]} == {"방문형", "시설형"} and doc["by"] == "service_type"
    assert [p["code"] for p in doc["problems"]] == ["no-operational-score"]  # Z: a warning, not an error
    assert "no operational score" in result.stderr
    library = run_survey(survey, [responses], roster_path=roster, operational_path=operational, baseline_path=baseline)
    assert library.institutions[0].composite is not None
    assert json.loads(json.dumps(library.to_json_dict()))["institutions"][0]["composite"] == x["composite"]


def test_files_are_written_and_the_workbook_holds_the_json(tmp_path: Path) -> None:
    survey, responses, roster, operational, _ = inputs(tmp_path)
    out_json, out_xlsx = tmp_path / "s.json", tmp_path / "s.xlsx"
    args = [survey, responses, "--roster", roster, "--operational", operational, "--benchmark", "92.3"]
    result = invoke(["survey", *args, "--json", out_json, "-o", out_xlsx], 0)
    assert "방문형" in result.stdout and "78.65" in result.stdout  # the terminal tables
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out_xlsx)
    assert book.sheetnames == ["기관별", "유형별", "차원별", "문항별"]
    institutions = book["기관별"]
    header = [c.value for c in institutions[4]]
    assert header[:7] == ["기관코드", "기관명", "서비스유형", "응답자", "제외", "고객품질지수", "표본"]
    assert institutions.freeze_panes == "C5"
    assert [(r[0], r[5]) for r in institutions.iter_rows(min_row=5, values_only=True)] == [
        (i["institution_id"], i["index"]) for i in doc["institutions"]
    ]
    assert institutions["A4"].font.name == "맑은 고딕" and institutions["A4"].font.b
    groups = book["유형별"]
    assert [r[:4] for r in groups.iter_rows(min_row=5, values_only=True)] == [
        *((g["group"], g["institutions"], g["reliable_institutions"], g["index"]) for g in doc["groups"]),
        ("전체", 3, 1, doc["overall"]["index"]),
    ]
    assert len(groups._charts) == 1  # indices per group against the benchmark line
    alpha = [r[4] for r in book["차원별"].iter_rows(min_row=5, values_only=True)]
    assert alpha == [a["alpha"] for a in doc["cronbach_alpha"]]
    questions = list(book["문항별"].iter_rows(min_row=5, values_only=True))
    assert [q[0] for q in questions] == ["Q1", "Q2", "Q3", "Q4", "Q5"] and questions[1][3] == "예"


def test_invalid_input_exits_3_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    survey, _, roster, *_ = inputs(tmp_path)
    bad = write(tmp_path / "bad.csv", "institution_id,respondent_id,Q1,Q2,Q3,Q4,Q6\nX,r1,5,9,4,3,5\nX,r1,5,1,4,3,\n")
    before = sorted(tmp_path.iterdir())
    result = invoke(
        ["survey", survey, bad, "--roster", roster, "--json", tmp_path / "o.json", "-o", tmp_path / "o.xlsx"], 3
    )
    assert sorted(tmp_path.iterdir()) == before
    for where, code in [
        ("bad.csv:row 1", "unknown-question"),
        ("bad.csv:row 1", "missing-question"),
        ("bad.csv:row 2", "answer-not-in-scale"),
        ("bad.csv:row 3", "duplicate-respondent"),
    ]:
        assert any(where in line and f"[{code}]" in line for line in result.stderr.splitlines()), (where, code)
    assert "nothing was written" in result.stderr


def test_a_broken_survey_definition_is_located(tmp_path: Path) -> None:
    survey = write(tmp_path / "survey.yaml", SURVEY.replace("dimension: B,", "dimension: C,", 1))
    responses = write(tmp_path / "r.csv", csv_rows({"X": X}))
    result = invoke(["survey", survey, responses], 3)
    assert f"{survey}:13:25: error:" in result.stderr and "[unknown-dimension]" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    survey, responses, *_ = inputs(tmp_path)
    invoke(["survey", survey, responses, "--by", "service_type"], 2)  # --by needs --roster
    invoke(["survey", survey, responses, "--benchmark", "high"], 2)
    invoke(["survey", survey, responses, "--benchmark", "120"], 2)
    result = invoke(["survey", "--help"], 0)
    assert "--operational" in result.stdout and "--benchmark" in result.stdout


def test_unknown_by_column_exits_3(tmp_path: Path) -> None:
    survey, responses, roster, *_ = inputs(tmp_path)
    result = invoke(["survey", survey, responses, "--roster", roster, "--by", "region"], 3)
    assert "[unknown-column]" in result.stderr and "service_type, name" in result.stderr


def test_output_over_an_input_is_refused(tmp_path: Path) -> None:
    survey, responses, *_ = inputs(tmp_path)
    result = invoke(["survey", survey, responses, "--json", responses], 3)
    assert "[output-is-input]" in result.stderr


# -- the bundled example: a report shaped like the regional agency's ---------------------------------------------


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    result = invoke(
        [
            "survey",
            EXAMPLE / "survey.yaml",
            *EXAMPLE_INPUTS,
            "--roster",
            EXAMPLE / "roster.csv",
            "--operational",
            EXAMPLE / "operational.json",
            "--baseline",
            EXAMPLE / "previous-2023.json",
            "--benchmark",
            "92.3",
            "--json",
            "-",
        ],
        0,
    )
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_example_per_type_averages_and_differences(example: dict[str, Any]) -> None:
    groups = {g["group"]: g for g in example["groups"]}
    assert set(groups) == {"방문형", "시설형"}
    assert (groups["방문형"]["institutions"], groups["시설형"]["institutions"]) == (22, 18)
    assert groups["방문형"]["index"] == pytest.approx(90.6, abs=0.05)  # 세종 2023: 방문형 90.6
    assert groups["시설형"]["index"] == pytest.approx(87.2, abs=0.05)  # 시설형 87.2
    assert example["overall"]["deltas"]["vs_baseline"] == 0.8  # +0.8 on last year
    assert example["overall"]["deltas"]["vs_benchmark"] == pytest.approx(example["overall"]["index"] - 92.3, abs=0.01)
    assert all(i["composite"] is not None for i in example["institutions"])
    assert example["problems"] == []


def test_example_is_realistic(example: dict[str, Any]) -> None:
    institutions = example["institutions"]
    assert len(institutions) == 40
    assert all(85 <= i["index"] <= 96 for i in institutions)
    assert 3 <= sum(not i["reliable"] for i in institutions) <= 8  # some services have fewer than 30 respondents
    assert all(i["respondents"] < 30 for i in institutions if not i["reliable"])
    assert sum(i["excluded_respondents"] for i in institutions) > 0
    assert all(0.6 <= a["alpha"] <= 0.95 for a in example["cronbach_alpha"])
    intent = next(q for q in example["questions"] if "계속 이용" in q["text"])
    assert intent["dimension_id"] is None and 40 < intent["top_box"] < 80  # 계속 이용 의향: share of 매우 그렇다
