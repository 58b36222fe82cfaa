"""Raw score rows + rubric (+ roster) → the validated score table, or every problem at once.

Checks run on unique values (stage texts, (indicator, score) pairs, …) and are
mapped back to rows, so a million-row table costs a few vectorised passes. Every
problem has a stable code and names the cell it is about: file!sheet!cell for
workbooks (the labelled cell of a template for its institution, reviewer and
stage), file:row for CSV. A row with one problem is not checked further, so one
mistake gives one message.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from qualcert import scoretable as st
from qualcert.errors import Location, Problem, RosterError
from qualcert.ingest.columns import COMMENT, INDICATOR, INSTITUTION, REVIEWER, SCORE, STAGE, canonical_stage, described
from qualcert.ingest.long_table import ORIGIN, ROW, Coded, RawRows
from qualcert.ingest.roster import Roster
from qualcert.rubric import Rubric
from qualcert.scoring.fractions import IndicatorScale, Parsed, is_na, scales_for

T = TypeVar("T")


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
                f"rubric {rubric.id} has {' and '.join(needs)}: give the roster of institutions with --roster "
                "(qualcert never guesses service types or eligibility)",
                Location(file=rubric.path),
            )
        return
    declared = rubric.service_types
    for inst in roster.institutions.values():
        if inst.service_type is None and (declared or needs):
            yield Problem(
                "roster-service-type",
                f"institution {inst.institution_id} has no service_type (서비스유형)"
                + (f"; one of {', '.join(declared)}" if declared else ""),
                inst.location,
            )
        elif declared and inst.service_type is not None and inst.service_type not in declared:
            yield Problem(
                "roster-service-type",
                f"institution {inst.institution_id}: service type {inst.service_type!r} is not one of "
                f"rubric {rubric.id}'s: {', '.join(declared)}",
                inst.location,
            )
    columns = roster.columns
    for rule in rubric.decision.eligibility:
        if rule.field not in columns:
            yield Problem(
                "roster-missing-column",
                f"the roster has no {rule.field!r} column, which an eligibility rule of rubric {rubric.id} reads",
                Location(file=roster.file),
            )
        elif rule.min is not None or rule.max is not None:
            for inst in roster.institutions.values():
                value = inst.attributes[rule.field]
                if value and not _is_number(value):
                    yield Problem(
                        "roster-not-a-number",
                        f"institution {inst.institution_id}: {rule.field} must be a number, not {value!r}",
                        inst.location,
                    )


def _is_number(text: str) -> bool:
    try:
        return Decimal(text.replace(",", "")).is_finite()
    except InvalidOperation:
        return False


def check_roster(rubric: Rubric, roster: Roster) -> None:
    """Raise RosterError when the roster does not fit the rubric (service types, eligibility columns)."""
    problems = list(roster_problems(rubric, roster))
    if problems:
        raise RosterError(problems)


def _suggest(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _per_pair(a: Coded, b: Coded, rows: np.ndarray, test: Callable[[Any, Any], T]) -> tuple[np.ndarray, list[T]]:
    """``test`` run once per distinct (a, b) pair of ``rows``: (index of each row's pair, result of each pair)."""
    width = max(len(b.uniques), 1)
    inverse, pairs = pd.factorize(a.codes[rows] * width + b.codes[rows])
    return inverse, [test(a.uniques[k // width], b.uniques[k % width]) for k in pairs.tolist()]


class _Checker:
    """Flags rows, one problem per row at most, each at the cell of the field it is about."""

    def __init__(self, raw: RawRows, frame: pd.DataFrame) -> None:
        self.raw, self.frame = raw, frame
        self.bad = np.zeros(len(frame), dtype=bool)
        self.problems: list[Problem] = []
        self._origin = frame[ORIGIN].to_numpy()
        self._row = frame[ROW].to_numpy()
        self._text: dict[str, list[str]] = {}

    def text(self, column: str, i: int) -> str:
        if column not in self._text:
            self._text[column] = self.frame[column].tolist()
        return self._text[column][i]

    def where(self, i: int, field: str) -> Location:
        return self.raw.where(int(self._origin[i]), field, int(self._row[i]))

    def flag(self, mask: np.ndarray, code: str, field: str, message: str | Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask & ~self.bad).tolist():
            self.problems.append(
                Problem(code, message if isinstance(message, str) else message(i), self.where(i, field))
            )
        self.bad |= mask

    def ok(self) -> np.ndarray:
        return np.flatnonzero(~self.bad)

    def failing(self, a: Coded, b: Coded, test: Callable[[Any, Any], bool]) -> np.ndarray:
        """Rows not yet flagged whose (a, b) pair fails ``test`` (run once per distinct pair)."""
        ok = self.ok()
        pair, passed = _per_pair(a, b, ok, test)
        mask = np.zeros(len(self.bad), dtype=bool)
        mask[ok] = ~np.array(passed, dtype=bool)[pair]
        return mask


def validate_scores(raw: RawRows, rubric: Rubric, roster: Roster | None) -> tuple[pd.DataFrame, list[Problem]]:
    """(score table, problems: errors and warnings). The table is only meaningful when no problem is an error."""
    frame = raw.frame()
    check = _Checker(raw, frame)
    column = {c: Coded.of(frame[c].to_numpy()) for c in (INSTITUTION, REVIEWER, STAGE, INDICATOR, SCORE)}

    for field in (INSTITUTION, REVIEWER, STAGE, INDICATOR):
        check.flag(
            column[field].map(lambda text: text == "", bool), "empty-cell", field, f"{described(field)} is empty"
        )

    stages = column[STAGE].derived(lambda text: canonical_stage(text) or "")
    stage_names = stages.map(lambda name: name)
    check.flag(
        stage_names == "",
        "unknown-stage",
        STAGE,
        lambda i: f"stage {check.text(STAGE, i)!r} is neither document (서면) nor onsite (현장)",
    )
    indicators = rubric.indicators
    check.flag(
        column[INDICATOR].map(lambda ind: ind not in indicators, bool),
        "unknown-indicator",
        INDICATOR,
        lambda i: (
            f"rubric {rubric.id} has no indicator {check.text(INDICATOR, i)!r}"
            + _suggest(check.text(INDICATOR, i), indicators)
        ),
    )
    if roster is not None:
        known = roster.institutions
        check.flag(
            column[INSTITUTION].map(lambda iid: iid not in known, bool),
            "unknown-institution",
            INSTITUTION,
            lambda i: (
                f"institution {check.text(INSTITUTION, i)!r} is not in the roster"
                + _suggest(check.text(INSTITUTION, i), known)
            ),
        )

    check.flag(
        check.failing(column[INDICATOR], stages, lambda ind, stg: stg in rubric.stages_of(indicators[ind])),
        "stage-not-allowed",
        INDICATOR,
        lambda i: (
            f"indicator {check.text(INDICATOR, i)} is not scored at the {stage_names[i]} stage "
            f"(only {', '.join(rubric.stages_of(indicators[check.text(INDICATOR, i)]))})"
        ),
    )

    if roster is not None:
        service = {iid: inst.service_type for iid, inst in roster.institutions.items()}
        check.flag(
            check.failing(
                column[INSTITUTION].derived(service.get),  # unknown institutions were flagged before
                column[INDICATOR],
                lambda service_type, ind: rubric.applies(indicators[ind], service_type),
            ),
            "not-applicable",
            INDICATOR,
            lambda i: (
                f"indicator {check.text(INDICATOR, i)} does not apply to institution "
                f"{check.text(INSTITUTION, i)} (service type {service[check.text(INSTITUTION, i)]}); leave it empty"
            ),
        )

    scales = scales_for(rubric)
    ok = check.ok()
    pair, parsed = _per_pair(column[INDICATOR], column[SCORE], ok, lambda ind, text: _parse(scales[ind], text))
    which = np.full(len(frame), -1)  # each row's (indicator, score) pair; -1 (flagged before) takes the extra entry
    which[ok] = pair
    codes = np.array(["" if isinstance(p, Parsed) else p[0] for p in parsed] + [""], dtype=object)[which]
    for code in ("na-not-allowed", "invalid-points", "score-not-in-scale"):
        check.flag(codes == code, code, SCORE, lambda i: str(parsed[which[i]][1]))

    good = check.ok()
    na = np.array([isinstance(p, Parsed) and p.na for p in parsed] + [False], dtype=bool)[which[good]]
    num = np.array([p.num if isinstance(p, Parsed) else 0 for p in parsed] + [0], dtype=np.int64)[which[good]]
    den = column[INDICATOR].map(lambda ind: scales[ind].den if ind in scales else 0, np.int64)
    table = _table(raw, frame, good, stage_names[good], na, num, den[good])
    key = [column[INSTITUTION], column[REVIEWER], stages, column[INDICATOR]]  # st.KEY's columns
    table, duplicates = _merge_duplicates(table, raw, frame, good, key)
    return table, list(roster_problems(rubric, roster)) + check.problems + duplicates


def _parse(scale: IndicatorScale, text: str) -> Parsed | tuple[str, str]:
    """The parsed score, or (problem code, message listing the valid values)."""
    parsed = scale.parse(text)
    if isinstance(parsed, Parsed):
        return parsed
    if is_na(text):
        return "na-not-allowed", parsed
    return ("invalid-points" if scale.step is not None else "score-not-in-scale"), parsed


def _table(
    raw: RawRows,
    frame: pd.DataFrame,
    rows: np.ndarray,
    stages: np.ndarray,
    na: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
) -> pd.DataFrame:
    """The score table of the valid ``rows`` of ``frame``, with file, sheet and score cell from their origins."""
    origins = raw.origins
    origin = frame[ORIGIN].to_numpy()[rows]
    row = frame[ROW].to_numpy()[rows]
    files = np.array([o.file for o in origins], dtype=object)[origin]
    sheets = np.array([o.sheet or "" for o in origins], dtype=object)[origin]
    letters = np.array([o.score_letters for o in origins], dtype=object)[origin]
    indicator = frame[INDICATOR].to_numpy()[rows]
    cells = np.full(len(rows), "", dtype=object)
    on_sheet = letters != ""
    cells[on_sheet] = [f"{a}{r}" for a, r in zip(letters[on_sheet].tolist(), row[on_sheet].tolist(), strict=True)]
    return st.conform(
        pd.DataFrame(
            {
                st.INSTITUTION: frame[INSTITUTION].to_numpy()[rows],
                st.REVIEWER: frame[REVIEWER].to_numpy()[rows],
                st.STAGE: stages,
                st.INDICATOR: indicator,
                st.NA: na,
                st.NUM: num,
                st.DEN: den,
                st.LABEL: frame[SCORE].to_numpy()[rows],
                st.COMMENT: frame[COMMENT].to_numpy()[rows],
                st.FILE: files,
                st.SHEET: sheets,
                st.CELL: cells,
                st.ROW: row,
            }
        )
    )


def _merge_duplicates(
    table: pd.DataFrame, raw: RawRows, frame: pd.DataFrame, rows: np.ndarray, coded: list[Coded]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Identical repeats of one reviewer's score merge (a warning); different ones are an error naming each place.

    ``coded``: the columns of :data:`~qualcert.scoretable.KEY`, coded, over the rows of ``frame``."""
    key = list(st.KEY)
    packed = np.zeros(len(rows), dtype=np.int64)
    for column in coded:  # one integer per key, renumbered at each step so that it stays below the row count
        packed = pd.factorize(packed * max(len(column.uniques), 1) + column.codes[rows])[0]
    repeated = pd.Series(packed).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return table, []
    origin, row = frame[ORIGIN].to_numpy()[rows], frame[ROW].to_numpy()[rows]
    problems = []
    for _, group in table[repeated].groupby(key, sort=False):
        places = [raw.where(int(origin[i]), SCORE, int(row[i])) for i in group.index.tolist()]
        inst, reviewer, stage, indicator = group.iloc[0][key].tolist()
        what = f"reviewer {reviewer} scored indicator {indicator} of {inst} at the {stage} stage {len(group)} times"
        if len(group[[st.NA, st.NUM]].drop_duplicates()) > 1:
            scores = ", ".join(f"{label} at {place}" for label, place in zip(group[st.LABEL], places, strict=True))
            problems.append(Problem("conflicting-score", f"{what}, differently: {scores}", places[0]))
        else:
            where = ", ".join(map(str, places[1:]))
            problems.append(
                Problem("duplicate-score", f"{what}, the same; kept once (also at {where})", places[0], "warning")
            )
    return table.drop_duplicates(key, keep="first").reset_index(drop=True), problems
