"""qualcert template RUBRIC --roster R --reviewers A,B,C --stage document|onsite -o DIR"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from qualcert.cli._handle import user_errors
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
    encoding: Annotated[str | None, typer.Option(help="Force the roster CSV's encoding (utf-8, cp949, ...).")] = None,
) -> None:
    """Write reviewer score sheets with drop-downs: one per reviewer × institution × stage. Exit 0 or 3."""
    ids = list(dict.fromkeys(r.strip() for r in reviewers.split(",") if r.strip()))
    if not ids:
        raise typer.BadParameter("give at least one reviewer id", param_hint="--reviewers")
    with user_errors():
        from qualcert.ingest import check_roster
        from qualcert.report.template_out import write_templates

        loaded, people = load_inputs(rubric, roster, encoding=encoding)
        assert people is not None  # --roster is required
        check_roster(loaded, people)
        jobs = plan_templates(loaded, people, ids, stage, output, per_reviewer=per_reviewer)
        with progress("templates", len(jobs)) as bar:
            write_templates(
                loaded,
                [(job.path, job.sheets) for job in jobs],
                output,
                force=force,
                advance=lambda: bar.advance(bar.task_ids[0]),
            )
    out.print(f"wrote {len(jobs)} workbook{'s' if len(jobs) != 1 else ''} to {escape(str(output))}")
