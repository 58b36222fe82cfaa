import json
from pathlib import Path

from typer.testing import CliRunner

from qualcert.cli import app
from tests.test_outputs import write_inputs


def test_score_record_stores_the_run_once(tmp_path: Path, db: str) -> None:
    args = write_inputs(tmp_path)
    for _ in range(2):  # idempotent: the same run twice changes nothing
        result = CliRunner().invoke(app, ["score", *args, "--issued", "2023-12-05", "-q", "--record", "--db", db])
        assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(app, ["registry", "history", "P1", "--db", db, "--json"])
    assert listed.exit_code == 0, listed.output
    cycles = json.loads(listed.stdout)
    assert len(cycles["cycles"] if isinstance(cycles, dict) else cycles) == 1
