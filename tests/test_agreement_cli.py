"""`qualcert agreement`: exit codes, the JSON contract, atomic output, parity with the library verb."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from qualcert.cli import app
from qualcert.pipeline import run_agreement
from tests.test_scoring_engine import RUBRIC

runner = CliRunner()
CONTRACT_OVERALL = {"alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio", "fleiss_kappa", "icc"}
CONTRACT_ICC = {"icc1_1", "icc2_1", "icc3_1", "icc1_k", "icc2_k", "icc3_k", "icc1_oneway"}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "institution_id,name,service_type,years\n" + "".join(f"P{i},기관{i},a,5\n" for i in range(8)), encoding="utf-8"
    )
    scores = tmp_path / "scores.csv"
    levels = ["상", "중", "하"]
    with scores.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["institution_id", "reviewer_id", "stage", "indicator_id", "score"])
        for i in range(8):
            for j, reviewer in enumerate(("R1", "R2", "R3")):
                level = levels[(i + (j == 2)) % 3]
                for stage in ("document", "onsite"):
                    w.writerow([f"P{i}", reviewer, stage, "1.1.1", level])
                    w.writerow([f"P{i}", reviewer, stage, "2.1.1", level])
                w.writerow([f"P{i}", reviewer, "onsite", "1.1.2", str((i + j) % 5 / 2)])
    return rubric, scores, roster


def invoke(args: list[str], exit_code: int = 0) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    return result


def test_json_file_has_the_contract_keys_and_the_table_is_printed(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    rubric, scores, roster = files
    target = tmp_path / "agreement.json"
    result = invoke(
        ["agreement", str(rubric), str(scores), "--roster", str(roster), "--json", str(target), "--bootstrap", "50"]
    )
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert set(doc) >= {"overall", "by_indicator", "by_reviewer", "leave_one_out"}
    assert set(doc["overall"]) >= CONTRACT_OVERALL | {"n_units", "n_reviewers", "ci", "reasons"}
    assert set(doc["overall"]["icc"]) == CONTRACT_ICC
    assert doc["overall"]["ci"]["alpha_interval"] is not None
    assert doc["bootstrap"] == {"replicates": 50, "seed": 0, "level": 0.95}
    assert "alpha_interval" in result.stdout and "Least reliable indicators" in result.stdout
    assert "Reviewers" in result.stdout and "Leave one reviewer out" in result.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_json_to_stdout_equals_the_library_verb(files: tuple[Path, Path, Path]) -> None:
    rubric, scores, roster = files
    result = invoke(
        [
            "agreement",
            str(rubric),
            str(scores),
            "--roster",
            str(roster),
            "--json",
            "-",
            "--bootstrap",
            "40",
            "--seed",
            "3",
        ]
    )
    doc = json.loads(result.stdout)  # nothing but the JSON on stdout
    expected = run_agreement(rubric, [scores], roster_path=roster, bootstrap=40, seed=3).to_json_dict()
    assert doc == json.loads(json.dumps(expected))
    again = invoke(
        [
            "agreement",
            str(rubric),
            str(scores),
            "--roster",
            str(roster),
            "--json",
            "-",
            "--bootstrap",
            "40",
            "--seed",
            "3",
        ]
    )
    assert again.stdout == result.stdout  # seeded: reproducible


def test_invalid_rubric_exits_3_and_writes_nothing(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    rubric, scores, roster = files
    rubric.write_text("schema: qualcert/rubric@1\nid: x\n", encoding="utf-8")
    target = tmp_path / "out.json"
    result = invoke(
        ["agreement", str(rubric), str(scores), "--roster", str(roster), "--json", str(target)], exit_code=3
    )
    assert not target.exists()
    assert "rubric.yaml" in result.stderr


def test_output_over_an_input_is_refused(files: tuple[Path, Path, Path]) -> None:
    rubric, scores, roster = files
    before = scores.read_bytes()
    invoke(
        ["agreement", str(rubric), str(scores), "--roster", str(roster), "--json", str(scores), "--bootstrap", "0"],
        exit_code=3,
    )
    assert scores.read_bytes() == before


def test_negative_bootstrap_is_a_usage_error(files: tuple[Path, Path, Path]) -> None:
    rubric, scores, roster = files
    invoke(["agreement", str(rubric), str(scores), "--roster", str(roster), "--bootstrap", "-1"], exit_code=2)


def test_help() -> None:
    result = invoke(["agreement", "--help"])
    assert "--bootstrap" in result.stdout and "--seed" in result.stdout
