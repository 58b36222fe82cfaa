"""Black-box `qualcert score --json` cases, hand-computed from DESIGN.md (tests/cases/*.yaml).

Each case file holds:

- ``why``: the hand computation;
- ``issued``: the issue date passed as ``--issued``;
- ``rubric``: a whole rubric as a YAML mapping (written to rubric.yaml);
- ``roster`` (optional): rows (mappings) written to roster.csv and passed as ``--roster``;
- ``scores``: rows ``[institution_id, reviewer_id, stage, indicator_id, score(, comment)]`` written to scores.csv;
- ``expect``: per institution id, the JSON fields to check. Only the keys given are checked; ``domains`` and
  ``indicators`` are matched by id; ``reasons_contain`` lists substrings of the joined reasons.

Numbers are compared exactly (as decimals): the JSON must already hold them rounded to the rubric's precision.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from qualcert.cli import app

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))

SCORE_COLUMNS = ["institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment"]
INSTITUTION_FIELDS = {"total", "grade", "decision", "valid_from", "valid_until", "domains", "indicators"}
DOMAIN_FIELDS = {"domain_id", "score", "max", "percent"}
INDICATOR_FIELDS = {"indicator_id", "score", "max", "applicable", "reviewers", "spread", "flagged"}
NUMBER_FIELDS = {"total", "score", "max", "percent", "spread"}
CASE_KEYS = {"why", "issued", "rubric", "roster", "scores", "expect"}


def load_case(path: Path) -> dict[str, Any]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(case, dict), path
    return case


def cell(value: Any) -> str:
    """A CSV cell from a YAML scalar (dates and numbers as their plain text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError(f"a boolean in a CSV cell ({value!r}): quote it in the case file")
    if isinstance(value, float):
        return repr(value)
    return str(value)


class QuotedId(str):
    """An id written in quotes, so no YAML reader can take it for a number."""


class RubricDumper(yaml.SafeDumper):
    pass


RubricDumper.add_representer(
    QuotedId, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')
)


def stringify_ids(rubric: dict[str, Any]) -> dict[str, Any]:
    """Keep ids, the version and service types strings even if a case file left them unquoted."""
    rubric = dict(rubric)
    rubric["id"] = QuotedId(rubric["id"])
    rubric["version"] = QuotedId(rubric["version"])
    if "service_types" in rubric:
        rubric["service_types"] = [str(s) for s in rubric["service_types"]]
    domains = []
    for domain in rubric["domains"]:
        domain = {**domain, "id": QuotedId(domain["id"])}
        items = []
        for item in domain["items"]:
            item = {**item, "id": QuotedId(item["id"])}
            indicators = []
            for indicator in item["indicators"]:
                indicator = {**indicator, "id": QuotedId(indicator["id"])}
                if "applies_to" in indicator:
                    indicator["applies_to"] = [str(s) for s in indicator["applies_to"]]
                indicators.append(indicator)
            item["indicators"] = indicators
            items.append(item)
        domain["items"] = items
        domains.append(domain)
    rubric["domains"] = domains
    return rubric


def write_rubric(path: Path, rubric: dict[str, Any]) -> None:
    text = yaml.dump(stringify_ids(rubric), Dumper=RubricDumper, allow_unicode=True, sort_keys=False)
    reread = yaml.safe_load(text)  # the dump must give back string ids (e.g. "1" quoted, not the number 1)
    for domain in reread["domains"]:
        assert isinstance(domain["id"], str)
        for item in domain["items"]:
            assert isinstance(item["id"], str)
            assert all(isinstance(ind["id"], str) for ind in item["indicators"])
    path.write_text(text, encoding="utf-8")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_scores(path: Path, scores: list[list[Any]]) -> None:
    with_comment = any(len(row) > 5 for row in scores)
    header = SCORE_COLUMNS if with_comment else SCORE_COLUMNS[:5]
    rows = [[cell(v) for v in row] + [""] * (len(header) - len(row)) for row in scores]
    write_csv(path, header, rows)


def write_roster(path: Path, roster: list[dict[str, Any]]) -> None:
    header: list[str] = []
    for row in roster:
        header += [k for k in row if k not in header]
    write_csv(path, header, [[cell(row.get(k)) for k in header] for row in roster])


def decimal(value: Any) -> Decimal | None:
    """A number from the JSON (parsed with Decimal floats) or from the case file; None if it is not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def compare_fields(where: str, actual: dict[str, Any], expected: dict[str, Any], precision: int) -> list[str]:
    errors: list[str] = []
    quantum = Decimal(1).scaleb(-precision)
    for key, want in expected.items():
        if key not in actual:
            errors.append(f"{where}: no field {key!r}")
            continue
        got = actual[key]
        if key in NUMBER_FIELDS:
            want_d, got_d = decimal(want), decimal(got)
            assert want_d is not None and want_d == want_d.quantize(quantum), f"case error: {where}.{key}={want!r}"
            if got_d is None or got_d != want_d:
                errors.append(f"{where}.{key}: expected {want_d}, got {got!r}")
        elif key in ("valid_from", "valid_until"):
            want_s = None if want is None else str(want)
            if got != want_s:
                errors.append(f"{where}.{key}: expected {want_s!r}, got {got!r}")
        elif key in ("applicable", "flagged"):
            if got is not want:
                errors.append(f"{where}.{key}: expected {want!r}, got {got!r}")
        elif key == "reviewers":
            if isinstance(got, bool) or got != want:
                errors.append(f"{where}.{key}: expected {want!r}, got {got!r}")
        elif got != want:
            errors.append(f"{where}.{key}: expected {want!r}, got {got!r}")
    return errors


def compare_rows(where: str, actual: Any, expected: list[dict[str, Any]], id_key: str, precision: int) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r}"]
    by_id = {str(row.get(id_key)): row for row in actual if isinstance(row, dict)}
    errors: list[str] = []
    for row in expected:
        row_id = str(row[id_key])
        if row_id not in by_id:
            errors.append(f"{where}: no {id_key} {row_id!r} (have {sorted(by_id)})")
            continue
        fields = {k: v for k, v in row.items() if k != id_key}
        errors += compare_fields(f"{where}[{row_id}]", by_id[row_id], fields, precision)
    return errors


def check_case_structure(path: Path, case: dict[str, Any]) -> None:
    """The case file itself is well formed (this fails only on a broken case, never on the product)."""
    assert set(case) <= CASE_KEYS and {"why", "issued", "rubric", "scores", "expect"} <= set(case), path
    date.fromisoformat(str(case["issued"]))
    rubric = case["rubric"]
    assert rubric["schema"] == "qualcert/rubric@1"
    indicator_ids = {str(i["id"]) for d in rubric["domains"] for it in d["items"] for i in it["indicators"]}
    domain_ids = {str(d["id"]) for d in rubric["domains"]}
    needs_roster = bool(rubric.get("decision", {}).get("eligibility")) or any(
        "applies_to" in i for d in rubric["domains"] for it in d["items"] for i in it["indicators"]
    )
    assert needs_roster == ("roster" in case), f"{path}: roster iff eligibility/applies_to"
    for row in case["scores"]:
        assert len(row) in (5, 6), row
        assert all(isinstance(v, str) for v in row), f"{path}: quote every score cell {row}"
        assert row[3] in indicator_ids, row
    for inst, fields in case["expect"].items():
        assert set(fields) <= INSTITUTION_FIELDS | {"reasons_contain"}, (inst, fields)
        for d in fields.get("domains", []):
            assert set(d) <= DOMAIN_FIELDS and str(d["domain_id"]) in domain_ids, d
        for i in fields.get("indicators", []):
            assert set(i) <= INDICATOR_FIELDS and str(i["indicator_id"]) in indicator_ids, i
    assert set(case["expect"]) == institutions_of(case), f"{path}: expect every institution"


def institutions_of(case: dict[str, Any]) -> set[str]:
    ids = {str(row[0]) for row in case["scores"]}
    ids |= {str(row["institution_id"]) for row in case.get("roster", [])}
    return ids


@pytest.mark.parametrize("case_path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_score_case(case_path: Path, tmp_path: Path) -> None:
    case = load_case(case_path)
    check_case_structure(case_path, case)
    rubric = case["rubric"]
    precision = int(rubric.get("precision", 2))
    issued = str(case["issued"])

    rubric_path = tmp_path / "rubric.yaml"
    scores_path = tmp_path / "scores.csv"
    out_path = tmp_path / "out.json"
    write_rubric(rubric_path, rubric)
    write_scores(scores_path, case["scores"])
    args = ["score", str(rubric_path), str(scores_path)]
    if "roster" in case:
        roster_path = tmp_path / "roster.csv"
        write_roster(roster_path, case["roster"])
        args += ["--roster", str(roster_path)]
    args += ["--issued", issued, "--json", str(out_path)]

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
    assert out_path.exists(), "no JSON written"
    data = json.loads(out_path.read_text(encoding="utf-8"), parse_float=Decimal)

    # top-level shape
    assert {"rubric", "issued", "institutions", "problems"} <= set(data), sorted(data)
    assert {"id", "version", "sha256"} <= set(data["rubric"]), data["rubric"]
    assert data["rubric"]["id"] == str(rubric["id"])
    assert data["rubric"]["version"] == str(rubric["version"])
    assert isinstance(data["rubric"]["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", data["rubric"]["sha256"])
    assert data["issued"] == issued
    assert isinstance(data["problems"], list)
    assert isinstance(data["institutions"], list)

    by_id = {str(inst.get("institution_id")): inst for inst in data["institutions"]}
    assert set(by_id) == institutions_of(case), f"institutions: {sorted(by_id)}"

    errors: list[str] = []
    for inst_id, expected in case["expect"].items():
        actual = by_id[str(inst_id)]
        fields = {k: v for k, v in expected.items() if k not in ("domains", "indicators", "reasons_contain")}
        errors += compare_fields(str(inst_id), actual, fields, precision)
        if "domains" in expected:
            errors += compare_rows(
                f"{inst_id}.domains", actual.get("domains"), expected["domains"], "domain_id", precision
            )
        if "indicators" in expected:
            errors += compare_rows(
                f"{inst_id}.indicators", actual.get("indicators"), expected["indicators"], "indicator_id", precision
            )
        if "reasons_contain" in expected:
            reasons = actual.get("reasons")
            if not isinstance(reasons, list):
                errors.append(f"{inst_id}.reasons: expected a list, got {reasons!r}")
            else:
                joined = "\n".join(str(r) for r in reasons)
                errors += [
                    f"{inst_id}.reasons: no {needle!r} in {reasons!r}"
                    for needle in map(str, expected["reasons_contain"])
                    if needle not in joined
                ]
    assert not errors, f"{case_path.name}:\n" + "\n".join(errors)
