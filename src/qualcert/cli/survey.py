"""qualcert survey SURVEY INPUT... [--roster R] [--by COLUMN] [--operational F] [--baseline F] [--benchmark X]
[--json FILE] [-o FILE.xlsx]"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from qualcert.cli._handle import user_errors
from qualcert.numeric import fmt
from qualcert.report.atomic import atomic_outputs, check_targets
from qualcert.report.console import Table, escape, out, print_problems
from qualcert.survey.pipeline import run_survey
from qualcert.survey.results import SurveyResults, render_json

WIDTHS = {"n": 4, "excl": 4}  # respondent counts; every other number column holds up to "-10.00"


def _benchmark(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= 100:
        raise typer.BadParameter(f"{text!r} is not a score from 0 to 100", param_hint="--benchmark")
    return value


def _delta(value: Fraction | None) -> str:
    if value is None:
        return ""
    text = fmt(value, 2)
    return f"[red]{text}[/]" if value < 0 else f"+{text}"


def print_survey(results: SurveyResults) -> None:
    """One row per institution, then the groups and the overall mean against the benchmark."""
    composite = results.combine is not None
    baseline = results.overall.deltas.baseline is not None or any(
        i.deltas.baseline is not None for i in results.institutions
    )
    benchmark = results.benchmark is not None
    title = f"{results.title} ({results.survey_id}{' v' + results.version if results.version else ''})"
    table = Table(title=escape(title), header_style="bold")
    # numbers keep their width; name and group give way (the JSON and the workbook have them in full)
    numbers = ["n", "excl", "index", *(["comp."] if composite else []), *(["Δprev"] if baseline else [])]
    numbers += ["Δbench"] if benchmark else []
    id_width = max([2, *(len(i.institution_id) for i in results.institutions)])
    fixed = (
        id_width + sum(max(len(h), WIDTHS.get(h, 6)) for h in numbers) + 3 * (len(numbers) + 3 + bool(results.by)) + 1
    )
    room = max(out.width - fixed, 18)
    table.add_column("id", min_width=id_width, no_wrap=True)
    table.add_column(
        "name", no_wrap=True, overflow="ellipsis", max_width=max(10, room * 2 // 3 if results.by else room)
    )
    if results.by:
        table.add_column(escape(results.by), no_wrap=True, overflow="ellipsis", max_width=max(6, room // 3))
    for head in numbers:
        table.add_column(head, justify="right", no_wrap=True, min_width=max(len(head), WIDTHS.get(head, 6)))
    for inst in results.institutions:
        index = "" if inst.index is None else fmt(inst.index, 2)
        n = str(inst.respondents) if inst.reliable else f"[yellow]{inst.respondents}*[/]"
        row = [escape(inst.institution_id), escape(inst.name or "")]
        row += [escape(inst.group or "")] if results.by else []
        row += [n, str(inst.excluded_respondents), index]
        row += [fmt(inst.composite, 2) if inst.composite is not None else ""] if composite else []
        row += [_delta(inst.deltas.vs_baseline)] if baseline else []
        row += [_delta(inst.deltas.vs_benchmark)] if benchmark else []
        table.add_row(*row)
    out.print(table)
    groups = Table(header_style="bold")
    groups.add_column(escape(results.by or "group"), no_wrap=True)
    groups.add_column("institutions", justify="right")
    groups.add_column("index", justify="right")
    if composite:
        groups.add_column("composite", justify="right")
    if baseline:
        groups.add_column("Δ prev", justify="right")
    if benchmark:
        groups.add_column(f"Δ bench {results.benchmark}", justify="right")
    for group in [*results.groups, results.overall]:
        row = [escape(group.group), str(group.institutions), "" if group.index is None else fmt(group.index, 2)]
        row += [fmt(group.composite, 2) if group.composite is not None else ""] if composite else []
        row += [_delta(group.deltas.vs_baseline)] if baseline else []
        row += [_delta(group.deltas.vs_benchmark)] if benchmark else []
        groups.add_row(*row)
    out.print(groups)
    unreliable = [i.institution_id for i in results.institutions if not i.reliable]
    if unreliable:
        out.print(
            f"[yellow]*[/] unreliable: fewer than the minimum number of respondents ({escape(', '.join(unreliable))})"
        )


def survey(
    definition: Annotated[Path, typer.Argument(metavar="SURVEY", help="Survey definition YAML.", show_default=False)],
    inputs: Annotated[
        list[Path],
        typer.Argument(metavar="INPUT", help="Response files (CSV or xlsx) or folders.", show_default=False),
    ],
    roster: Annotated[Path | None, typer.Option(help="Roster of institutions (CSV or xlsx).")] = None,
    by: Annotated[
        str | None, typer.Option(help="Roster column to group by (default: service_type when the roster has it).")
    ] = None,
    operational: Annotated[
        Path | None, typer.Option(help="Operational results (a `qualcert score --json` file) for the composite.")
    ] = None,
    baseline: Annotated[Path | None, typer.Option(help="Last year's `qualcert survey --json` file.")] = None,
    benchmark: Annotated[str | None, typer.Option(help="National average to compare with, e.g. 92.3.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Results as JSON ('-' for stdout).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Result workbook (.xlsx).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the CSV encoding (utf-8, cp949, ...).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table on the terminal.")] = False,
) -> None:
    """Satisfaction-survey indices per institution and group, against last year and the national average."""
    bench = _benchmark(benchmark)
    if by is not None and roster is None:
        raise typer.BadParameter("--by needs --roster (the groups come from the roster)", param_hint="--by")
    to_stdout = json_path is not None and str(json_path) == "-"
    with user_errors():
        results = run_survey(
            definition,
            inputs,
            roster_path=roster,
            by=by,
            operational_path=operational,
            baseline_path=baseline,
            benchmark=bench,
            encoding=encoding,
        )
        files = [p for p in (output, None if to_stdout else json_path) if p is not None]
        read = [definition, *inputs, *(p for p in (roster, operational, baseline) if p is not None)]
        check_targets(files, read)
        with atomic_outputs() as stage:
            if output is not None:
                from qualcert.survey.workbook import write_survey_workbook

                write_survey_workbook(results, stage(output))
            if json_path is not None and not to_stdout:
                stage(json_path).write_text(render_json(results), encoding="utf-8")
    if to_stdout:
        typer.echo(render_json(results), nl=False)
    if results.problems:
        print_problems(results.problems)
    if not quiet and not to_stdout:
        print_survey(results)
