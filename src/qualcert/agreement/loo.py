"""Leave one reviewer out: would an institution's decision change without any single one of its reviewers?

Each institution is re-scored by the scoring engine (:class:`qualcert.scoring.engine.Scorer`,
the per-institution step of ``score``) without each of its reviewers in turn (their N/A marks
included). The result is reported next to the decision; nothing is applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.model import LeaveOneOut
from qualcert.results import Consensus
from qualcert.rubric import Rubric
from qualcert.scoring.aggregate import StageKey, StageScores
from qualcert.scoring.engine import InstitutionInfo, Scorer, Work

Entry = tuple[str, bool, int]  # reviewer, N/A, numerator


def leave_one_out(
    rubric: Rubric,
    table: pd.DataFrame,
    *,
    institutions: Mapping[str, InstitutionInfo] | None,
    issued: date,
    consensus: Mapping[tuple[str, str], Consensus] | None = None,
) -> tuple[LeaveOneOut, ...]:
    """Every (institution, reviewer) pair of the score table, in roster (else id) order, reviewers by id.

    ``consensus``: agreed values applied as in the scoring run (they stay whoever is left out).
    """
    if table.empty:
        return ()
    cells: dict[str, dict[StageKey, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    dens: dict[StageKey, int] = {}
    columns = (st.INSTITUTION, st.INDICATOR, st.STAGE, st.REVIEWER, st.NA, st.NUM, st.DEN)
    arrays = [table[c].tolist() for c in columns]
    for inst, ind, stage, reviewer, na, num, den in zip(*arrays, strict=True):
        key = (inst, ind, stage)
        cells[inst][key].append((reviewer, bool(na), int(num)))
        dens[key] = int(den)
    order = [i for i in institutions if i in cells] if institutions is not None else []
    order += sorted(set(cells) - set(order))
    batch: list[Work] = []  # each institution with all its reviewers, then without each one: scored together
    pairs: list[tuple[int, int, str]] = []  # (index with all reviewers, index without, the reviewer left out)
    for iid in order:
        info = institutions.get(iid) if institutions is not None else None
        entries = cells[iid]
        base = len(batch)
        batch.append((_groups(entries, dens, None), iid, info))
        for reviewer in sorted({r for rows in entries.values() for r, _, _ in rows}):
            pairs.append((base, len(batch), reviewer))
            batch.append((_groups(entries, dens, reviewer), iid, info))
    scored = Scorer(rubric, issued, consensus).institutions(batch)
    out = [
        LeaveOneOut(
            institution_id=scored[base].institution_id,
            reviewer_id=reviewer,
            decision=scored[base].decision,
            decision_without=scored[without].decision,
            total=scored[base].total,
            total_without=scored[without].total,
        )
        for base, without, reviewer in pairs
    ]
    return tuple(out)


def _groups(
    entries: Mapping[StageKey, list[Entry]], dens: Mapping[StageKey, int], drop: str | None
) -> dict[StageKey, StageScores]:
    """The engine's stage groups of one institution, without reviewer ``drop``."""
    groups = {}
    for key, rows in entries.items():
        kept = [row for row in rows if row[0] != drop]
        if kept:
            groups[key] = StageScores(
                nums=tuple(sorted(num for _, na, num in kept if not na)),
                den=dens[key],
                na=sum(1 for _, na, _ in kept if na),
                reviewers=frozenset(r for r, _, _ in kept),
            )
    return groups
