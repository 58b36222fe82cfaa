"""The written outputs, opened again: workbook and CSV equal the JSON; input text never becomes a formula."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from qualcert.cli import app
from qualcert.ingest import Institution
from qualcert.report.atomic import atomic_outputs
from qualcert.report.csv_out import write_csv
from qualcert.report.json_out import render_json
from qualcert.report.workbook import write_workbook
from qualcert.results import Results
from qualcert.scoring.engine import score
from tests.scoring_helpers import rubric_from, table
from tests.test_scoring_engine import RUBRIC

R = rubric_from(RUBRIC)
EVIL = '=HYPERLINK("http://x","y")'


def results() -> Results:
    rows = []
    for inst, level in (("P1", "상"), ("P2", "하"), ("P3", "중")):
        for reviewer in ("R1", "R2", "R3"):
            for stage in ("document", "onsite"):
                rows += [(inst, reviewer, stage, "1.1.1", level), (inst, reviewer, stage, "2.1.1", level)]
            if inst != "P3":
                rows.append((inst, reviewer, "onsite", "1.1.2", "2"))
    rows[0] = ("P1", "R1", "document", "1.1.1", "하")  # a disagreement
    scores = table(R, rows)
    scores.loc[0, "comment"] = EVIL
    insts = {
        "P1": Institution("P1", "=1+1 센터", "a", {"years": "5"}),
        "P2": Institution("P2", "나 센터", "a", {"years": "5"}),
        "P3": Institution("P3", "다 센터", "a", {"years": "5"}),
    }
    return score(R, scores, issued=date(2023, 12, 5), institutions=insts)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_workbook_equals_the_json(tmp_path: Path, lang: str) -> None:
    res = results()
    path = tmp_path / "r.xlsx"
    write_workbook(res, path, lang=lang)
    book = openpyxl.load_workbook(path)
    names = {
        "ko": ["요약", "영역별", "지표별", "불일치", "적격성", "정보"],
        "en": ["Summary", "Domains", "Indicators", "Disagreements", "Eligibility", "Run"],
    }[lang]
    assert book.sheetnames == names
    doc = res.to_json_dict()
    summary = book[names[0]]
    header = [c.value for c in summary[6]]
    assert header[0] == ("기관코드" if lang == "ko" else "Institution")
    table_rows = {r[0]: r for r in summary.iter_rows(min_row=7, values_only=True)}
    for inst in doc["institutions"]:
        row = table_rows[inst["institution_id"]]
        assert row[3] == inst["total"]
        assert row[5] == inst["decision_label"][lang]
    assert summary.freeze_panes == "C7" and summary.auto_filter.ref
    assert summary.cell(7, 4).number_format == "0.00"
    domains = book[names[1]]
    first = next(i for i in doc["institutions"] if i["institution_id"] == "P1")
    got = [c.value for c in domains[3]]
    assert got[2:5] == [first["domains"][0]["score"], first["domains"][0]["max"], first["domains"][0]["percent"]]
    indicators = book[names[2]]
    scored = {(r[0], r[1]): r[10] for r in indicators.iter_rows(min_row=2, values_only=True)}
    for inst in doc["institutions"]:
        for ind in inst["indicators"]:
            assert scored[inst["institution_id"], ind["indicator_id"]] == ind["score"]
    disagreements = book[names[3]]
    flagged = list(disagreements.iter_rows(min_row=2, values_only=True))
    assert flagged and flagged[0][2] == "1.1.1" and EVIL in flagged[0][6]


def test_no_input_text_becomes_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_workbook(results(), path)
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert book["요약"]["B7"].value == "'=1+1 센터"  # text, with the apostrophe of the formula guard


def test_csv_has_a_bom_guards_formulas_and_equals_the_json(tmp_path: Path) -> None:
    res = results()
    path = tmp_path / "r.csv"
    write_csv(res, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["기관코드", "기관명", "서비스유형"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["P1"][1] == "'=1+1 센터"
    for inst in res.to_json_dict()["institutions"]:
        assert float(by_id[inst["institution_id"]][3]) == inst["total"]


def test_a_failing_write_leaves_no_file(tmp_path: Path) -> None:
    target, other = tmp_path / "r.xlsx", tmp_path / "r.json"
    other.write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_outputs() as stage:
        stage(other).write_text("new", encoding="utf-8")
        write_workbook(results(), stage(target))
        raise RuntimeError("disk full")
    assert not target.exists() and other.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def write_inputs(tmp_path: Path) -> list[str]:
    (tmp_path / "rubric.yaml").write_text(RUBRIC, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "institution_id,name,service_type,years\nP1,가,a,5\nP2,나,b,1\n", encoding="utf-8"
    )
    lines = ["institution_id,reviewer_id,stage,indicator_id,score,comment"]
    for inst in ("P1", "P2"):
        for reviewer in ("R1", "R2"):
            for stage in ("document", "onsite"):
                lines += [f"{inst},{reviewer},{stage},1.1.1,상,", f"{inst},{reviewer},{stage},2.1.1,중,"]
                if inst == "P2":
                    lines.append(f"{inst},{reviewer},{stage},2.1.2,상,")
            lines.append(f"{inst},{reviewer},onsite,1.1.2,1.5,")
    (tmp_path / "scores.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(tmp_path / n) for n in ("rubric.yaml", "scores.csv")] + ["--roster", str(tmp_path / "roster.csv")]


def test_score_json_follows_the_contract_and_equals_the_library(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        app,
        [
            "score",
            *args,
            "--issued",
            "2024-02-29",
            "--json",
            str(out),
            "-o",
            str(tmp_path / "r.xlsx"),
            "--csv",
            str(tmp_path / "r.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"rubric", "issued", "institutions", "problems"}
    assert set(doc["rubric"]) == {"id", "version", "sha256"} and doc["issued"] == "2024-02-29"
    p1, p2 = doc["institutions"]
    keys = {
        "institution_id",
        "name",
        "service_type",
        "total",
        "grade",
        "decision",
        "reasons",
        "valid_from",
        "valid_until",
        "domains",
        "indicators",
    }
    assert keys <= set(p1)
    assert set(p1["domains"][0]) >= {"domain_id", "score", "max", "percent"}
    assert set(p1["indicators"][0]) >= {"indicator_id", "score", "max", "applicable", "reviewers", "spread", "flagged"}
    # P1: 1.1.1 상 (4/4), 1.1.2 1.5 of 2, 2.1.1 중 (2/4); 2.1.2 applies to b only → 7.5 / 10
    assert (p1["total"], p1["decision"], p1["valid_until"]) == (75.0, "not_certified", None)
    assert p2["decision"] == "ineligible" and "years: 1 < 3 minimum" in p2["reasons"][0]
    stdout = CliRunner().invoke(app, ["score", *args, "--issued", "2024-02-29", "--json", "-"]).stdout
    same = json.loads(stdout)
    assert [i["total"] for i in same["institutions"]] == [75.0, p2["total"]]


def test_invalid_input_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    with open(tmp_path / "scores.csv", "a", encoding="utf-8") as handle:
        handle.write("P1,R9,document,1.1.1,최고,\n")
    result = CliRunner().invoke(
        app, ["score", *args, "--json", str(tmp_path / "o.json"), "-o", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 3
    assert "scores.csv:row 26" in result.stderr and "valid: 상, 중, 하" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.xlsx").exists()


def test_output_over_an_input_is_refused(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    before = (tmp_path / "scores.csv").read_bytes()
    result = CliRunner().invoke(app, ["score", *args, "--json", str(tmp_path / "scores.csv")])
    assert result.exit_code == 3 and "overwrite an input" in result.stderr
    assert (tmp_path / "scores.csv").read_bytes() == before


def test_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    args = write_inputs(tmp_path)
    assert CliRunner().invoke(app, ["score", *args, "--issued", "05/12/2023"]).exit_code == 2


def test_demo_runs_on_the_bundled_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "-o", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "demo" / "results.json").read_text(encoding="utf-8"))
    decisions = {i["decision"] for i in doc["institutions"]}
    assert {"certified", "not_certified", "ineligible", "incomplete"} <= decisions
    assert all(i["reasons"] for i in doc["institutions"])
    assert all(i["points_to_certify"] for i in doc["institutions"] if i["decision"] == "not_certified")
    assert (tmp_path / "demo" / "results.xlsx").exists() and (tmp_path / "demo" / "results.csv").exists()


def test_readme_starts_with_the_two_commands_and_they_exist() -> None:
    root = Path(__file__).resolve().parents[1]
    head = (root / "README.md").read_text(encoding="utf-8").splitlines()[:8]
    assert any(line.startswith("make demo") for line in head) and any(line.startswith("make test") for line in head)
    makefile = (root / "Makefile").read_text(encoding="utf-8")
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (root / ".ci" / "run").read_text(encoding="utf-8")


def test_json_text_is_the_document_with_one_line_per_institution() -> None:
    r = results()
    p1, _, p3 = r.institutions
    assert p1.indicators[3] is p3.indicators[3]  # 2.1.2 applies to neither: one shared result, its text made once
    text = render_json(r)
    doc = r.to_json_dict()
    assert json.loads(text) == json.loads(json.dumps(doc))
    lines = [line.removeprefix("    ").removesuffix(",") for line in text.splitlines()]
    assert all(json.dumps(inst, ensure_ascii=False) in lines for inst in doc["institutions"])
