"""The bundled rubrics and example data: valid, the promised shape, and consistent with each other."""

from __future__ import annotations

import codecs
import csv
import importlib.util
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from qualcert.cli import app
from qualcert.pipeline import ScoreOptions, run_score
from qualcert.rubric import LevelsScale, PointsScale, Rubric, load_rubric

ROOT = Path(__file__).resolve().parents[1]
RUBRICS = ROOT / "rubrics"
EXAMPLES = ROOT / "examples"
RUBRIC_FILES = sorted(RUBRICS.glob("*.yaml"))
EXAMPLE_DIRS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and (p / "scores.csv").exists())
CONTRACT = ["institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment"]
NA = "해당없음"


def rubric(rubric_id: str) -> Rubric:
    return load_rubric(RUBRICS / f"{rubric_id}.yaml")


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), f"{path.name} must be UTF-8 with BOM"
    reader = csv.reader(raw.decode("utf-8-sig").splitlines())
    header = next(reader)
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qualcert_examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- rubrics ------------------------------------------------------------------------------------------


def test_the_three_rubrics_are_bundled() -> None:
    assert {p.stem for p in RUBRIC_FILES} >= {"ssqc-2023", "swf-eval-2023", "ssqe-2025"}


@pytest.mark.parametrize("path", RUBRIC_FILES, ids=lambda p: p.stem)
def test_every_bundled_rubric_loads_with_its_file_name_as_id_and_100_points(path: Path) -> None:
    r = load_rubric(path)
    assert r.id == path.stem
    assert r.counts()["points"] == 100
    assert path.read_text(encoding="utf-8").startswith("#"), "a header comment says what is sourced"


def test_validate_accepts_every_bundled_rubric() -> None:
    result = CliRunner().invoke(app, ["validate", *map(str, RUBRIC_FILES)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(RUBRIC_FILES)


def test_ssqc_2023_has_5_domains_12_items_32_indicators_and_100_points() -> None:
    r = rubric("ssqc-2023")
    assert r.counts() == {"domains": 5, "items": 12, "indicators": 32, "points": Decimal(100)}
    assert [d.id for d in r.domains] == ["1", "2", "3", "4", "5"]
    assert all(ind.id.startswith(item.id + ".") for _, item, ind in r.walk())
    assert r.service_types == ["maternal-newborn", "child-psych", "child-vision", "dev-rehab"]
    assert r.stage_combine == "onsite" and set(r.stage_weights) == {"document", "onsite"}
    scale = r.scales["meet3"]
    assert isinstance(scale, LevelsScale) and scale.levels == {
        "충족": Decimal("1.0"),
        "부분충족": Decimal("0.5"),
        "미충족": Decimal("0.0"),
    }
    indicators = list(r.indicators.values())
    assert 6 <= sum(ind.floor == 1 for ind in indicators) <= 10  # about 8 필수 indicators
    assert sum(ind.applies_to is not None for ind in indicators) >= 2
    assert sum(ind.allow_na for ind in indicators) >= 2
    assert {tuple(r.stages_of(ind)) for ind in indicators} == {("document", "onsite"), ("document",), ("onsite",)}
    d = r.decision
    assert (d.total_min, d.domain_min) == (80, 60)
    assert [(e.field, e.min, e.max) for e in d.eligibility] == [
        ("years_in_operation", 3, None),
        ("sanctions_3y", None, 0),
        ("prior_quality_score", 80, None),
    ]
    assert r.aggregate == "mean" and r.disagreement.max_spread == Decimal("0.5")
    assert r.validity is not None and r.validity.years == 3 and r.precision == 2


def test_swf_eval_2023_is_graded_on_site_with_the_sourced_area_weights() -> None:
    r = rubric("swf-eval-2023")
    assert [sum(i.points for item in d.items for i in item.indicators) for d in r.domains] == [5, 35, 45, 10, 5]
    assert not r.has_pass_rule
    assert [(b.grade, b.min) for b in r.decision.grades] == [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0)]
    assert dict(r.stage_weights) == {"onsite": 1}
    assert all(r.stages_of(ind) == ["onsite"] for ind in r.indicators.values())
    assert any(ind.allow_na for ind in r.indicators.values())


def test_ssqe_2025_has_25_indicators_on_site_75_and_satisfaction_25() -> None:
    r = rubric("ssqe-2025")
    c = r.counts()
    assert (c["domains"], c["indicators"], c["points"]) == (5, 25, 100)
    per_domain = {d.id: sum(i.points for item in d.items for i in item.indicators) for d in r.domains}
    assert per_domain["4"] == 25 and sum(per_domain.values()) - per_domain["4"] == 75
    assert any(isinstance(s, PointsScale) and s.step == Decimal("0.5") for s in r.scales.values())
    assert not r.has_pass_rule and [b.grade for b in r.decision.grades] == ["A", "B", "C", "D", "F"]
    assert r.validity is not None and r.validity.years == 3


# -- example data -------------------------------------------------------------------------------------


def test_the_examples_are_the_two_rubrics_and_small() -> None:
    assert [p.name for p in EXAMPLE_DIRS] == ["ssqc-2023", "swf-eval-2023"]
    size = sum(f.stat().st_size for f in EXAMPLES.rglob("*") if f.is_file())
    assert size < 2_000_000


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_example_data_follows_the_contract_and_its_rubric(folder: Path) -> None:
    r = load_rubric(RUBRICS / f"{folder.name}.yaml")
    roster_header, roster = read_csv(folder / "roster.csv")
    assert roster_header[:3] == ["institution_id", "name", "service_type"]
    assert {e.field for e in r.decision.eligibility} <= set(roster_header)
    institutions = {row["institution_id"]: row for row in roster}
    assert len(institutions) == len(roster), "institution ids are unique"
    assert all(row["name"] and row["service_type"] in r.service_types for row in roster)

    header, scores = read_csv(folder / "scores.csv")
    assert header == CONTRACT
    problems: list[str] = []
    seen: Counter[tuple[str, str, str, str]] = Counter()
    for n, row in enumerate(scores, start=2):
        inst, ind = institutions.get(row["institution_id"]), r.indicators.get(row["indicator_id"])
        if inst is None or ind is None:
            problems.append(f"line {n}: unknown institution or indicator {row}")
            continue
        scale = r.scale_of(ind)
        assert isinstance(scale, LevelsScale)
        if row["stage"] not in r.stages_of(ind):
            problems.append(f"line {n}: indicator {ind.id} has no stage {row['stage']}")
        if not r.applies(ind, inst["service_type"]):
            problems.append(f"line {n}: indicator {ind.id} does not apply to {inst['service_type']}")
        if row["score"] not in scale.levels and not (row["score"] == NA and ind.allow_na):
            problems.append(f"line {n}: {row['score']!r} is not valid for {ind.id}")
        seen[row["institution_id"], row["reviewer_id"], row["stage"], row["indicator_id"]] += 1
    assert not problems, problems[:10]
    assert max(seen.values()) == 1, "one score per reviewer and cell"
    assert {key[0] for key in seen} == set(institutions), "every institution has scores"


def test_ssqc_example_has_3_reviewers_per_stage_from_a_pool_and_the_promised_mess() -> None:
    _, roster = read_csv(EXAMPLES / "ssqc-2023" / "roster.csv")
    _, scores = read_csv(EXAMPLES / "ssqc-2023" / "scores.csv")
    assert 150 <= len(roster) <= 170
    assert len({row["service_type"] for row in roster}) == 4
    panels: dict[tuple[str, str], set[str]] = {}
    for row in scores:
        panels.setdefault((row["institution_id"], row["stage"]), set()).add(row["reviewer_id"])
    assert {len(p) for p in panels.values()} == {3}
    pool = set().union(*panels.values())
    assert 20 <= len(pool) <= 30 and all(re.fullmatch(r"R\d\d", r) for r in pool)
    assert 1 <= sum(row["prior_quality_score"] == "" for row in roster) <= 3
    assert any(re.search("[가-힣]", row["comment"]) for row in scores)
    assert any(row["score"] == NA for row in scores)


def test_ssqc_example_certifies_15_to_30_percent_with_every_outcome() -> None:
    results = run_score(
        RUBRICS / "ssqc-2023.yaml",
        [EXAMPLES / "ssqc-2023" / "scores.csv"],
        roster_path=EXAMPLES / "ssqc-2023" / "roster.csv",
        options=ScoreOptions(issued=date(2023, 12, 5)),
    )
    decisions = Counter(inst.decision for inst in results.institutions)
    n = len(results.institutions)
    assert 0.15 * n <= decisions["certified"] <= 0.30 * n
    assert 0.03 * n <= decisions["ineligible"] <= 0.08 * n  # about 5% fail eligibility
    assert decisions["incomplete"] >= 2 and decisions["not_certified"] > 0
    assert any(ind.flagged for inst in results.institutions for ind in inst.indicators)
    assert all(inst.valid_until == date(2026, 12, 4) for inst in results.institutions if inst.decision == "certified")


def test_swf_example_is_graded_on_site_by_2_evaluators() -> None:
    _, scores = read_csv(EXAMPLES / "swf-eval-2023" / "scores.csv")
    assert {row["stage"] for row in scores} == {"onsite"}
    panels: dict[str, set[str]] = {}
    for row in scores:
        panels.setdefault(row["institution_id"], set()).add(row["reviewer_id"])
    assert {len(p) for p in panels.values()} == {2}
    results = run_score(
        RUBRICS / "swf-eval-2023.yaml",
        [EXAMPLES / "swf-eval-2023" / "scores.csv"],
        roster_path=EXAMPLES / "swf-eval-2023" / "roster.csv",
        options=ScoreOptions(issued=date(2023, 12, 5)),
    )
    assert {inst.decision for inst in results.institutions} == {"graded"}
    grades = Counter(inst.grade for inst in results.institutions)
    assert grades["A"] > len(results.institutions) / 2 and grades["F"] >= 1


def test_the_generator_reproduces_the_committed_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generator().main(["--out", str(tmp_path)])
    assert "certified" in capsys.readouterr().out
    for folder in EXAMPLE_DIRS:
        for name in ("roster.csv", "scores.csv"):
            assert (tmp_path / folder.name / name).read_bytes() == (folder / name).read_bytes(), (
                f"{folder.name}/{name} differs from what examples/generate.py writes; run it again"
            )
