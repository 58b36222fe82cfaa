"""`qualcert agreement`: exit codes, the JSON contract, atomic output, parity with the library verb."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcert.pipeline import run_agreement
from tests.agreement_helpers import CONTRACT_ICC, CONTRACT_OVERALL, invoke, write_round


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    rubric, scores, _, roster, *_ = write_round(tmp_path)
    return Path(rubric), Path(scores), Path(roster)


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
