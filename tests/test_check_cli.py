"""qualcert check: what came in and what is still missing, or every problem with its place (exit 0 or 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from qualcert.cli import app
from qualcert.ingest import Roster
from qualcert.report.template_out import Sheet, write_template
from qualcert.rubric import Rubric
from tests.ingest_helpers import HEADER, write

runner = CliRunner()


def invoke(args: list[str], code: int) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def args(tmp_path: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return ["check", str(tmp_path / "rubric.yaml"), *map(str, inputs), "--roster", str(tmp_path / "roster.csv"), *extra]


def test_lists_what_is_still_missing_per_institution_and_stage(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster
) -> None:
    path = write(
        tmp_path / "s.csv",
        HEADER
        + "P1,R1,document,1.1.1,상,\nP1,R1,document,1.1.2,중,\nP1,R2,onsite,1.1.1,하,\nP1,R1,document,1.1.1,상,\n",
    )
    result = invoke(args(tmp_path, path), 0)
    lines = result.stdout.splitlines()
    assert lines[0] == "valid: 1 files, 3 scores, 2 institutions, 2 reviewers"
    assert lines[1:] == [
        "P1 onsite: 2 without a score (1.1.10, 1.1.2)",
        "P2 document: 3 without a score (1.1.1, 1.1.2, 1.1.3)",
        "P2 onsite: 4 without a score (1.1.1, 1.1.10, 1.1.2, 1.1.3)",
    ]
    assert f"{path}:row 2: warning: reviewer R1 scored indicator 1.1.1 of P1" in result.stderr
    report = json.loads(invoke(args(tmp_path, path, extra=("--json",)), 0).stdout)
    assert (report["institutions"], report["reviewers"], report["scores"]) == (2, 2, 3)
    assert report["missing"]["P1"] == {"onsite": ["1.1.10", "1.1.2"]}
    assert [p["code"] for p in report["problems"]] == ["duplicate-score"]
    assert report["files"][0]["kind"] == "csv" and report["files"][0]["rows"] == 4


def test_problems_exit_3_with_their_places(tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster) -> None:
    path = write(tmp_path / "s.csv", HEADER + "P1,R1,document,1.1.1,최상,\n")
    result = invoke(args(tmp_path, path), 3)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "1 problem found.",  # check only reads, so it does not speak of writing
        f"{path}:row 2: error: '최상' is not a valid score for indicator 1.1.1; valid: 상, 중, 하 [score-not-in-scale]",
    ]


@pytest.mark.parametrize("command", ["check", "score"])
def test_100_returned_templates_with_5_planted_mistakes(tmp_path: Path, sheet_rubric: Rubric, command: str) -> None:
    roster = "institution_id,name,service_type\n" + "".join(f"P{i:02d},기관 {i},{'ab'[i % 2]}\n" for i in range(25))
    write(tmp_path / "roster.csv", roster)
    folder = tmp_path / "returned"
    folder.mkdir()
    filled = {"1.1.1": "상", "1.1.10": "1.5", "1.1.2": "해당없음", "1.1.3": "중"}
    for i in range(25):
        for reviewer in ("R1", "R2", "R3", "R4"):
            sheet = Sheet(f"P{i:02d}", f"기관 {i}", "ab"[i % 2], reviewer, "onsite", filled)
            write_template(folder / f"onsite_P{i:02d}_{reviewer}.xlsx", sheet_rubric, [sheet])
    planted = {  # file → cell → value, as a reviewer might get it wrong
        "onsite_P01_R2.xlsx": ("F13", "최상"),
        "onsite_P05_R4.xlsx": ("F14", "1.25"),
        "onsite_P11_R1.xlsx": ("C15", "1.1.9"),
        "onsite_P16_R3.xlsx": ("B4", "P99"),
        "onsite_P24_R2.xlsx": ("F13", "=1+1"),
    }
    for name, (cell, value) in planted.items():
        book = openpyxl.load_workbook(folder / name)
        book["평가표"][cell] = value
        book.save(folder / name)
    out = tmp_path / "results.xlsx"
    extra = ("--issued", "2025-01-02", "-o", str(out)) if command == "score" else ()
    result = invoke([command, *args(tmp_path, folder, extra=extra)[1:]], 3)
    found = [line.split(": error: ")[0].replace(f"{folder}/", "") for line in result.stderr.splitlines()[1:]]
    assert found == [f"{name}!평가표!{cell}" for name, (cell, _) in planted.items()]
    banner = "5 problems found; nothing was written." if command == "score" else "5 problems found."
    assert result.stderr.splitlines()[0] == banner
    assert [line.rsplit(" ", 1)[1] for line in result.stderr.splitlines()[1:]] == [
        "[score-not-in-scale]",
        "[invalid-points]",
        "[unknown-indicator]",
        "[unknown-institution]",
        "[formula-without-value]",
    ]
    assert not out.exists()
