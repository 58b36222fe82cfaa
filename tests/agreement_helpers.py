"""A small scoring round for the agreement-in-score tests: its files and a CLI runner that refuses NaN."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from qualcert.cli import app
from tests.test_scoring_engine import RUBRIC

runner = CliRunner()
CONTRACT_OVERALL = {"alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio", "fleiss_kappa", "icc"}
CONTRACT_ICC = {"icc1_1", "icc2_1", "icc3_1", "icc1_k", "icc2_k", "icc3_k", "icc1_oneway"}


def write_round(root: Path) -> list[str]:
    """8 institutions, R1-R3 on every unit (crossed); R3 one level off, so that leaving R3 out changes decisions.

    2.1.2 does not apply to service type a: its coefficients are null with reasons. Returns the
    arguments of `score` / `agreement` before the options: rubric, scores, --roster R, --issued D.
    """
    rubric = root / "rubric.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    roster = root / "roster.csv"
    roster.write_text(
        "institution_id,name,service_type,years\n" + "".join(f"P{i},기관{i},a,5\n" for i in range(8)), encoding="utf-8"
    )
    scores = root / "scores.csv"
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
    return [str(rubric), str(scores), "--roster", str(roster), "--issued", "2023-12-05"]


def invoke(args: list[str], exit_code: int = 0) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    return result


def no_nan(text: str) -> Any:
    """The JSON document; NaN or Infinity in it fails the test."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def scored(files: list[str], out: Path, *extra: str) -> dict[str, Any]:
    """`score --json` of the round, with ``extra`` options."""
    invoke(["score", *files, "--json", str(out / "results.json"), "-q", *extra])
    doc: dict[str, Any] = no_nan((out / "results.json").read_text(encoding="utf-8"))
    return doc
