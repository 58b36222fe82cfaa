"""qualcert rubric show | schema"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qualcert.cli._handle import user_errors
from qualcert.numeric import exact, fmt
from qualcert.report.console import Tree, escape, out
from qualcert.rubric import LevelsScale, Rubric, load_rubric, name_text

app = typer.Typer(help="Inspect rubrics: a tree view, or the JSON Schema of the format.", no_args_is_help=True)


@app.command()
def show(
    rubric_path: Annotated[Path, typer.Argument(metavar="RUBRIC", help="Rubric YAML file.")],
    lang: Annotated[str, typer.Option(help="Language of names: ko or en.")] = "ko",
) -> None:
    """Print the rubric as a tree with points, scales, stages and rules."""
    with user_errors():
        rubric = load_rubric(rubric_path)
    p = rubric.precision
    c = rubric.counts()
    root = Tree(
        f"[bold]{escape(name_text(rubric.title, lang))}[/] ({escape(rubric.id)} v{escape(rubric.version)}) — "
        f"{c['domains']} domains, {c['items']} items, {c['indicators']} indicators, {fmt(exact(c['points']), p)} points"
    )
    for domain in rubric.domains:
        points = sum(ind.points for item in domain.items for ind in item.indicators)
        minimum = rubric.domain_minimum(domain)
        extra = f", min {minimum}%" if minimum is not None else ""
        dnode = root.add(
            f"[bold cyan]{escape(domain.id)}[/] {escape(name_text(domain.name, lang))} "
            f"[dim]({fmt(exact(points), p)} pts{extra})[/]"
        )
        for item in domain.items:
            inode = dnode.add(f"[cyan]{escape(item.id)}[/] {escape(name_text(item.name, lang))}")
            for ind in item.indicators:
                inode.add(
                    f"{escape(ind.id)} {escape(name_text(ind.name, lang))} [dim]— {_indicator_note(rubric, ind.id)}[/]"
                )
    out.print(root)
    out.print(_rules(rubric))


def _indicator_note(rubric: Rubric, indicator_id: str) -> str:
    ind = rubric.indicators[indicator_id]
    parts = [
        f"{fmt(exact(ind.points), rubric.precision)} pts",
        ind.scale,
        "+".join(rubric.stages_of(ind)),
    ]
    if ind.applies_to:
        parts.append("only " + ",".join(ind.applies_to))
    if ind.allow_na:
        parts.append("N/A allowed")
    if ind.floor is not None:
        parts.append(f"floor {ind.floor}")
    return escape(", ".join(parts))


def _rules(rubric: Rubric) -> str:
    d = rubric.decision
    lines = [
        f"aggregate: {rubric.aggregate}; stages: {rubric.stage_combine} "
        + ", ".join(f"{s}={w}" for s, w in rubric.stage_weights.items())
    ]
    for name, scale in rubric.scales.items():
        values = (
            ", ".join(f"{k}={v}" for k, v in scale.levels.items())
            if isinstance(scale, LevelsScale)
            else f"points in steps of {scale.step}"
        )
        lines.append(f"scale {name}: {values}")
    if d.total_min is not None:
        lines.append(f"certified when total ≥ {d.total_min}%")
    if d.domain_min is not None:
        lines.append(f"every domain ≥ {d.domain_min}% unless it sets its own min")
    if d.grades:
        lines.append("grades: " + " · ".join(f"{g.grade} ≥ {g.min}" for g in d.grades))
    for rule in d.eligibility:
        cond = (
            f"one of {rule.one_of}"
            if rule.one_of is not None
            else " and ".join(
                x
                for x in (
                    f"≥ {rule.min}" if rule.min is not None else "",
                    f"≤ {rule.max}" if rule.max is not None else "",
                )
                if x
            )
        )
        lines.append(f"eligibility: {rule.field} {cond}")
    if rubric.validity:
        lines.append(f"certificate valid {rubric.validity.years} years")
    return escape("\n".join(lines))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the rubric format (for editor autocompletion)."""
    typer.echo(json.dumps(Rubric.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
