"""The decision table on the terminal."""

from __future__ import annotations

from qualcert.numeric import fmt
from qualcert.report.console import Table, escape, out
from qualcert.results import DECISION_LABELS, Results

DECISION_STYLE = {
    "certified": "green",
    "not_certified": "red",
    "ineligible": "magenta",
    "incomplete": "yellow",
    "graded": "cyan",
}


def print_results(results: Results, *, lang: str = "ko") -> None:
    """One row per institution (total, grade, decision, main reason), then counts per decision."""
    p = results.rubric.precision
    title = f"{results.rubric.id} v{results.rubric.version} — issued {results.issued.isoformat()}"
    table = Table(title=escape(title), header_style="bold", show_lines=False)
    for column, justify in (
        ("institution", "left"),
        ("name", "left"),
        ("type", "left"),
        ("total", "right"),
        ("grade", "center"),
        ("decision", "left"),
        ("main reason", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for inst in results.institutions:
        style = DECISION_STYLE[inst.decision]
        reason = getattr(inst.reasons[0], lang) if inst.reasons else ""
        if len(inst.reasons) > 1:
            reason += f" (+{len(inst.reasons) - 1})"
        table.add_row(
            escape(inst.institution_id),
            escape(inst.name or ""),
            escape(inst.service_type or ""),
            fmt(inst.total, p) if inst.total is not None else "—",
            inst.grade or "—",
            f"[{style}]{DECISION_LABELS[inst.decision][lang]}[/]",
            escape(reason),
        )
    out.print(table)
    counts = " · ".join(
        f"[{DECISION_STYLE[k]}]{DECISION_LABELS[k][lang]}[/] {v}" for k, v in results.decision_counts().items()
    )
    out.print(f"{len(results.institutions)} institutions: {counts}")
    flagged = sum(len(inst.flagged) for inst in results.institutions)
    if flagged:
        out.print(f"{flagged} indicator scores flagged for reviewer disagreement or N/A conflicts")
