"""Writes the bundled demo data: a seeded, synthetic 2023 certification round.

    python examples/generate.py

examples/ssqc-2023/roster.csv  ~160 applicants of the four voucher services (invented names)
examples/ssqc-2023/scores.csv  3 reviewers per applicant and stage, long format (DESIGN.md contract)

Everything here is synthetic. Each applicant has a latent quality; reviewers
differ in severity; a few applicants fail eligibility, a few have an on-site
score missing, and a few reviewers disagree strongly, so that every outcome
and flag of the engine appears in the demo. Only the standard library is used,
so the data is reproducible anywhere.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
RUBRIC = HERE.parent / "rubrics" / "ssqc-2023.yaml"
OUT = HERE / "ssqc-2023"
SEED = 20231205
TYPES = {
    "maternal-newborn": ("산모돌봄", 44),
    "child-psych": ("아동심리센터", 40),
    "child-vision": ("비전형성센터", 30),
    "dev-rehab": ("발달센터", 46),
}
PLACES = [
    "해오름",
    "새봄",
    "늘푸른",
    "한빛",
    "다솜",
    "온누리",
    "푸른숲",
    "별빛",
    "미래",
    "누리",
    "하늘",
    "큰나무",
    "희망",
    "동행",
    "두리",
    "소망",
    "꿈틀",
    "가온",
    "아라",
    "바른",
]
REGIONS = [
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "경기",
    "강원",
    "충북",
    "충남",
    "전북",
    "전남",
    "경북",
    "경남",
    "제주",
]
COMMENTS = {
    "충족": ["기준을 충족함", "관련 문서와 기록이 잘 정비됨", "현장 확인 결과 양호"],
    "부분충족": ["일부 기록 누락", "절차는 있으나 이행 근거 부족", "개선 필요 사항 있음"],
    "미충족": ["관련 규정 없음", "이행 근거를 확인할 수 없음", "즉시 개선 필요"],
}


def main() -> None:
    rnd = random.Random(SEED)
    rubric = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    indicators = [ind for d in rubric["domains"] for it in d["items"] for ind in it["indicators"]]
    reviewers = [f"R{n:02d}" for n in range(1, 25)]
    severity = {r: rnd.gauss(0, 0.12) for r in reviewers}
    severity["R07"], severity["R19"] = -0.35, 0.3  # one harsh, one lenient reviewer

    institutions = []
    n = 0
    for service, (suffix, count) in TYPES.items():
        for _ in range(count):
            n += 1
            institutions.append(
                {
                    "institution_id": f"P{n:03d}",
                    "name": f"{rnd.choice(PLACES)} {suffix} {rnd.choice(REGIONS)}점",
                    "service_type": service,
                    "years_in_operation": rnd.choice([3, 4, 5, 6, 8, 10, 12]),
                    "sanctions_3y": 0,
                    "prior_quality_score": rnd.choice([82, 85, 88, 90, 92, 95]),
                    "region": rnd.choice(REGIONS),
                }
            )
    for inst in rnd.sample(institutions, 8):  # about 5% fail eligibility
        field = rnd.choice(["years_in_operation", "sanctions_3y", "prior_quality_score"])
        inst[field] = {"years_in_operation": 2, "sanctions_3y": 1, "prior_quality_score": 76}[field]
    rows = []
    missing = {inst["institution_id"] for inst in rnd.sample(institutions, 3)}
    for inst in institutions:
        quality = min(0.99, max(0.3, rnd.betavariate(7, 2.2)))
        panels = {stage: rnd.sample(reviewers, 3) for stage in ("document", "onsite")}
        skipped = False
        for ind in indicators:
            if ind.get("applies_to") and inst["service_type"] not in ind["applies_to"]:
                continue
            stages = ind.get("stages") or ["document", "onsite"]
            base = quality + rnd.gauss(0, 0.12) + (0.18 if ind.get("floor") else 0)
            not_applicable = ind.get("allow_na") and rnd.random() < 0.15
            for stage in stages:
                if inst["institution_id"] in missing and stage == "onsite" and not skipped and len(stages) == 1:
                    skipped = True  # an on-site-only indicator never scored: the applicant is incomplete
                    continue
                for reviewer in panels[stage]:
                    if not_applicable:
                        score = "해당없음"
                    else:
                        x = base + severity[reviewer] + rnd.gauss(0, 0.1)
                        score = "충족" if x > 0.72 else "부분충족" if x > 0.42 else "미충족"
                    comment = rnd.choice(COMMENTS[score]) if score in COMMENTS and rnd.random() < 0.3 else ""
                    rows.append([inst["institution_id"], reviewer, stage, ind["id"], score, comment])
        inst["prior_quality_score"] = inst["prior_quality_score"] if rnd.random() > 0.02 else ""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "roster.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(institutions[0]))
        writer.writeheader()
        writer.writerows(institutions)
    with open(OUT / "scores.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment"])
        writer.writerows(rows)
    print(f"{len(institutions)} institutions, {len(rows)} score rows → {OUT}")


if __name__ == "__main__":
    main()
