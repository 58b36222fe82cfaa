"""qualcert agreement RUBRIC INPUT... [--roster R] [--json FILE] [--bootstrap N] [--seed S]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qualcert.cli._handle import user_errors
from qualcert.pipeline import run_agreement
from qualcert.report.atomic import atomic_outputs, check_targets
from qualcert.report.console import Table, escape, out, print_problems

if TYPE_CHECKING:
    from qualcert.agreement import Agreement, Coefficients, Estimate

WORST: int = 10  # indicators shown on the terminal, least reliable first


def render_json(result: Agreement) -> str:
    return json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def agreement(
    rubric: Annotated[Path, typer.Argument(help="Rubric YAML file.", show_default=False)],
    inputs: Annotated[
        list[Path], typer.Argument(help="Score files (template xlsx, long xlsx/CSV) or folders.", show_default=False)
    ],
    roster: Annotated[Path | None, typer.Option(help="Roster of institutions (CSV or xlsx).")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Statistics as JSON ('-' for stdout).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the CSV encoding (utf-8, cp949, ...).")] = None,
    sheet: Annotated[str | None, typer.Option(help="Sheet of long-format xlsx inputs (default: the first).")] = None,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples for confidence intervals (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the bootstrap, for reproducible intervals.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No table on the terminal.")] = False,
) -> None:
    """How far reviewers agree: Krippendorff's alpha, ICC, Fleiss' kappa, per indicator and per reviewer."""
    to_stdout = json_path is not None and str(json_path) == "-"
    with user_errors():
        result = run_agreement(
            rubric, inputs, roster_path=roster, encoding=encoding, sheet=sheet, bootstrap=bootstrap, seed=seed
        )
        if json_path is not None and not to_stdout:
            check_targets([json_path], [rubric, *inputs, *([roster] if roster else [])])
            with atomic_outputs() as stage:
                stage(json_path).write_text(render_json(result), encoding="utf-8")
    if to_stdout:
        typer.echo(render_json(result), nl=False)
    if result.problems:
        print_problems(result.problems)
    if not quiet and not to_stdout:
        print_agreement(result)


def _num(value: float) -> str:
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text


def _fmt(est: Estimate) -> str:
    if est.value is None:
        return "[dim]—[/]"
    text = _num(est.value)
    if est.ci is not None:
        text += f" [dim]\\[{_num(est.ci[0])}, {_num(est.ci[1])}][/]"
    return text


def _value(est: Estimate) -> str:
    return "—" if est.value is None else _num(est.value)


def print_agreement(result: Agreement) -> None:
    """Overall coefficients with intervals, the least reliable indicators, and the reviewers."""
    o = result.overall
    level = round(result.bootstrap.level * 100)
    title = (
        f"{result.rubric.id} v{result.rubric.version} — {o.n_units} units with 2+ ratings, "
        f"{o.n_ratings} ratings, {o.n_reviewers} reviewers"
    )
    table = Table(title=escape(title), header_style="bold")
    table.add_column("coefficient")
    table.add_column(f"value ({level}% CI)" if result.bootstrap.replicates else "value", justify="right")
    table.add_column("note")
    for key, est in o.estimates.items():
        table.add_row(key, _fmt(est), escape(est.reason or est.ci_reason or ""))
    out.print(table)
    if o.k0 is not None:
        out.print(f"icc1_oneway: one-way ANOVA estimator, k0 = {o.k0:.3f} ratings per unit")
    _print_indicators(result)
    _print_reviewers(result)
    if result.leave_one_out is None:
        return
    changes = [x for x in result.leave_one_out if x.changes]
    institutions = {x.institution_id for x in changes}
    out.print(
        f"Leave one reviewer out: {len(changes)} of {len(result.leave_one_out)} removals would change a decision "
        f"({len(institutions)} institutions); reported only, not applied."
    )
    for x in changes[:WORST]:
        out.print(f"  {escape(x.institution_id)} without {escape(x.reviewer_id)}: {x.decision} → {x.decision_without}")
    if len(changes) > WORST:
        out.print(f"  … and {len(changes) - WORST} more (see --json)")


def _order(c: Coefficients) -> tuple[int, float]:
    alpha = c.estimates["alpha_interval"].value
    return (1, 0.0) if alpha is None else (0, alpha)


def _print_indicators(result: Agreement) -> None:
    worst = sorted(result.by_indicator, key=lambda i: (_order(i.coefficients), -(i.spread.flagged or 0)))[:WORST]
    table = Table(title=f"Least reliable indicators (worst {len(worst)} of {len(result.by_indicator)})")
    for column, justify in (
        ("indicator", "left"),
        ("units", "right"),
        ("α interval", "right"),
        ("α ordinal", "right"),
        ("κ Fleiss", "right"),
        ("ICC(1) one-way", "right"),
        ("mean spread", "right"),
        ("max spread", "right"),
        ("flagged", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for ind in worst:
        c, s = ind.coefficients, ind.spread
        table.add_row(
            escape(ind.indicator_id),
            str(c.n_units),
            _fmt(c.estimates["alpha_interval"]),
            _value(c.estimates["alpha_ordinal"]),
            _value(c.estimates["fleiss_kappa"]),
            _value(c.estimates["icc1_oneway"]),
            "—" if s.mean is None else f"{s.mean:.3f}",
            "—" if s.max is None else f"{s.max:.3f}",
            "—" if s.flagged is None else str(s.flagged),
        )
    out.print(table)


def _print_reviewers(result: Agreement) -> None:
    table = Table(title="Reviewers (deviation from co-reviewers: < 0 severe, > 0 lenient)")
    for column, justify in (
        ("reviewer", "left"),
        ("scores", "right"),
        ("institutions", "right"),
        ("mean deviation", "right"),
        ("SE", "right"),
        ("tendency", "left"),
        ("consensus grade", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    style = {"severe": "red", "lenient": "yellow", "neutral": "green"}
    for r in result.by_reviewer:
        tendency = r.tendency
        table.add_row(
            escape(r.reviewer_id),
            str(r.n_scores),
            str(r.n_institutions),
            "—" if r.mean_deviation is None else f"{r.mean_deviation:+.3f}",
            "—" if r.se is None else f"{r.se:.3f}",
            "—" if tendency is None else f"[{style[tendency]}]{tendency}[/]",
            "—" if r.consensus_grade is None else f"{r.consensus_grade:.1f}",
        )
    out.print(table)
