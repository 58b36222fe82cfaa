"""qualcert template RUBRIC --roster R --reviewers A,B,C --stage document|onsite -o DIR"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import typer

from qualcert.cli._handle import user_errors
from qualcert.errors import Location, OutputError, Problem
from qualcert.pipeline import load_inputs, plan_templates
from qualcert.report.console import escape, out, progress


def template(
    rubric: Annotated[Path, typer.Argument(help="Rubric YAML file.", show_default=False)],
    roster: Annotated[Path, typer.Option(help="Roster of institutions (CSV or xlsx).", show_default=False)],
    reviewers: Annotated[str, typer.Option(help="Reviewer ids, comma-separated: R01,R02,R03.", show_default=False)],
    stage: Annotated[Literal["document", "onsite"], typer.Option(help="The stage these sheets are for.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the workbooks.", show_default=False)],
    per_reviewer: Annotated[bool, typer.Option(help="One workbook per reviewer, a sheet per institution.")] = False,
    force: Annotated[bool, typer.Option(help="Replace workbooks that already exist.")] = False,
) -> None:
    """Write reviewer score sheets with drop-downs: one per reviewer × institution × stage."""
    ids = [r.strip() for r in reviewers.split(",") if r.strip()]
    if not ids:
        raise typer.BadParameter("give at least one reviewer id", param_hint="--reviewers")
    with user_errors():
        loaded, people = load_inputs(rubric, roster)
        assert people is not None
        jobs = plan_templates(loaded, people, ids, stage, output, per_reviewer=per_reviewer)
        existing = [job.path for job in jobs if job.path.exists()]
        if existing and not force:
            raise OutputError(
                [
                    Problem("exists", "already exists (use --force to replace)", Location(file=str(p)))
                    for p in existing[:20]
                ]
            )
        from qualcert.report.template_out import write_template

        output.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=output, prefix=".qualcert-") as tmp:  # all or nothing
            with progress("templates", len(jobs)) as bar:
                for job in jobs:
                    write_template(Path(tmp) / job.path.name, loaded, job.sheets)
                    bar.advance(bar.task_ids[0])
            for job in jobs:
                shutil.move(Path(tmp) / job.path.name, job.path)
    out.print(f"wrote {len(jobs)} workbooks to {escape(str(output))}")
