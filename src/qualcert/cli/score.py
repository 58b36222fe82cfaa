"""qualcert score RUBRIC INPUT... [--roster R] [--issued D] [-o X.xlsx] [--json F] [--csv F] [--cohort] [--record]"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from qualcert.cli._handle import user_errors
from qualcert.pipeline import CohortRequest, ScoreOptions, run_score
from qualcert.report.atomic import atomic_outputs, check_targets
from qualcert.report.console import print_problems, reported_progress

if TYPE_CHECKING:
    from qualcert.results import Results

Lang = Literal["ko", "en"]


def record_run(results: Results, db: str | None, json_path: Path | None) -> None:
    """Store the run in the certification register (idempotent: the same run twice changes nothing)."""
    from qualcert.registry import Register, parse_results

    source = str(json_path) if json_path is not None and str(json_path) != "-" else None
    with Register.open(db) as register:
        register.record(parse_results(results.to_json_dict(), source=source))


def write_outputs(
    results: Results,
    *,
    xlsx: Path | None,
    json_path: Path | None,
    csv_path: Path | None,
    lang: Lang,
    inputs: list[Path],
    then: Callable[[], None] | None = None,
) -> None:
    """Write every requested output, all or nothing (``then`` runs last, before the files are moved in).

    ``-`` as the JSON path means stdout.
    """
    from qualcert.report.json_out import render_json, write_json

    files = [p for p in (xlsx, json_path, csv_path) if p is not None and str(p) != "-"]
    check_targets(files, inputs)
    with atomic_outputs() as stage:
        if xlsx is not None:
            from qualcert.report.workbook import write_workbook

            write_workbook(results, stage(xlsx), lang=lang)
        if csv_path is not None:
            from qualcert.report.csv_out import write_csv

            write_csv(results, stage(csv_path), lang=lang)
        if json_path is not None and str(json_path) != "-":
            write_json(results, stage(json_path))
        if then is not None:
            then()
    if json_path is not None and str(json_path) == "-":
        typer.echo(render_json(results), nl=False)


def score(
    rubric: Annotated[Path, typer.Argument(help="Rubric YAML file.", show_default=False)],
    inputs: Annotated[
        list[Path], typer.Argument(help="Score files (template xlsx, long xlsx/CSV) or folders.", show_default=False)
    ],
    roster: Annotated[Path | None, typer.Option(help="Roster of institutions (CSV or xlsx).")] = None,
    issued: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Issue date of certificates (default: today).")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Result workbook (.xlsx).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Results as JSON ('-' for stdout).")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="One row per institution, UTF-8 with BOM.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the table and workbook.")] = "ko",
    encoding: Annotated[str | None, typer.Option(help="Force the CSV encoding (utf-8, cp949, ...).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Sheet of long-format xlsx inputs (default: the first).")] = None,
    consensus: Annotated[
        Path | None,
        typer.Option(
            help="Agreed values (the filled 불일치 sheet, or a CSV with "
            "institution_id, indicator_id, agreed, rationale, settled_by)."
        ),
    ] = None,
    agreement: Annotated[
        bool,
        typer.Option(
            help="Reviewer agreement beside the results: JSON key 'agreement' and the 신뢰도/Agreement sheet "
            "(coefficients, spreads, reviewer severity; about a tenth of the scoring time)."
        ),
    ] = True,
    bootstrap: Annotated[
        int,
        typer.Option(
            min=0,
            help="Bootstrap resamples for the agreement's confidence intervals (0: none; 'qualcert agreement' "
            "uses 1000). 200 add about a third of the scoring time, 1000 about as much as the scoring.",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the bootstrap, for reproducible intervals.")] = 0,
    leave_one_out: Annotated[
        bool,
        typer.Option(
            "--leave-one-out",
            help="Also report whether any institution's decision would change without one of its reviewers "
            "(re-scores every institution once per reviewer: several times the scoring time).",
        ),
    ] = False,
    cohort: Annotated[
        bool,
        typer.Option(
            "--cohort",
            help="Add the cohort rules (top 5% by total, top 3% by improvement, lowest grade twice, "
            'D/F consulting list) against the previous cycle in the register, to the JSON ("cohort") '
            "and the workbook (its 코호트 / Cohort sheet). Graded rubrics only.",
        ),
    ] = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            help="The previous cycle's `score --json` file for the cohort rules, instead of the register "
            "(implies --cohort).",
        ),
    ] = None,
    record: Annotated[bool, typer.Option(help="Also record the run in the certification register.")] = False,
    db: Annotated[
        str | None,
        typer.Option(
            help="Register for --record and --cohort: a SQLite file or SQLAlchemy URL "
            "(default: $QUALCERT_DB, else the user data folder)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table on the terminal.")] = False,
) -> None:
    """Score reviewer sheets and decide: a table on the terminal, and JSON / CSV / xlsx files on request.

    The JSON and workbook also carry reviewer agreement; --bootstrap N adds intervals, --leave-one-out decision checks.
    """
    if not agreement and (bootstrap or leave_one_out):
        raise typer.BadParameter("--bootstrap and --leave-one-out need the agreement (drop --no-agreement)")
    wanted = cohort or previous is not None
    options = ScoreOptions(
        issued=(issued.date() if issued else date.today()),
        encoding=encoding,
        sheet=sheet,
        consensus=consensus,
        agreement=agreement,
        bootstrap=bootstrap,
        seed=seed,
        leave_one_out=leave_one_out,
        cohort=CohortRequest(previous, db, new_register_ok=record) if wanted else None,
    )
    with user_errors():
        with reported_progress("reading score files") as progress:
            results = run_score(rubric, inputs, roster_path=roster, options=options, progress=progress)
        write_outputs(
            results,
            xlsx=output,
            json_path=json_path,
            csv_path=csv_path,
            lang=lang,
            inputs=[rubric, *inputs, *(p for p in (roster, consensus, previous) if p is not None)],
            then=(lambda: record_run(results, db, json_path)) if record else None,
        )
    if results.problems:
        print_problems(results.problems)
    if not quiet and str(json_path) != "-":
        from qualcert.report.terminal import print_agreement_line, print_cohort, print_results

        print_results(results, lang=lang)
        if results.agreement is not None:
            print_agreement_line(results.agreement)
        if results.cohort is not None:
            print_cohort(results.cohort)
