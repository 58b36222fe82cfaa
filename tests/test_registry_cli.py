"""`qualcert registry ...`: exit codes, the `list --json` contract, library parity, nothing written on error."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from qualcert.bundled import bundled_root
from qualcert.cli import app
from qualcert.registry import Register, parse_results
from tests.register_db import register_exists
from tests.test_registry import CYCLE1, CYCLE2, doc, inst
from tests.test_registry_cohort import CURRENT, PREVIOUS

runner = CliRunner()
LIST_KEYS = ["institution_id", "name", "rubric_id", "decision", "valid_from", "valid_until", "status"]


def invoke(args: list[str], exit_code: int = 0, env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(app, args, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_record_list_history_round_trip(tmp_path: Path, db: str) -> None:
    first, second = write(tmp_path / "c1.json", CYCLE1), write(tmp_path / "c2.json", CYCLE2)
    out = invoke(["registry", "record", str(first), "--db", db]).stdout
    assert "recorded run" in out and "3 institutions, 2 certificates" in out
    assert "nothing changed" in invoke(["registry", "record", str(first), "--db", db]).stdout
    outcome = json.loads(invoke(["registry", "record", str(second), "--db", db, "--json"]).stdout)
    assert outcome["created"] and outcome["run_hash"] == parse_results(CYCLE2).run_hash

    listed = json.loads(invoke(["registry", "list", "--db", db, "--on", "2026-10-01", "--json"]).stdout)
    assert [list(row) for row in listed] == [LIST_KEYS] * 2
    assert [(r["institution_id"], r["status"]) for r in listed] == [("P1", "active"), ("P3", "active")]
    expiring = ["registry", "list", "--db", db, "--expiring", "--within", "90", "--on", "2026-10-01", "--json"]
    assert [r["status"] for r in json.loads(invoke(expiring).stdout)] == ["expiring", "expiring"]
    with Register.open(db) as reg:  # CLI JSON == library JSON
        from datetime import date

        lib = [c.to_json_dict() for c in reg.certificates(on=date(2026, 10, 1), status="expiring", within=90)]
    assert json.loads(invoke(expiring).stdout) == lib

    table = invoke(["registry", "list", "--db", db, "--on", "2026-10-01", "--status", "expiring"]).stdout
    assert "P1" in table and "expiring" in table and "2026-12-04" in table

    hist = json.loads(invoke(["registry", "history", "P1", "--db", db, "--json"]).stdout)
    assert [c["total_change"] for c in hist["cycles"]] == [None, 2.75]
    human = invoke(["registry", "history", "P1", "--db", db]).stdout
    assert "85.25" in human and "88.00 (+2.75)" in human and "91.50 (+1.50)" in human


def test_monitor_and_revoke(tmp_path: Path, db: str) -> None:
    invoke(["registry", "record", str(write(tmp_path / "c1.json", CYCLE1)), "--db", db])
    args = ["registry", "monitor", "P1", "--date", "2024-05-02", "--finding", "현장 점검", "--result", "fail"]
    assert "recorded a fail check" in invoke([*args, "--db", db]).stdout
    revoke = ["registry", "revoke", "P1", "--reason", "행정처분", "--date", "2025-01-01", "--db", db]
    assert "revoked the ssqc-2023 certificate of P1" in invoke(revoke).stdout
    listed = json.loads(invoke(["registry", "list", "--db", db, "--on", "2025-01-02", "--json"]).stdout)
    assert {r["institution_id"]: r["status"] for r in listed} == {"P1": "revoked", "P3": "active"}
    listed = json.loads(
        invoke(["registry", "list", "--db", db, "--on", "2025-01-02", "--status", "revoked", "--json"]).stdout
    )
    assert [r["institution_id"] for r in listed] == ["P1"]
    human = invoke(["registry", "history", "P1", "--db", db]).stdout
    assert "check 2024-05-02 fail — 현장 점검" in human and "revoked from 2025-01-01 — 행정처분" in human
    # a second revocation is a user error: exit 3, a message, nothing written
    again = invoke(revoke, exit_code=3)
    assert "already revoked" in again.stderr and again.stdout == ""


def test_cohort_command(tmp_path: Path, db: str) -> None:
    previous, current = write(tmp_path / "prev.json", PREVIOUS), write(tmp_path / "cur.json", CURRENT)
    from_file = json.loads(invoke(["registry", "cohort", str(current), "--previous", str(previous), "--json"]).stdout)
    assert [e["institution_id"] for e in from_file["top_score"]] == ["P01", "P02"]
    assert [e["institution_id"] for e in from_file["top_improvement"]] == ["P10"]
    assert [e["institution_id"] for e in from_file["consecutive_lowest"]] == ["P19"]
    assert [e["institution_id"] for e in from_file["consulting"]] == ["P18", "P19", "P20"]
    invoke(["registry", "record", str(previous), "--db", db])
    from_db = json.loads(invoke(["registry", "cohort", str(current), "--db", db, "--json"]).stdout)
    assert from_db["previous"]["source"] == "register"
    assert {k: v for k, v in from_db.items() if k != "previous"} == {
        k: v for k, v in from_file.items() if k != "previous"
    }
    wider = ["registry", "cohort", str(current), "--db", db, "--top", "10", "--top-improvement", "10", "--json"]
    assert len(json.loads(invoke(wider).stdout)["top_score"]) == 3
    human = invoke(["registry", "cohort", str(current), "--db", db]).stdout
    assert "지자체 통보·개선계획" in human and "컨설팅 대상" in human and "P19" in human
    invoke(["registry", "cohort", str(current), "--top", "101"], exit_code=2)


def test_cohort_previous_must_be_an_earlier_cycle_of_the_same_rubric(tmp_path: Path) -> None:
    current = write(tmp_path / "cur.json", CURRENT)
    other = write(tmp_path / "other.json", {**PREVIOUS, "rubric": {**PREVIOUS["rubric"], "id": "ssqc-2023"}})
    refused = invoke(["registry", "cohort", str(current), "--previous", str(other), "--json"], exit_code=3)
    assert f"{other}: error: this is a cycle of rubric 'ssqc-2023', not 'swf-eval'" in refused.stderr
    assert "previous-other-rubric" in refused.stderr and refused.stdout == ""
    later = invoke(["registry", "cohort", str(current), "--previous", str(current)], exit_code=3)
    assert "not before this run's 2023-06-30" in later.stderr and "previous-not-earlier" in later.stderr


def test_export_command(tmp_path: Path, db: str) -> None:
    invoke(["registry", "record", str(write(tmp_path / "c1.json", CYCLE1)), "--db", db])
    target = tmp_path / "register.xlsx"
    out = invoke(["registry", "export", "-o", str(target), "--db", db, "--on", "2024-01-01"]).stdout
    assert target.is_file() and "2 certificates" in out and "3 cycles" in out
    invoke(["registry", "export", "-o", str(tmp_path / "no" / "r.xlsx"), "--db", db], exit_code=3)


def test_db_from_the_environment(tmp_path: Path) -> None:
    env = {"QUALCERT_DB": str(tmp_path / "env.sqlite")}
    invoke(["registry", "record", str(write(tmp_path / "c1.json", CYCLE1))], env=env)
    assert (tmp_path / "env.sqlite").is_file()
    listed = json.loads(invoke(["registry", "list", "--on", "2024-01-01", "--json"], env=env).stdout)
    assert len(listed) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"overall": {}, "by_indicator": []}', "not a `qualcert score --json` output"),
        ("not json at all", "not JSON"),
        (json.dumps(dict(CYCLE1, issued="2023-13-01")), "issued: expected a date"),
    ],
)
def test_record_refuses_other_files_and_writes_nothing(tmp_path: Path, db: str, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = invoke(["registry", "record", str(bad), "--db", db], exit_code=3)
    assert message in result.stderr and "nothing was written" in result.stderr
    assert not register_exists(db)


def test_user_errors_exit_3(tmp_path: Path, db: str) -> None:
    missing = invoke(["registry", "list", "--db", db], exit_code=3)
    assert "no register here yet" in missing.stderr and not register_exists(db)
    invoke(["registry", "record", str(write(tmp_path / "c1.json", CYCLE1)), "--db", db])
    changed = write(tmp_path / "changed.json", doc("2024-02-01", [inst("P7", 90.0)], sha="e" * 64))
    assert "A changed rubric needs a new version" in invoke(["registry", "record", str(changed), "--db", db], 3).stderr
    assert "no record of institution 'P404'" in invoke(["registry", "history", "P404", "--db", db], 3).stderr
    monitor = ["registry", "monitor", "P2", "--date", "2024-01-01", "--finding", "x", "--db", db]
    assert "holds no certificate" in invoke(monitor, 3).stderr
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello", encoding="utf-8")
    assert "not a SQLite file" in invoke(["registry", "list", "--db", str(foreign)], 3).stderr
    assert foreign.read_text(encoding="utf-8") == "hello"
    no_server = invoke(["registry", "list", "--db", "postgresql+psycopg://staff:secret@127.0.0.1:1/qc"], 3).stderr
    driver = importlib.util.find_spec("psycopg") is not None  # the [postgres] extra
    assert ("the register cannot be used" if driver else 'pip install "qualcert[postgres]"') in no_server
    assert "secret" not in no_server
    invoke(["registry", "list", "--db", db, "--status", "soon"], exit_code=2)
    invoke(["registry", "monitor", "P1", "--finding", "x", "--db", db], exit_code=2)  # --date is required


def test_help_lists_every_command() -> None:
    out = invoke(["registry", "--help"]).stdout
    for command in ("record", "list", "history", "monitor", "revoke", "cohort", "export"):
        assert command in out
    listing = invoke(["registry", "list", "--help"]).stdout
    assert "--db" in listing and "(default: today)" in listing  # not eaten as rich markup


def test_bundled_example_scored_for_two_cycles(tmp_path: Path, db: str) -> None:
    """The issue's 'done when': two cycles of the bundled example, then list --expiring and history."""
    root = bundled_root()
    rubric, example = root / "rubrics" / "ssqc-2023.yaml", root / "examples" / "ssqc-2023"
    runs = {}
    for issued in ("2023-12-05", "2026-12-05"):
        target = tmp_path / f"results-{issued[:4]}.json"
        score = ["score", str(rubric), str(example / "scores.csv"), "--roster", str(example / "roster.csv")]
        invoke([*score, "--issued", issued, "--json", str(target), "--quiet"])
        invoke(["registry", "record", str(target), "--db", db])
        runs[issued] = json.loads(target.read_text(encoding="utf-8"))
    certified_2023 = sorted(i["institution_id"] for i in runs["2023-12-05"]["institutions"] if i["valid_until"])
    assert certified_2023
    args = ["registry", "list", "--expiring", "--within", "90", "--on", "2026-10-01", "--db", db, "--json"]
    listed = json.loads(invoke(args).stdout)
    assert sorted(r["institution_id"] for r in listed) == certified_2023
    assert {(r["valid_from"], r["valid_until"], r["status"]) for r in listed} == {
        ("2023-12-05", "2026-12-04", "expiring")
    }
    history = json.loads(invoke(["registry", "history", certified_2023[0], "--db", db, "--json"]).stdout)
    assert [c["issued"] for c in history["cycles"]] == ["2023-12-05", "2026-12-05"]
    assert history["cycles"][1]["total_change"] == 0.0  # the same sheets scored twice
    assert all(d["percent_change"] == 0.0 for d in history["cycles"][1]["domains"])
