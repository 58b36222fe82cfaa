"""Leave one reviewer out: would an institution's decision change without any single one of its reviewers?

Each institution is re-scored by the scoring engine (:class:`qualcert.scoring.engine.Scorer`)
without each of its reviewers in turn (their N/A marks included): every (institution, reviewer)
pair is one institution of a second batch. The result is reported next to the decision;
nothing is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from qualcert import scoretable as st
from qualcert.agreement.model import LeaveOneOut
from qualcert.results import Consensus, InstitutionResult
from qualcert.rubric import Rubric
from qualcert.scoring.engine import InstitutionInfo, Scorer


def leave_one_out(
    rubric: Rubric,
    table: pd.DataFrame,
    *,
    institutions: Mapping[str, InstitutionInfo] | None,
    issued: date,
    consensus: Mapping[tuple[str, str], Consensus] | None = None,
    decided: Mapping[str, InstitutionResult] | None = None,
) -> tuple[LeaveOneOut, ...]:
    """Every (institution, reviewer) pair of the score table, in roster (else id) order, reviewers by id.

    ``consensus``: agreed values applied as in the scoring run (they stay whoever is left out).
    ``decided``: the run's own results by institution, when it has scored them with the same
    rubric, roster, date and consensus; the decisions are compared with them instead of scoring
    every institution again.
    """
    if table.empty:
        return ()
    present = set(table[st.INSTITUTION].tolist())
    order = [iid for iid in institutions if iid in present] if institutions is not None else []
    order += sorted(present - set(order))
    rank = {iid: n for n, iid in enumerate(order)}
    pairs = table[[st.INSTITUTION, st.REVIEWER]].drop_duplicates()
    left_out = sorted(zip(pairs[st.INSTITUTION], pairs[st.REVIEWER], strict=True), key=lambda p: (rank[p[0]], p[1]))
    # Each pair is scored as an institution of its own, in a run of its own: its rows without the reviewer.
    names = [str(n) for n in range(len(left_out))]
    variants = pd.DataFrame(
        {st.INSTITUTION: [iid for iid, _ in left_out], "left_out": [r for _, r in left_out], "variant": names}
    )
    columns = [st.INSTITUTION, st.REVIEWER, st.STAGE, st.INDICATOR, st.NA, st.NUM, st.DEN]
    without = table[columns].merge(variants, on=st.INSTITUTION)
    without = without[without[st.REVIEWER] != without["left_out"]]
    without = without.assign(**{st.INSTITUTION: without["variant"]})
    agreed = consensus or {}
    variants_of: dict[str, list[str]] = {}
    for name, (iid, _) in zip(names, left_out, strict=True):
        variants_of.setdefault(iid, []).append(name)
    agreed_without = {(name, ind): value for (iid, ind), value in agreed.items() for name in variants_of.get(iid, ())}

    def info(iid: str) -> InstitutionInfo | None:
        return institutions.get(iid) if institutions is not None else None

    if decided is None:
        base = Scorer(rubric, issued, agreed).institutions(table, order, [info(iid) for iid in order])
        decided = dict(zip(order, base, strict=True))
    scored = Scorer(rubric, issued, agreed_without).institutions(without, names, [info(iid) for iid, _ in left_out])
    return tuple(
        LeaveOneOut(
            institution_id=iid,
            reviewer_id=reviewer,
            decision=decided[iid].decision,
            decision_without=result.decision,
            total=decided[iid].total,
            total_without=result.total,
        )
        for (iid, reviewer), result in zip(left_out, scored, strict=True)
    )
