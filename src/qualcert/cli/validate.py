"""qualcert validate RUBRIC..."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qualcert.cli._handle import EXIT_INVALID
from qualcert.pipeline import validate_rubrics
from qualcert.report.console import escape, out, print_problems


def validate(
    rubrics: Annotated[list[Path], typer.Argument(help="Rubric YAML files to check.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout.")] = False,
) -> None:
    """Check rubric files: exit 0 when all are valid, 3 with every problem located at file:line:col."""
    reports = validate_rubrics(rubrics)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            if report.rubric is not None:
                out.print(f"[green]ok[/] {escape(report.summary())}")
            else:
                print_problems(report.problems)
    if any(r.rubric is None for r in reports):
        raise typer.Exit(EXIT_INVALID)
