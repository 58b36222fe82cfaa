"""The qualcert command line: thin commands over :mod:`qualcert.pipeline`."""

from __future__ import annotations

import typer

from qualcert.cli import registry as registry_cmd
from qualcert.cli import rubric_cmd
from qualcert.cli.agreement import agreement
from qualcert.cli.check import check
from qualcert.cli.demo import demo
from qualcert.cli.score import score
from qualcert.cli.survey import survey
from qualcert.cli.template import template
from qualcert.cli.validate import validate

app = typer.Typer(
    name="qualcert",
    help="Turn reviewers' score sheets into certification decisions, from a versioned YAML rubric.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # reviewer scores are sensitive; keep them out of tracebacks
    add_completion=False,
)
app.command()(validate)
app.command()(template)
app.command()(check)
app.command()(score)
app.command()(agreement)
app.command()(demo)
app.command()(survey)
app.add_typer(rubric_cmd.app, name="rubric")
app.add_typer(registry_cmd.app, name="registry")


def main() -> None:
    app()
