"""`qualcert validate` and `qualcert rubric show|schema` through the command line (CliRunner)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from qualcert.cli import app
from tests.rubric_text import MINIMAL
from tests.test_rubric_loader import TEN_MISTAKES

runner = CliRunner()
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: .+ \[(?P<code>[a-z0-9-]+)\]$")


def invoke(args: list[str], exit_code: int) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output and "ValidationError" not in result.output
    return result


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return str(path)


def located(stderr: str) -> list[tuple[str, int, int, str]]:
    """(file, line, column, code) of every `file:line:col: error: ... [code]` line; fails on any other line."""
    rows = []
    for line in stderr.splitlines():
        m = LOCATED.match(line)
        assert m, f"not a located problem: {line!r}"
        rows.append((m["file"], int(m["line"]), int(m["col"]), m["code"]))
    return rows


# -- validate -----------------------------------------------------------------------------------------------------


def test_valid_rubrics_exit_0_with_one_summary_line_each(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", MINIMAL)
    two = write(
        tmp_path,
        "two.yaml",
        MINIMAL.replace("id: mini", "id: two").replace('"2023.1"', '"2025"')
        + '          - {id: "1.1.2", name: 둘, points: 2.5, scale: pts}\n',
    )
    result = invoke(["validate", one, two], 0)
    assert result.stdout.splitlines() == [
        f"ok {one}: mini v2023.1 — 1 domains, 1 items, 1 indicators, 4.00 points",
        f"ok {two}: two v2025 — 1 domains, 1 items, 2 indicators, 6.50 points",
    ]
    assert result.stderr == ""


def test_invalid_rubric_exits_3_with_located_problems_on_stderr(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", MINIMAL.replace("points: 4", "points: many") + "            wieght: 2\n")
    result = invoke(["validate", bad], 3)
    assert result.stdout == ""
    assert located(result.stderr) == [(bad, 18, 21, "invalid-value"), (bad, 20, 13, "unknown-key")]


def test_ten_mistakes_are_ten_located_lines(tmp_path: Path) -> None:
    bad = write(tmp_path, "ten.yaml", TEN_MISTAKES)
    rows = located(invoke(["validate", bad], 3).stderr)
    assert len(rows) == 10 and {r[0] for r in rows} == {bad}
    assert [r[1] for r in rows] == [4, 7, 16, 17, 18, 19, 20, 21, 23, 25]


def test_valid_and_invalid_files_together_exit_3_and_report_both(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", MINIMAL)
    bad = write(tmp_path, "bad.yaml", MINIMAL.replace("scale: lv", "scale: nope"))
    result = invoke(["validate", good, bad], 3)
    assert result.stdout.splitlines() == [f"ok {good}: mini v2023.1 — 1 domains, 1 items, 1 indicators, 4.00 points"]
    assert located(result.stderr) == [(bad, 19, 20, "unknown-scale")]


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        (MINIMAL.replace("    name: 영역", "\tname: 영역"), "yaml-syntax", 11, 1),
        (MINIMAL.replace("title:", "id: again\ntitle:"), "yaml-duplicate-key", 3, 1),
        (
            MINIMAL.replace("title: {ko: 미니, en: Mini}", "title: !!python/object/apply:os.system ['true']"),
            "yaml-tag",
            3,
            8,
        ),
        ("", "empty", 1, 1),
        ("- a list\n", "not-a-mapping", 1, 1),
        (MINIMAL.encode("cp949"), "encoding", 3, 13),
    ],
    ids=["tab", "duplicate-key", "python-tag", "empty", "list", "cp949"],
)
def test_unreadable_rubrics_are_located_without_traceback(
    tmp_path: Path, text: str | bytes, code: str, line: int, col: int
) -> None:
    bad = write(tmp_path, "bad.yaml", text)
    assert located(invoke(["validate", bad], 3).stderr) == [(bad, line, col, code)]


def test_missing_file_exits_3_naming_it(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    result = invoke(["validate", missing], 3)
    assert result.stderr.strip() == f"{missing}: error: no such rubric file [not-found]"


def test_validate_without_files_is_a_usage_error() -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_json_lists_problems_as_data(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", MINIMAL)
    bad = write(tmp_path, "bad.yaml", MINIMAL.replace("points: 4", "points: many").replace("scale: lv", "scale: nope"))
    result = invoke(["validate", "--json", good, bad], 3)
    reports: list[dict[str, Any]] = json.loads(result.stdout)
    assert [(r["file"], r["valid"]) for r in reports] == [(good, True), (bad, False)]
    ok = reports[0]
    assert {k: ok[k] for k in ("id", "version", "domains", "items", "indicators", "points", "problems")} == {
        "id": "mini",
        "version": "2023.1",
        "domains": 1,
        "items": 1,
        "indicators": 1,
        "points": 4.0,
        "problems": [],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", ok["sha256"])
    problems = reports[1]["problems"]
    assert [(p["code"], p["location"]["line"], p["location"]["col"]) for p in problems] == [
        ("invalid-value", 18, 21),
        ("unknown-scale", 19, 20),
    ]
    assert all(p["location"]["file"] == bad and p["severity"] == "error" and p["message"] for p in problems)
    assert problems[1]["where"] == f"{bad}:19:20"


def test_json_of_valid_rubrics_exits_0(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", MINIMAL)
    [report] = json.loads(invoke(["validate", "--json", good], 0).stdout)
    assert report["valid"] is True


# -- rubric show / schema -----------------------------------------------------------------------------------------


def test_rubric_show_prints_the_tree_with_points(tmp_path: Path) -> None:
    text = MINIMAL + '          - {id: "1.1.2", name: 둘째 지표, points: 2.5, scale: pts, stages: [onsite]}\n'
    path = write(tmp_path, "r.yaml", text)
    out = invoke(["rubric", "show", path], 0).stdout
    assert "미니 (mini v2023.1) — 1 domains, 1 items, 2 indicators, 6.50 points" in out
    assert "1 영역 (6.50 pts)" in out
    assert "1.1 항목" in out
    assert "1.1.1 지표 — 4.00 pts, lv, document+onsite" in out
    assert "1.1.2 둘째 지표 — 2.50 pts, pts, onsite" in out
    assert "scale lv: 상=1.0, 중=0.5, 하=0.1" in out
    assert out.index("1 영역") < out.index("1.1 항목") < out.index("1.1.1 지표") < out.index("1.1.2 둘째 지표")


def test_rubric_show_in_english(tmp_path: Path) -> None:
    out = invoke(["rubric", "show", write(tmp_path, "r.yaml", MINIMAL), "--lang", "en"], 0).stdout
    assert out.startswith("Mini (mini v2023.1)")


def test_rubric_show_of_an_invalid_rubric_exits_3(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", MINIMAL.replace("points: 4", "points: -4"))
    result = invoke(["rubric", "show", bad], 3)
    assert result.stdout == ""
    assert f"{bad}:18:21: error:" in result.stderr


def test_rubric_schema_is_a_json_schema_of_the_format() -> None:
    schema = json.loads(invoke(["rubric", "schema"], 0).stdout)
    props = schema["properties"]
    assert {"schema", "id", "title", "version", "scales", "domains", "decision", "validity"} <= set(props)
    assert {"schema", "id", "title", "version", "scales", "domains"} <= set(schema["required"])
    assert schema["additionalProperties"] is False  # editors flag typos too
    assert props["schema"].get("const") == "qualcert/rubric@1"
    if importlib.util.find_spec("jsonschema") is not None:  # pragma: no cover - not a dependency
        import jsonschema  # type: ignore[import-untyped]
        import yaml

        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(yaml.safe_load(MINIMAL), schema)


# -- help ---------------------------------------------------------------------------------------------------------

COMMANDS = [[], ["validate"], ["template"], ["check"], ["score"], ["agreement"], ["demo"], ["rubric"]]
COMMANDS += [["rubric", "show"], ["rubric", "schema"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "qualcert")
def test_every_command_has_help(command: list[str]) -> None:
    result = invoke([*command, "--help"], 0)
    assert "Usage:" in result.stdout
