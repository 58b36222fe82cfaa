"""The decision table on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcert.numeric import fmt
from qualcert.report.console import Table, escape, out
from qualcert.results import DECISION_LABELS, Results

if TYPE_CHECKING:
    from qualcert.agreement import Agreement
    from qualcert.registry import Cohort

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
    id_width = max([len("institution"), *(len(i.institution_id) for i in results.institutions)])
    graded = bool(results.rubric.decision.grades)
    # numbers and decisions keep their width; name, type and reason give way (the files hold every reason in full)
    fixed = id_width + 8 + (7 if graded else 0) + 10
    room = max(out.width - fixed - 3 * (7 if graded else 6) - 1, 30)
    table.add_column("institution", min_width=id_width, no_wrap=True)
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=max(10, min(22, room // 3)))
    table.add_column("type", no_wrap=True, overflow="ellipsis", max_width=max(8, min(16, room // 5)))
    table.add_column("total", justify="right", min_width=6, no_wrap=True)
    if graded:
        table.add_column("grade", justify="center", min_width=5, no_wrap=True)
    table.add_column("decision", min_width=8, no_wrap=True)
    table.add_column("main reason", no_wrap=True, overflow="ellipsis", max_width=max(12, room - room // 3 - room // 5))
    for inst in results.institutions:
        style = DECISION_STYLE[inst.decision]
        reason = getattr(inst.reasons[0], lang) if inst.reasons else ""
        if len(inst.reasons) > 1:
            reason += f" (+{len(inst.reasons) - 1})"
        cells = [
            escape(inst.institution_id),
            escape(inst.name or ""),
            escape(inst.service_type or ""),
            fmt(inst.total, p) if inst.total is not None else "—",
        ]
        cells += [inst.grade or "—"] if graded else []
        table.add_row(*cells, f"[{style}]{DECISION_LABELS[inst.decision][lang]}[/]", escape(reason))
    out.print(table)
    counts = " · ".join(
        f"[{DECISION_STYLE[k]}]{DECISION_LABELS[k][lang]}[/] {v}" for k, v in results.decision_counts().items()
    )
    out.print(f"{len(results.institutions)} institutions: {counts}")
    flagged = sum(len(inst.flagged) for inst in results.institutions)
    if flagged:
        out.print(f"{flagged} indicator scores flagged for reviewer disagreement or N/A conflicts")


def print_cohort(cohort: Cohort) -> None:
    """One line: how many institutions each cohort list holds (the lists are in the JSON and the workbook)."""
    where = "the register" if cohort.previous_source == "register" else escape(cohort.previous_source)
    against = (
        f"{cohort.with_previous} found in the previous cycle ({where})"
        if cohort.with_previous
        else f"[yellow]no previous cycle in {where}[/]: no improvement or repeated grade to find"
    )
    lists = [
        (f"top {cohort.top:g}% by total", cohort.top_score),
        (f"top {cohort.top_improvement:g}% by improvement", cohort.top_improved),
        (f"{cohort.lowest_grade} twice in a row", cohort.consecutive_lowest),
        (f"{'/'.join(cohort.consulting_grades)} consulting", cohort.consulting),
    ]
    counts = " · ".join(f"{escape(label)} {len(entries)}" for label, entries in lists)
    out.print(f"cohort: {cohort.ranked} ranked, {against}; {counts}")


def print_agreement_line(agreement: Agreement) -> None:
    """One line of the agreement under the decision table; the JSON and the workbook have the rest."""
    o = agreement.overall.estimates
    parts = [
        f"{label} {'—' if o[key].value is None else f'{o[key].value:.3f}'}"
        for key, label in (("alpha_interval", "α interval"), ("icc1_oneway", "ICC(1)"))
    ]
    marked = sum(r.tendency in ("severe", "lenient") for r in agreement.by_reviewer)
    out.print(
        f"reviewer agreement: {', '.join(parts)}; {marked} of {len(agreement.by_reviewer)} reviewers severe or "
        "lenient (JSON 'agreement', sheet 신뢰도/Agreement)"
    )
