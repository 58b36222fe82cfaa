"""`score` carries the reviewers' agreement in its JSON: the same numbers as `qualcert agreement`."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.agreement_helpers import CONTRACT_ICC, CONTRACT_OVERALL, invoke, no_nan, scored, write_round

SCORE_KEYS = {"rubric", "issued", "institutions", "summary", "inputs", "roster", "run", "problems", "cohort"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return write_round(tmp_path_factory.mktemp("round"))


def test_score_json_has_the_agreement_with_the_contract_keys(files: list[str], tmp_path: Path) -> None:
    doc = scored(files, tmp_path)
    assert set(doc) == SCORE_KEYS | {"agreement"}  # every key of the score contract, plus agreement
    a = doc["agreement"]
    assert {"overall", "by_indicator", "by_reviewer", "leave_one_out", "bootstrap", "methods"} <= set(a)
    assert "rubric" not in a and "problems" not in a  # the score document has its own
    assert set(a["overall"]) >= CONTRACT_OVERALL and set(a["overall"]["icc"]) == CONTRACT_ICC
    assert [i["indicator_id"] for i in a["by_indicator"]] == ["1.1.1", "1.1.2", "2.1.1", "2.1.2"]
    assert all(set(i) >= CONTRACT_OVERALL for i in a["by_indicator"])
    assert [r["reviewer_id"] for r in a["by_reviewer"]] == ["R1", "R2", "R3"]
    assert {"mean_deviation", "se", "tendency", "consensus_grade"} <= set(a["by_reviewer"][0])
    # by default: no intervals and no leave-one-out, each said so
    assert a["bootstrap"]["replicates"] == 0 and a["overall"]["ci"]["alpha_interval"] is None
    assert a["overall"]["ci_reasons"]["alpha_interval"] == "bootstrap switched off"
    assert a["leave_one_out"] is None and "not computed" in a["leave_one_out_reason"]
    # a coefficient that cannot be computed is null with its reason
    inapplicable = a["by_indicator"][3]
    assert inapplicable["alpha_interval"] is None and inapplicable["reasons"]["alpha_interval"]
    options = doc["run"]["options"]
    assert (options["agreement"], options["bootstrap"], options["leave_one_out"]) == (True, 0, False)


def test_the_numbers_are_those_of_qualcert_agreement(files: list[str], tmp_path: Path) -> None:
    doc = scored(files, tmp_path, "--bootstrap", "30", "--seed", "3", "--leave-one-out")
    alone = no_nan(invoke(["agreement", *files[:4], "--json", "-", "--bootstrap", "30", "--seed", "3"]).stdout)
    a = doc["agreement"]
    for key in ("overall", "by_indicator", "by_reviewer", "leave_one_out", "bootstrap", "methods"):
        assert a[key] == alone[key], key
    assert a["overall"]["ci"]["alpha_interval"] is not None
    assert [e["institution_id"] for e in a["leave_one_out"] if e["changes"]] == ["P0", "P3", "P6"]


def test_no_agreement_leaves_out_the_key_and_the_sheet(files: list[str], tmp_path: Path) -> None:
    xlsx = tmp_path / "r.xlsx"
    doc = scored(files, tmp_path, "--no-agreement", "-o", str(xlsx))
    with_it = scored(files, tmp_path)
    assert set(doc) == SCORE_KEYS
    assert doc["institutions"] == with_it["institutions"]  # the agreement changes no score
    assert doc["run"]["options"]["agreement"] is False
    names = openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    assert "신뢰도" not in names and "요약" in names


def test_bootstrap_without_the_agreement_is_a_usage_error(files: list[str]) -> None:
    result = invoke(["score", *files, "--no-agreement", "--bootstrap", "10"], exit_code=2)
    assert "--no-agreement" in result.stderr


def test_leave_one_out_starts_from_the_consensus_decisions(files: list[str], tmp_path: Path) -> None:
    agreed = tmp_path / "agreed.csv"
    agreed.write_text(
        "기관코드,지표,합의 점수,근거,합의자\nP0,1.1.1,상,재확인,위원회\nP0,2.1.1,상,재확인,위원회\n", encoding="utf-8"
    )
    doc = scored(files, tmp_path, "--consensus", str(agreed), "--leave-one-out")
    decisions = {i["institution_id"]: i["decision"] for i in doc["institutions"]}
    assert decisions["P0"] == "certified"  # settled up from not_certified
    entries = doc["agreement"]["leave_one_out"]
    assert {e["institution_id"] for e in entries} == set(decisions)
    assert all(e["decision"] == decisions[e["institution_id"]] for e in entries)


def test_json_on_stdout_lays_the_agreement_out_one_entry_per_line(files: list[str]) -> None:
    text = invoke(["score", *files, "--json", "-", "--leave-one-out"]).stdout
    doc = no_nan(text)
    lines = text.splitlines()
    assert sum(line.startswith('      {"indicator_id": ') for line in lines) == len(doc["agreement"]["by_indicator"])
    assert sum(line.startswith('      {"reviewer_id": ') for line in lines) == len(doc["agreement"]["by_reviewer"])
    assert sum(line.startswith('      {"institution_id": ') for line in lines) == 3 * len(doc["institutions"])
    assert sum(line.startswith('    {"institution_id": ') for line in lines) == len(doc["institutions"])


def test_the_terminal_gets_one_line_of_it(files: list[str], tmp_path: Path) -> None:
    shown = invoke(["score", *files, "--json", str(tmp_path / "r.json")]).stdout
    o = no_nan((tmp_path / "r.json").read_text(encoding="utf-8"))["agreement"]["overall"]
    line = f"reviewer agreement: α interval {o['alpha_interval']:.3f}, ICC(1) {o['icc']['icc1_oneway']:.3f}; 0 of 3"
    assert line in shown
    assert "reviewer agreement" not in invoke(["score", *files, "--no-agreement"]).stdout
