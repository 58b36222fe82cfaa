"""Writes the bundled demo data: seeded, synthetic evaluation rounds.

    .venv/bin/python examples/generate.py [--out DIR]   (default: the examples folder itself)

examples/ssqc-2023/roster.csv       160 applicants of the four voucher services (invented names)
examples/ssqc-2023/scores.csv       3 reviewers per applicant and stage, long format (DESIGN.md contract)
examples/swf-eval-2023/roster.csv   40 welfare facilities of three types
examples/swf-eval-2023/scores.csv   2 on-site evaluators per facility

Everything here is synthetic. Each institution has a latent quality, each
indicator a difficulty and each reviewer a severity (a few are systematically
harsh or lenient). Documents look a little better on paper than the site does.
A few applicants fail eligibility, two have no prior quality score, three miss
every on-site score of one on-site-only indicator, some reviewers disagree
completely (충족 vs 미충족) and some indicators are 해당없음, so that every
outcome and flag of the engine appears in the demo.

The script checks the decision rules itself (a small re-implementation, not the
engine) to tune the distribution, and prints what it achieved. Only the
standard library and numpy are used; the rubric is read with qualcert's own
loader, so the data always follows the rubric files. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from qualcert import Rubric, load_rubric

HERE = Path(__file__).resolve().parent
RUBRICS = HERE.parent / "rubrics"
SEED = 20231205
HEADER = ["institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment"]
NA = "해당없음"

REGIONS = ["서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남", "전북"]
REGIONS += ["전남", "경북", "경남", "제주"]
REGION_WEIGHTS = [19, 6, 5, 6, 3, 3, 2, 1, 26, 3, 3, 4, 3, 3, 5, 6, 2]  # roughly by population
# fmt: off
PREFIXES = [  # invented institution names
    "해오름", "새봄", "늘푸른", "한빛", "다솜", "온누리", "푸른숲", "별빛", "미래", "누리",
    "하늘", "큰나무", "희망", "동행", "두리", "소망", "꿈틀", "가온", "아라", "바른",
    "새솔", "단비", "라온", "마중물", "햇살", "은하수", "나래", "한울", "맑은샘", "도담",
    "새싹", "이음", "참빛", "다온", "우리", "예담", "봄날", "초록", "무지개", "열매",
]
# fmt: on

COMMENTS = {
    "충족": ["기준을 충족함", "관련 문서와 기록이 잘 정비됨", "현장 확인 결과 양호", "우수 사례로 공유할 만함"],
    "부분충족": ["일부 기록 누락", "절차는 있으나, 이행 근거 부족", "개선 필요 사항 있음", "최근 6개월 기록만 확인됨"],
    "미충족": ["관련 규정 없음", "이행 근거 확인 불가", '"점검표" 미작성, 즉시 개선 필요', "담당자 면담 결과 미이행"],
    "A": ["우수", "지표 기준을 모두 충족"],
    "B": ["대체로 양호, 일부 보완 필요"],
    "C": ["기록 관리 미흡", "실적이 기준에 미달"],
    "D": ["근거 자료 없음", "미실시"],
    NA: ["해당 사항 없음", "운영하지 않음"],
}
DISAGREE = ["심사위원 간 판단 상이, 합의 필요", "현장 확인 결과 서면과 다름"]


def pick(rng: np.random.Generator, seq: Sequence[str]) -> str:
    return seq[int(rng.integers(len(seq)))]


def comment_for(rng: np.random.Generator, label: str, rate: float = 0.12) -> str:
    return pick(rng, COMMENTS[label]) if label in COMMENTS and rng.random() < rate else ""


def level(value: float, labels: Sequence[str], cuts: Sequence[float]) -> str:
    """The label for a latent value: labels best first, cuts descending (one fewer than labels)."""
    for label, cut in zip(labels, cuts, strict=False):
        if value > cut:
            return label
    return labels[-1]


def round_half_up(x: Fraction, places: int = 2) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def unique_names(rng: np.random.Generator, n: int, suffixes: Sequence[str], taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = f"{pick(rng, PREFIXES)} {pick(rng, suffixes)}"
        if name in taken:
            name = f"{name} {pick(rng, REGIONS)}점"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


# -- a small re-implementation of the decision rules, to tune the data ------------------------------------


def evaluate(rubric: Rubric, inst: dict[str, str], rows: list[list[object]]) -> tuple[str, Fraction | None]:
    """(decision, total percent) by DESIGN.md's rules: ineligible > incomplete > certified / not_certified."""
    for rule in rubric.decision.eligibility:
        raw = inst.get(rule.field, "")
        if raw != "" and (
            (rule.min is not None and Decimal(raw) < rule.min) or (rule.max is not None and Decimal(raw) > rule.max)
        ):
            return "ineligible", None
    blank = any(inst.get(rule.field, "") == "" for rule in rubric.decision.eligibility)
    cells: dict[tuple[str, str], list[object]] = {}
    for _, _, stage, ind_id, score, _ in rows:
        cells.setdefault((str(ind_id), str(stage)), []).append(score)
    score_by_domain: dict[str, Fraction] = {}
    max_by_domain: dict[str, Fraction] = {}
    floors_ok, missing = True, False
    for domain, _, ind in rubric.walk():
        if not rubric.applies(ind, inst["service_type"]):
            continue
        levels = rubric.scale_of(ind).levels  # type: ignore[union-attr]  # both bundled examples use levels
        fractions = {}
        marks = 0
        for stage in rubric.stages_of(ind):
            given = cells.get((ind.id, stage), [])
            numbers = [Fraction(levels[s]) for s in given if s != NA]
            marks += len(given) - len(numbers)
            if numbers:
                fractions[stage] = sum(numbers, Fraction(0)) / len(numbers)
        if not fractions:
            if marks:
                continue  # every reviewer wrote N/A: excluded
            missing = True
            fraction = Fraction(0)
        elif rubric.stage_combine == "onsite" and "onsite" in fractions:
            fraction = fractions["onsite"]
        else:
            weights = {s: Fraction(rubric.stage_weights[s]) for s in fractions}
            fraction = sum((weights[s] * f for s, f in fractions.items()), Fraction(0)) / sum(weights.values())
        points = Fraction(ind.points)
        score_by_domain[domain.id] = score_by_domain.get(domain.id, Fraction(0)) + fraction * points
        max_by_domain[domain.id] = max_by_domain.get(domain.id, Fraction(0)) + points
        if ind.floor is not None and round_half_up(fraction * points) < Decimal(ind.floor) * ind.points:
            floors_ok = False
    total = sum(score_by_domain.values(), Fraction(0)) / sum(max_by_domain.values()) * 100
    if missing or blank:
        return "incomplete", total
    if not rubric.has_pass_rule:
        return "graded", total
    passed = floors_ok and (rubric.decision.total_min is None or round_half_up(total) >= rubric.decision.total_min)
    for domain in rubric.domains:
        minimum = rubric.domain_minimum(domain)
        if minimum is not None and domain.id in max_by_domain:
            passed &= round_half_up(score_by_domain[domain.id] / max_by_domain[domain.id] * 100) >= minimum
    return ("certified" if passed else "not_certified"), total


def grade_of(rubric: Rubric, total: Fraction) -> str:
    return next(band.grade for band in rubric.decision.grades if round_half_up(total) >= band.min)


# -- ssqc-2023: the 2023 certification round ------------------------------------------------------------

SSQC_TYPES = {  # service type: (name suffixes, applicants)
    "maternal-newborn": (["산모돌봄", "산후케어센터", "맘케어", "산모신생아센터"], 44),
    "child-psych": (["아동심리상담센터", "심리발달센터", "마음상담소"], 40),
    "child-vision": (["청소년비전센터", "진로코칭센터", "꿈키움센터"], 30),
    "dev-rehab": (["발달센터", "아동발달센터", "언어놀이치료센터", "감각통합센터"], 46),
}
SEVERITY = {"R04": -0.45, "R11": -0.35, "R17": 0.35, "R22": 0.45}  # two harsh, two lenient reviewers
MEET3 = (["충족", "부분충족", "미충족"], [0.35, -0.75])


def ssqc_roster(rng: np.random.Generator) -> list[dict[str, str]]:
    roster: list[dict[str, str]] = []
    taken: set[str] = set()
    for service, (suffixes, count) in SSQC_TYPES.items():
        for name in unique_names(rng, count, suffixes, taken):
            years = 3 + int(rng.gamma(2.0, 2.5))
            prior = float(np.clip(rng.normal(89.0, 4.5), 80.0, 99.5))
            roster.append(
                {
                    "institution_id": f"P{len(roster) + 1:03d}",
                    "name": name,
                    "service_type": service,
                    "years_in_operation": str(min(years, 25)),
                    "sanctions_3y": "0",
                    "prior_quality_score": f"{prior:.1f}",
                    "region": REGIONS[int(rng.choice(len(REGIONS), p=np.array(REGION_WEIGHTS) / sum(REGION_WEIGHTS)))],
                }
            )
    chosen = [int(i) for i in rng.permutation(len(roster))]
    failures = [
        ("years_in_operation", "2"),
        ("years_in_operation", "2"),
        ("years_in_operation", "1"),
        ("sanctions_3y", "1"),
        ("sanctions_3y", "1"),
        ("sanctions_3y", "2"),
        ("prior_quality_score", "76.5"),
        ("prior_quality_score", "78.0"),
    ]  # 8 of 160 = 5% fail eligibility
    for i, (field, value) in zip(chosen, failures, strict=False):
        roster[i][field] = value
    for i in chosen[len(failures) : len(failures) + 2]:  # non-voucher providers: no 품질평가 score
        roster[i]["prior_quality_score"] = ""
    return roster


def ssqc_scores(
    rng: np.random.Generator, rubric: Rubric, roster: list[dict[str, str]]
) -> dict[str, list[list[object]]]:
    reviewers = [f"R{n:02d}" for n in range(1, 25)]
    severity = {r: SEVERITY.get(r, float(rng.normal(0, 0.1))) for r in reviewers}
    # 필수 (floor) indicators are basic compliance: easier to meet than the others
    difficulty = {i.id: float(rng.normal(0, 0.3)) - (0.55 if i.floor else 0.0) for i in rubric.indicators.values()}
    onsite_only = [ind.id for ind in rubric.indicators.values() if rubric.stages_of(ind) == ["onsite"]]
    eligible_complete = [
        i
        for i, inst in enumerate(roster)
        if inst["prior_quality_score"]
        and float(inst["prior_quality_score"]) >= 80
        and int(inst["years_in_operation"]) >= 3
        and inst["sanctions_3y"] == "0"
    ]
    incomplete = {roster[int(i)]["institution_id"] for i in rng.choice(eligible_complete, 3, replace=False)}
    rows_by_inst: dict[str, list[list[object]]] = {}
    disagreements = 0
    for inst in roster:
        iid = inst["institution_id"]
        quality = float(rng.normal(0.45, 0.6))
        panel = [str(r) for r in rng.choice(reviewers, 6, replace=False)]
        panels = {"document": sorted(panel[:3]), "onsite": sorted(panel[3:])}
        skip = pick(rng, onsite_only) if iid in incomplete else None
        rows: list[list[object]] = []
        for ind in rubric.indicators.values():
            if not rubric.applies(ind, inst["service_type"]):
                continue
            truth = quality - difficulty[ind.id] + float(rng.normal(0, 0.55))
            not_applicable = ind.allow_na and rng.random() < 0.12
            for stage in rubric.stages_of(ind):
                if ind.id == skip and stage == "onsite":
                    continue  # the on-site sheet came back without this indicator: incomplete
                seen = truth + (0.3 if stage == "document" else 0.0) + float(rng.normal(0, 0.25))
                labels = []
                for reviewer in panels[stage]:
                    if not_applicable:
                        labels.append(NA)
                    else:
                        labels.append(level(seen + severity[reviewer] + float(rng.normal(0, 0.3)), *MEET3))
                comments = [comment_for(rng, label) for label in labels]
                if not not_applicable and rng.random() < 0.006:  # a reviewer sees it completely differently
                    labels[0], labels[1] = "충족", "미충족"
                    comments[0] = pick(rng, DISAGREE)
                if ind.allow_na and not not_applicable and rng.random() < 0.02:  # one reviewer thinks it N/A
                    labels[2], comments[2] = NA, "해당 없음으로 판단"
                if "충족" in labels and "미충족" in labels:
                    disagreements += 1
                for reviewer, label, comment in zip(panels[stage], labels, comments, strict=True):
                    rows.append([iid, reviewer, stage, ind.id, label, comment])
        rows_by_inst[iid] = rows
    print(f"  reviewer disagreements with spread 1.0 (충족 vs 미충족): {disagreements} cells")
    return rows_by_inst


def make_ssqc(root: Path) -> None:
    rng = np.random.default_rng(SEED)
    rubric = load_rubric(RUBRICS / "ssqc-2023.yaml")
    roster = ssqc_roster(rng)
    print(f"ssqc-2023: {len(roster)} applicants")
    rows_by_inst = ssqc_scores(rng, rubric, roster)
    judged = [evaluate(rubric, inst, rows_by_inst[inst["institution_id"]]) for inst in roster]
    outcomes = Counter(decision for decision, _ in judged)
    totals = sorted(float(total) for _, total in judged if total is not None)
    rows = [row for inst in roster for row in rows_by_inst[inst["institution_id"]]]
    out = root / "ssqc-2023"
    write_csv(out / "roster.csv", list(roster[0]), [list(inst.values()) for inst in roster])
    write_csv(out / "scores.csv", HEADER, rows)
    n = len(roster)
    print(f"  {len(rows)} score rows; " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"  total %: min {totals[0]:.1f}, median {totals[len(totals) // 2]:.1f}, max {totals[-1]:.1f}")
    print(f"  certified {outcomes['certified']}/{n} = {outcomes['certified'] / n:.1%} → {out}")


# -- swf-eval-2023: a facility-evaluation cycle (graded A–F) ----------------------------------------------

SWF_TYPES = {
    "disability-welfare-center": (["장애인복지관", "장애인종합복지관"], 16),
    "homeless-facility": (["노숙인자활시설", "노숙인재활시설", "노숙인종합지원센터"], 10),
    "mental-health-facility": (["정신재활시설", "정신요양시설", "정신건강쉼터"], 14),
}
SWF_CUTS = {"level4": [0.55, -0.45, -1.3], "yesno": [-1.2]}


def make_swf(root: Path) -> None:
    rng = np.random.default_rng(SEED + 1)
    rubric = load_rubric(RUBRICS / "swf-eval-2023.yaml")
    evaluators = [f"E{n:02d}" for n in range(1, 11)]
    severity = {e: float(rng.normal(0, 0.15)) for e in evaluators}
    difficulty = {ind.id: float(rng.normal(-0.5, 0.35)) for ind in rubric.indicators.values()}
    roster: list[dict[str, str]] = []
    taken: set[str] = set()
    for service, (suffixes, count) in SWF_TYPES.items():
        for name in unique_names(rng, count, suffixes, taken):
            roster.append(
                {
                    "institution_id": f"F{len(roster) + 1:03d}",
                    "name": name,
                    "service_type": service,
                    "years_installed": str(3 + int(rng.gamma(2.0, 4.0))),
                    "region": pick(rng, REGIONS),
                }
            )
    rows: list[list[object]] = []
    grades: Counter[str] = Counter()
    for inst in roster:
        quality = float(rng.normal(0.35, 0.8)) - (1.5 if rng.random() < 0.05 else 0.0)  # a few struggling facilities
        panel = sorted(str(e) for e in rng.choice(evaluators, 2, replace=False))
        first_cycle = int(inst["years_installed"]) < 6  # no previous evaluation to follow up
        mine: list[list[object]] = []
        for ind in rubric.indicators.values():
            scale = rubric.scale_of(ind)
            labels_best_first = sorted(scale.levels, key=lambda k: -scale.levels[k])  # type: ignore[union-attr]
            truth = quality - difficulty[ind.id] + float(rng.normal(0, 0.5))
            na = ind.allow_na and ((ind.id == "5.1.2" and first_cycle) or (ind.id != "5.1.2" and rng.random() < 0.15))
            for evaluator in panel:
                if na:
                    label = NA
                else:
                    label = level(
                        truth + severity[evaluator] + float(rng.normal(0, 0.3)), labels_best_first, SWF_CUTS[ind.scale]
                    )
                mine.append([inst["institution_id"], evaluator, "onsite", ind.id, label, comment_for(rng, label, 0.1)])
        rows += mine
        _, total = evaluate(rubric, inst, mine)
        assert total is not None
        grades[grade_of(rubric, total)] += 1
    out = root / "swf-eval-2023"
    write_csv(out / "roster.csv", list(roster[0]), [list(inst.values()) for inst in roster])
    write_csv(out / "scores.csv", HEADER, rows)
    dist = " ".join(f"{g} {grades[g]}" for g in (b.grade for b in rubric.decision.grades))
    print(f"swf-eval-2023: {len(roster)} facilities, {len(rows)} score rows; grades {dist} → {out}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the bundled demo data (seeded, deterministic).")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: %(default)s)")
    args = parser.parse_args(argv)
    make_ssqc(args.out)
    make_swf(args.out)


if __name__ == "__main__":
    main()
