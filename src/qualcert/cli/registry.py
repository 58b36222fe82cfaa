"""qualcert registry record | list | history | monitor | revoke | cohort | export

Thin commands over :mod:`qualcert.registry`: rich tables for people, ``--json`` on stdout for
machines, and every user error as exit 3 with nothing written.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from qualcert import registry  # loads SQLAlchemy on first use, so other commands start faster
from qualcert.cli._handle import user_errors
from qualcert.registry.model import DEFAULT_WITHIN, StatusFilter
from qualcert.report.console import Table, escape, out

if TYPE_CHECKING:
    from qualcert.registry import Certificate, Cohort, CohortEntry, History

app = typer.Typer(
    help="The certification register: who is certified until when, and what changed since the last cycle.",
    no_args_is_help=True,
)

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Register: a SQLite file or a SQLAlchemy URL (default: $QUALCERT_DB, else the user data folder).",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")]
DATE_FORMATS = ["%Y-%m-%d"]
STATUS_STYLE = {"active": "green", "expiring": "yellow", "expired": "dim", "revoked": "red"}


def _day(value: datetime | None) -> date:
    return value.date() if value is not None else date.today()


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))


def _num(value: float | None, change: float | None = None) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}"
    if change is not None:
        colour = "green" if change > 0 else "red" if change < 0 else "dim"
        text += f" [{colour}]({change:+.2f})[/]"
    return text


@app.command()
def record(
    results_json: Annotated[Path, typer.Argument(metavar="RESULTS_JSON", help="A `qualcert score --json` file.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Store a scoring run and each institution's decision; the same run twice changes nothing."""
    with user_errors():
        run = registry.load_results_file(results_json)
        with registry.Register.open(db) as reg:
            outcome = reg.record(run)
            where = reg.where
    if as_json:
        _echo_json(outcome.to_json_dict())
        return
    what = f"{escape(run.rubric_id)} v{escape(run.rubric_version)} issued {run.issued.isoformat()}"
    if outcome.created:
        out.print(
            f"recorded run {outcome.run_hash[:12]} ({what}): {outcome.institutions} institutions, "
            f"{outcome.certified} certificates → {escape(where)}"
        )
    else:
        out.print(f"run {outcome.run_hash[:12]} ({what}) is already in {escape(where)}; nothing changed")


@app.command("list")
def list_(
    status: Annotated[
        StatusFilter, typer.Option(help="Which certificates: active (expiring included), expiring, expired, revoked.")
    ] = "all",
    expiring: Annotated[bool, typer.Option("--expiring", help="Same as --status expiring.")] = False,
    on: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="The date of the state (default: today).")
    ] = None,
    within: Annotated[
        int | None,
        typer.Option(min=0, help=f"Days ahead counted as expiring (default: {DEFAULT_WITHIN} with --status expiring)."),
    ] = None,
    rubric: Annotated[str | None, typer.Option(help="Only certificates under this rubric id.")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """The latest certificate of each institution (per rubric) and its state on a date."""
    day = _day(on)
    with user_errors(), registry.Register.open(db, create=False) as reg:
        certs = reg.certificates(on=day, status="expiring" if expiring else status, within=within, rubric=rubric)
    if as_json:
        _echo_json([c.to_json_dict() for c in certs])
        return
    _print_certificates(certs, day)


def _print_certificates(certs: list[Certificate], day: date) -> None:
    table = Table(title=f"Certificates on {day.isoformat()} ({len(certs)})", header_style="bold")
    longest = {
        "id": max([len("institution"), *(len(c.institution_id) for c in certs)]),
        "rubric": max([len("rubric"), *(len(c.rubric_id) for c in certs)]),
        "decision": max([len("decision"), *(len(c.decision) for c in certs)]),
        "status": max([len("status"), *(len(c.status) + (11 if c.revoked_on else 0) for c in certs)]),
    }
    table.add_column("institution", no_wrap=True, min_width=longest["id"])
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=24)
    table.add_column("rubric", no_wrap=True, min_width=longest["rubric"])
    table.add_column("decision", no_wrap=True, min_width=longest["decision"])
    table.add_column("valid until", no_wrap=True, min_width=11)
    table.add_column("days", justify="right", no_wrap=True, min_width=4)
    table.add_column("status", no_wrap=True, min_width=longest["status"])
    for c in certs:
        state = c.status if c.revoked_on is None else f"{c.status} {c.revoked_on.isoformat()}"
        table.add_row(
            escape(c.institution_id),
            escape(c.name or ""),
            escape(c.rubric_id),
            escape(c.decision),
            c.valid_until.isoformat(),
            str(c.days_left) if c.days_left >= 0 else "—",
            f"[{STATUS_STYLE[c.status]}]{escape(state)}[/]",
        )
    out.print(table)


@app.command()
def history(
    institution: Annotated[str, typer.Argument(metavar="INSTITUTION", help="Institution id.")],
    rubric: Annotated[str | None, typer.Option(help="Only cycles under this rubric id.")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Every cycle of one institution, with the change in total and per domain, checks and revocations."""
    with user_errors(), registry.Register.open(db, create=False) as reg:
        hist = reg.history(institution, rubric=rubric)
    if as_json:
        _echo_json(hist.to_json_dict())
        return
    _print_history(hist)


def _print_history(hist: History) -> None:
    """Per rubric id: one row per cycle, then the domains (rows) across the cycles (columns)."""
    name = next((c.name for c in reversed(hist.cycles) if c.name), None)
    out.print(f"[bold]{escape(hist.institution_id)}[/] {escape(name or '')} — {len(hist.cycles)} cycles")
    for rubric_id in dict.fromkeys(c.rubric_id for c in hist.cycles):
        cycles = [c for c in hist.cycles if c.rubric_id == rubric_id]
        table = Table(title=escape(rubric_id), header_style="bold")
        for column in ("issued", "version", "decision", "total (Δ)", "grade", "valid until"):
            table.add_column(column, no_wrap=True, justify="right" if column.startswith("total") else "left")
        for c in cycles:
            grade = c.grade or "—"
            if c.previous_grade and c.grade and c.previous_grade != c.grade:
                grade = f"{c.previous_grade}→{c.grade}"
            table.add_row(
                c.issued.isoformat(),
                escape(c.rubric_version),
                escape(c.decision),
                _num(c.total, c.total_change),
                escape(grade),
                c.valid_until.isoformat() if c.valid_until else "—",
            )
        out.print(table)
        domain_ids = list(dict.fromkeys(d.domain_id for c in cycles for d in c.domains))
        if domain_ids:
            domains = Table(title=escape(f"{rubric_id}: domain percent (Δ)"), header_style="bold")
            domains.add_column("domain", no_wrap=True)
            for c in cycles:
                domains.add_column(c.issued.isoformat(), justify="right", no_wrap=True)
            by_cycle = [{d.domain_id: d for d in c.domains} for c in cycles]
            for d in domain_ids:
                cells = [
                    _num(found[d].percent, found[d].percent_change) if d in found else "[dim]—[/]" for found in by_cycle
                ]
                domains.add_row(escape(d), *cells)
            out.print(domains)
        for c in cycles:
            for m in c.monitoring:
                colour = "green" if m.result == "pass" else "red"
                out.print(
                    f"{c.issued.isoformat()} certificate: check {m.date.isoformat()} "
                    f"[{colour}]{m.result}[/] — {escape(m.finding)}"
                )
            if c.revocation is not None:
                out.print(
                    f"{c.issued.isoformat()} certificate: [red]revoked from {c.revocation.date.isoformat()}[/] "
                    f"— {escape(c.revocation.reason)}"
                )


@app.command()
def monitor(
    institution: Annotated[str, typer.Argument(metavar="INSTITUTION", help="Institution id.")],
    on: Annotated[
        datetime, typer.Option("--date", formats=DATE_FORMATS, help="Date of the check.", show_default=False)
    ],
    finding: Annotated[str, typer.Option(help="What the check found.", show_default=False)],
    result: Annotated[Literal["pass", "fail"], typer.Option(help="Outcome of the check.")] = "pass",
    rubric: Annotated[str | None, typer.Option(help="Rubric id, when the institution holds several.")] = None,
    db: Db = None,
) -> None:
    """Record a post-certification check (사후관리) on the certificate in force on that date."""
    with user_errors(), registry.Register.open(db, create=False) as reg:
        action = reg.monitor(institution, on=on.date(), finding=finding, result=result, rubric=rubric)
    out.print(
        f"recorded a {action.result} check on {action.date.isoformat()} for {escape(institution)} "
        f"({escape(action.rubric_id)}, certificate issued {action.issued.isoformat()})"
    )


@app.command()
def revoke(
    institution: Annotated[str, typer.Argument(metavar="INSTITUTION", help="Institution id.")],
    reason: Annotated[str, typer.Option(help="Why the certificate ends early.", show_default=False)],
    on: Annotated[
        datetime | None, typer.Option("--date", formats=DATE_FORMATS, help="First day without it (default: today).")
    ] = None,
    rubric: Annotated[str | None, typer.Option(help="Rubric id, when the institution holds several.")] = None,
    db: Db = None,
) -> None:
    """End the certificate in force from a date on."""
    with user_errors(), registry.Register.open(db, create=False) as reg:
        action = reg.revoke(institution, reason=reason, on=_day(on), rubric=rubric)
    out.print(
        f"revoked the {escape(action.rubric_id)} certificate of {escape(institution)} "
        f"(issued {action.issued.isoformat()}, valid until {action.valid_until.isoformat()}) "
        f"from {action.date.isoformat()}"
    )


@app.command()
def cohort(
    results_json: Annotated[Path, typer.Argument(metavar="RESULTS_JSON", help="This cycle's `score --json` file.")],
    previous: Annotated[
        Path | None, typer.Option(help="The previous cycle's `score --json` file (default: from the register).")
    ] = None,
    top: Annotated[float, typer.Option(min=0, max=100, help="Top percent by total.")] = 5.0,
    top_improvement: Annotated[float, typer.Option(min=0, max=100, help="Top percent by improvement.")] = 3.0,
    lowest_grade: Annotated[str, typer.Option(help="The lowest grade, for 'consecutive lowest'.")] = "F",
    consulting: Annotated[str, typer.Option(help="Grades on the consulting list, comma-separated.")] = "D,F",
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Cohort rules against the previous cycle: top by score and improvement, repeated lowest grade, consulting."""
    with user_errors():
        current = registry.load_results_file(results_json)
        if previous is not None:
            prior = registry.previous_from_file(previous, rubric_id=current.rubric_id, before=current.issued)
        else:
            prior = registry.previous_from_register(db, rubric_id=current.rubric_id, before=current.issued)
        result = registry.compute_cohort(
            current,
            prior.priors,
            previous_source=prior.source,
            top=top,
            top_improvement=top_improvement,
            lowest_grade=lowest_grade,
            consulting_grades=tuple(g.strip() for g in consulting.split(",") if g.strip()),
        )
    if as_json:
        _echo_json(result.to_json_dict())
        return
    _print_cohort(result)


def _print_cohort(c: Cohort) -> None:
    out.print(
        f"[bold]{escape(c.rubric_id)} v{escape(c.rubric_version)}[/] issued {c.issued.isoformat()}: "
        f"{c.ranked} ranked, {c.with_previous} with a previous cycle (from {escape(c.previous_source)})"
    )
    sections: list[tuple[str, tuple[CohortEntry, ...]]] = [
        (f"Top {c.top:g}% by total", c.top_score),
        (f"Top {c.top_improvement:g}% by improvement", c.top_improved),
        (f"{c.lowest_grade} twice in a row — 지자체 통보·개선계획", c.consecutive_lowest),
        (f"{'/'.join(c.consulting_grades)} — 컨설팅 대상", c.consulting),
    ]
    for title, entries in sections:
        table = Table(title=escape(f"{title} ({len(entries)})"), header_style="bold")
        for column in ("rank", "institution", "name", "grade", "total", "previous", "change"):
            table.add_column(column, justify="right" if column in ("rank", "total", "previous", "change") else "left")
        for e in entries:
            table.add_row(
                "" if e.rank is None else str(e.rank),
                escape(e.institution_id),
                escape(e.name or ""),
                escape(e.grade or "—") + (f" ← {escape(e.previous_grade)}" if e.previous_grade else ""),
                _num(e.total),
                _num(e.previous_total),
                "—" if e.improvement is None else f"{e.improvement:+.2f}",
            )
        out.print(table)


@app.command()
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Workbook to write (.xlsx).", show_default=False)],
    on: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Date of the certificates' state (default: today).")
    ] = None,
    db: Db = None,
) -> None:
    """Write the register to an Excel workbook: certificates, cycles, domains, checks, revocations, runs."""
    with user_errors(), registry.Register.open(db, create=False) as reg:
        counts = registry.export_register(reg, output, on=_day(on))
    out.print(f"wrote {escape(str(output))}: " + ", ".join(f"{n} {sheet}" for sheet, n in counts.items()))
