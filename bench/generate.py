"""National-scale benchmark data (seeded): filled template workbooks and one long CSV.

    python bench/generate.py [--institutions 2000] [--csv-institutions 6200]

bench/data/templates/  institutions × 3 reviewers × 2 stages workbooks made by qualcert's own
                       template writer, with scores filled in (12,000 files at the default)
bench/data/roster.csv, bench/data/scores.csv  (~1,000,000 rows at the default)
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RUBRIC = ROOT / "rubrics" / "ssqc-2023.yaml"
TYPES = ["maternal-newborn", "child-psych", "child-vision", "dev-rehab"]
LABELS = ["충족", "부분충족", "미충족"]


def roster(n: int, rnd: random.Random) -> list[dict[str, str]]:
    return [
        {
            "institution_id": f"N{i:05d}",
            "name": f"기관 {i}",
            "service_type": TYPES[i % 4],
            "years_in_operation": str(rnd.choice([2, 4, 6, 9])),
            "sanctions_3y": "0",
            "prior_quality_score": str(rnd.choice([78, 85, 92])),
        }
        for i in range(1, n + 1)
    ]


def write_roster(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from qualcert.ingest import Institution
    from qualcert.report.template_out import Sheet, write_template
    from qualcert.rubric import load_rubric

    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=2000)
    parser.add_argument("--csv-institutions", type=int, default=6200)
    args = parser.parse_args()
    rubric = load_rubric(RUBRIC)
    rnd = random.Random(9)
    sheets = random.Random(10)  # the templates' own stream: the CSV's size does not change them
    DATA.mkdir(parents=True, exist_ok=True)

    people = roster(args.csv_institutions, rnd)
    write_roster(people, DATA / "roster-csv.csv")
    start = time.perf_counter()
    with (DATA / "scores.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment"])
        for inst in people:
            for stage in ("document", "onsite"):
                for reviewer in ("R1", "R2", "R3"):
                    for ind in rubric.indicators.values():
                        if stage in rubric.stages_of(ind) and rubric.applies(ind, inst["service_type"]):
                            writer.writerow(
                                [inst["institution_id"], reviewer, stage, ind.id, rnd.choices(LABELS, (6, 3, 1))[0], ""]
                            )
    print(f"scores.csv written in {time.perf_counter() - start:.1f}s")

    people = people[: args.institutions]
    write_roster(people, DATA / "roster.csv")
    folder = DATA / "templates"
    folder.mkdir(exist_ok=True)
    start = time.perf_counter()
    for n, inst in enumerate(people):
        info = Institution(inst["institution_id"], inst["name"], inst["service_type"])
        for stage in ("document", "onsite"):
            for reviewer in ("R1", "R2", "R3"):
                path = folder / f"{stage}_{info.institution_id}_{reviewer}.xlsx"
                if path.exists():
                    continue
                scores = {ind.id: sheets.choices(LABELS, (6, 3, 1))[0] for ind in rubric.indicators.values()}
                write_template(
                    path, rubric, [Sheet(info.institution_id, info.name, info.service_type, reviewer, stage, scores)]
                )  # type: ignore[arg-type]
        if n % 200 == 199:
            print(f"{n + 1} institutions' templates, {time.perf_counter() - start:.0f}s", flush=True)
    print(f"templates in {folder}")


if __name__ == "__main__":
    main()
