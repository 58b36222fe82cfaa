"""qualcert check RUBRIC INPUT... [--roster R]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qualcert.cli._handle import user_errors
from qualcert.pipeline import run_check
from qualcert.report.console import escape, out, print_problems


def check(
    rubric: Annotated[Path, typer.Argument(help="Rubric YAML file.", show_default=False)],
    inputs: Annotated[list[Path], typer.Argument(help="Score files or folders.", show_default=False)],
    roster: Annotated[Path | None, typer.Option(help="Roster of institutions (CSV or xlsx).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the CSV encoding (utf-8, cp949, ...).")] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Read only this sheet of xlsx inputs (default: every sheet with a score table).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON on stdout.")] = False,
) -> None:
    """Validate returned score sheets without scoring; list what is still missing. Exit 0 or 3."""
    with user_errors(writes=False):  # check only reads
        report = run_check(rubric, inputs, roster_path=roster, encoding=encoding, sheet=sheet)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    print_problems(report.warnings)
    out.print(
        f"[green]valid[/]: {len(report.files)} files, {report.scores} scores, {report.institutions} institutions, "
        f"{report.reviewers} reviewers"
    )
    if not report.missing:
        out.print("every applicable indicator has a score at every stage")
    for iid, stages in report.missing.items():
        for stage, ids in stages.items():
            shown = ", ".join(ids[:12]) + (f" … (+{len(ids) - 12})" if len(ids) > 12 else "")
            out.print(f"{escape(iid)} {stage}: {len(ids)} without a score ({escape(shown)})")
