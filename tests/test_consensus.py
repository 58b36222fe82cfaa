"""The reconciliation loop: agreed values replace exactly the settled indicators, and say so."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qualcert.cli import app
from tests.test_outputs import write_inputs

HEADER = "기관코드,지표,합의 점수,근거,합의자\n"


def scored(tmp_path: Path, args: list[str], *extra: str) -> dict:  # type: ignore[type-arg]
    out = tmp_path / f"out{len(extra)}.json"
    result = CliRunner().invoke(app, ["score", *args, "--issued", "2023-12-05", "--json", str(out), "-q", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_consensus_replaces_exactly_the_settled_indicator(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    before = scored(tmp_path, args)
    agreed = tmp_path / "agreed.csv"
    agreed.write_text(HEADER + "P1,2.1.1,상,현장 재확인 결과 충족,위원회\nP1,1.1.1,,,\n", encoding="utf-8")
    after = scored(tmp_path, args, "--consensus", str(agreed))
    old = {i["indicator_id"]: i for i in before["institutions"][0]["indicators"]}
    new = {i["indicator_id"]: i for i in after["institutions"][0]["indicators"]}
    assert [k for k in new if new[k]["score"] != old[k]["score"]] == ["2.1.1"]
    assert (old["2.1.1"]["score"], new["2.1.1"]["score"]) == (2.0, 4.0)
    settled = new["2.1.1"]["consensus"]
    assert settled["rationale"] == "현장 재확인 결과 충족" and settled["settled_by"] == "위원회"
    assert settled["replaced_fraction"] == 0.5 and settled["was_flagged"] is False  # unflagged: allowed, marked
    assert new["1.1.1"]["consensus"] is None  # an empty agreed cell settles nothing
    assert after["institutions"][0]["total"] == 95.0 and after["run"]["options"]["consensus"] == str(agreed)


def test_bad_consensus_rows_are_located_and_nothing_is_written(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    agreed = tmp_path / "agreed.csv"
    agreed.write_text(
        HEADER + "P1,2.1.1,최상,이유,위원회\nP9,1.1.1,상,이유,위원회\nP1,1.1.1,상,,\nP1,2.1.2,상,이유,위원회\n",
        encoding="utf-8",
    )
    out = tmp_path / "o.json"
    result = CliRunner().invoke(app, ["score", *args, "--json", str(out), "--consensus", str(agreed)])
    assert result.exit_code == 3 and not out.exists()
    for code, row in (
        ("consensus-value", 2),
        ("consensus-institution", 3),
        ("consensus-unrecorded", 4),
        ("consensus-not-applicable", 5),
    ):
        assert f"agreed.csv:row {row}" in result.stderr and code in result.stderr
