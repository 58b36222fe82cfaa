"""Raw score rows + rubric (+ roster) → the validated score table, or every problem at once.

Checks run on unique values (indicator ids, (indicator, score text) pairs, …) and
are mapped back to rows, so a million-row table costs a few vectorised passes.
Each problem has a stable code and names its file and sheet cell (or CSV row).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from qualcert import scoretable as st
from qualcert.errors import Location, Problem
from qualcert.ingest.columns import canonical_stage
from qualcert.ingest.roster import Roster
from qualcert.rubric import Rubric
from qualcert.scoring.fractions import Parsed, scales_for

COLUMN_LABELS = {
    "institution_id": "institution_id (기관코드)",
    "reviewer_id": "reviewer_id (심사위원)",
    "stage": "stage (단계)",
    "indicator_id": "indicator_id (지표)",
    "score": "score (점수)",
}


def _where(raw: pd.DataFrame, i: int) -> Location:
    """The place of raw row ``i`` (by label): file!sheet!cell for workbooks, file:row for CSV."""
    file, sheet, cell, row = (raw.at[i, c] for c in ("file", "sheet", "cell", "row"))
    if sheet:
        return Location(file=str(file), sheet=str(sheet), cell=str(cell) or None, row=int(str(row)))
    return Location(file=str(file), row=int(str(row)))


def roster_problems(rubric: Rubric, roster: Roster | None) -> Iterator[Problem]:
    """What the rubric needs from the roster and does not get."""
    needs = [
        what
        for what, wanted in (
            ("eligibility rules", bool(rubric.decision.eligibility)),
            ("indicators limited to some service types", any(i.applies_to for i in rubric.indicators.values())),
        )
        if wanted
    ]
    if roster is None:
        if needs:
            yield Problem(
                "roster-required",
                f"rubric {rubric.id} has {' and '.join(needs)}: give the roster of "
                "institutions with --roster (qualcert never guesses service types or eligibility)",
                Location(file=rubric.path),
            )
        return
    declared = set(rubric.service_types)
    for inst in roster.institutions.values():
        if inst.service_type is None and (declared or needs):
            yield Problem(
                "roster-service-type", f"institution {inst.institution_id} has no service_type", inst.location
            )
        elif declared and inst.service_type is not None and inst.service_type not in declared:
            yield Problem(
                "roster-service-type",
                f"institution {inst.institution_id}: service type "
                f"{inst.service_type!r} is not one of {', '.join(rubric.service_types)}",
                inst.location,
            )
    for rule in rubric.decision.eligibility:
        if rule.field not in roster.columns:
            yield Problem(
                "roster-missing-column",
                f"the roster has no {rule.field!r} column, which an eligibility rule of the rubric reads",
                Location(file=roster.file),
            )
            continue
        if rule.one_of is not None:
            continue
        for inst in roster.institutions.values():
            value = inst.attributes.get(rule.field, "")
            try:
                Decimal(value.replace(",", "")) if value else None
            except InvalidOperation:
                yield Problem(
                    "roster-not-a-number",
                    f"institution {inst.institution_id}: {rule.field} must be a number, got {value!r}",
                    inst.location,
                )


def _suggest(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def validate_scores(
    raw: pd.DataFrame, rubric: Rubric, roster: Roster | None
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """(score table, errors, warnings). The table is only meaningful when there are no errors."""
    raw = raw.reset_index(drop=True)
    errors: list[Problem] = list(roster_problems(rubric, roster))
    text: dict[str, list[str]] = {c: raw[c].astype("str").tolist() for c in ("institution_id", "stage", "indicator_id")}
    warnings: list[Problem] = []
    bad = np.zeros(len(raw), dtype=bool)

    def flag(mask: np.ndarray, code: str, message: str | None = None, *, per_row: dict[int, str] | None = None) -> None:
        for i in np.flatnonzero(mask & ~bad).tolist():
            errors.append(Problem(code, per_row[i] if per_row else message or code, _where(raw, i)))
        bad[mask] = True

    for column in ("institution_id", "reviewer_id", "stage", "indicator_id", "score"):
        flag((raw[column] == "").to_numpy(), "empty-cell", f"{COLUMN_LABELS[column]} is empty")

    canonical = {text: canonical_stage(text) or "" for text in raw["stage"].unique()}
    stages = raw["stage"].map(canonical).astype("str")
    unknown_stage = ((stages == "") & (raw["stage"] != "")).to_numpy()
    flag(
        unknown_stage,
        "unknown-stage",
        per_row={
            i: f"stage {text['stage'][i]!r} is not document/onsite (서면/현장)"
            for i in np.flatnonzero(unknown_stage).tolist()
        },
    )
    raw["stage"] = stages

    known = list(rubric.indicators)
    unknown = (~raw["indicator_id"].isin(known)).to_numpy() & (raw["indicator_id"] != "").to_numpy()
    flag(
        unknown,
        "unknown-indicator",
        per_row={
            i: f"unknown indicator {text['indicator_id'][i]!r}{_suggest(text['indicator_id'][i], known)}"
            for i in np.flatnonzero(unknown & ~bad).tolist()
        },
    )

    if roster is not None:
        ids = list(roster.institutions)
        stranger = (~raw["institution_id"].isin(ids)).to_numpy() & (raw["institution_id"] != "").to_numpy()
        flag(
            stranger,
            "unknown-institution",
            per_row={
                i: f"institution {text['institution_id'][i]!r} is not in the roster"
                for i in np.flatnonzero(stranger).tolist()
            },
        )

    ok = ~bad
    pairs = raw.loc[ok, ["indicator_id", "stage"]].drop_duplicates()
    wrong_stage = {
        (ind, stg) for ind, stg in pairs.itertuples(index=False) if stg not in rubric.stages_of(rubric.indicators[ind])
    }
    if wrong_stage:
        mask = ok & pd.Series(list(zip(raw["indicator_id"], raw["stage"], strict=True))).isin(wrong_stage).to_numpy()
        flag(
            mask,
            "wrong-stage",
            per_row={
                i: f"indicator {text['indicator_id'][i]} is not scored at the {text['stage'][i]} stage "
                f"(only {', '.join(rubric.stages_of(rubric.indicators[text['indicator_id'][i]]))})"
                for i in np.flatnonzero(mask).tolist()
            },
        )

    if roster is not None:
        ok = ~bad
        pairs = raw.loc[ok, ["institution_id", "indicator_id"]].drop_duplicates()
        outside = {
            (iid, ind)
            for iid, ind in pairs.itertuples(index=False)
            if not rubric.applies(rubric.indicators[ind], roster.institutions[iid].service_type)
        }
        if outside:
            mask = (
                ok
                & pd.Series(list(zip(raw["institution_id"], raw["indicator_id"], strict=True))).isin(outside).to_numpy()
            )
            flag(
                mask,
                "not-applicable",
                per_row={
                    i: f"indicator {text['indicator_id'][i]} does not apply to institution "
                    f"{text['institution_id'][i]} ({roster.institutions[text['institution_id'][i]].service_type})"
                    for i in np.flatnonzero(mask).tolist()
                },
            )

    scales = scales_for(rubric)
    ok = ~bad
    parsed: dict[tuple[str, str], Parsed | str] = {
        (ind, text): scales[ind].parse(text)
        for ind, text in raw.loc[ok, ["indicator_id", "score"]].drop_duplicates().itertuples(index=False)
    }
    keys = list(zip(raw["indicator_id"], raw["score"], strict=True))
    results = [parsed.get(k) for k in keys]
    invalid = ok & np.array([isinstance(r, str) for r in results], dtype=bool)
    flag(invalid, "invalid-score", per_row={i: str(results[i]) for i in np.flatnonzero(invalid).tolist()})

    good = raw.loc[~bad].copy()
    values = [results[i] for i in np.flatnonzero(~bad)]
    good[st.NA] = [v.na for v in values]  # type: ignore[union-attr]
    good[st.NUM] = [v.num for v in values]  # type: ignore[union-attr]
    good[st.DEN] = good["indicator_id"].map({k: s.den for k, s in scales.items()}).astype("int64")
    good = good.rename(columns={"score": st.LABEL})
    table, dup_errors, dup_warnings = _duplicates(good)
    return table, errors + dup_errors, warnings + dup_warnings


def _duplicates(good: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Merge identical repeats of one reviewer's score (a warning); different repeats are an error."""
    key = list(st.KEY)
    repeated = good.duplicated(key, keep=False)
    if not repeated.any():
        return st.conform(good), [], []
    errors, warnings = [], []
    for _, group in good[repeated].groupby(key, sort=False):
        where = ", ".join(str(_where(group, i)) for i in group.index)
        inst, reviewer, stage, indicator = (group.iloc[0][c] for c in key)
        what = f"reviewer {reviewer} scored indicator {indicator} of {inst} at the {stage} stage"
        first = _where(group, group.index[0])
        if group[[st.NA, st.NUM]].drop_duplicates().shape[0] > 1:
            values = ", ".join(group[st.LABEL].tolist())
            errors.append(
                Problem(
                    "conflicting-scores",
                    f"{what} {len(group)} times with different scores ({values}) at {where}",
                    first,
                )
            )
        else:
            warnings.append(
                Problem(
                    "duplicate-score",
                    f"{what} {len(group)} times with the same score; kept once ({where})",
                    first,
                    "warning",
                )
            )
    return st.conform(good.drop_duplicates(key, keep="first")), errors, warnings
