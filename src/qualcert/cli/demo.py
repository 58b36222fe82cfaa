"""qualcert demo: the whole job on the bundled example."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from qualcert.bundled import bundled_root
from qualcert.cli._handle import user_errors
from qualcert.cli.score import Lang, write_outputs
from qualcert.pipeline import ScoreOptions, run_score
from qualcert.report.console import escape, out

DEMO_ISSUED = date(2023, 12, 5)  # the 2023 round's certification date, so the demo is reproducible


def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the demo's outputs.")] = Path(
        "qualcert-demo"
    ),
    lang: Annotated[Lang, typer.Option(help="Language of the table and workbook.")] = "ko",
) -> None:
    """Score the bundled 2023 certification example (160 applicants, 3 reviewers, 2 stages) end to end."""
    with user_errors():
        root = bundled_root()
        rubric = root / "rubrics" / "ssqc-2023.yaml"
        example = root / "examples" / "ssqc-2023"
        out.print(f"[bold]qualcert demo[/]: {escape(str(rubric))} with {escape(str(example))}")
        results = run_score(
            rubric,
            [example / "scores.csv"],
            roster_path=example / "roster.csv",
            options=ScoreOptions(issued=DEMO_ISSUED),
        )
        output.mkdir(parents=True, exist_ok=True)
        targets = {"xlsx": output / "results.xlsx", "json": output / "results.json", "csv": output / "results.csv"}
        write_outputs(
            results, xlsx=targets["xlsx"], json_path=targets["json"], csv_path=targets["csv"], lang=lang, inputs=[]
        )
    from qualcert.report.terminal import print_results

    print_results(results, lang=lang)
    out.print("wrote " + ", ".join(escape(str(p)) for p in targets.values()))
