"""Consensus values (합의) read back from the disagreement sheet or a CSV with the same columns.

Columns (English or Korean): institution_id (기관코드), indicator_id (지표), agreed (합의 점수),
rationale (근거), settled_by (합의자). A row whose agreed cell is empty is not settled and is
skipped. Every agreed value is checked against the indicator's scale, and who settled it and
why must be on record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from qualcert.errors import InputError, Location, Problem
from qualcert.ingest.columns import header_key
from qualcert.ingest.roster import Institution
from qualcert.ingest.sources import Grid, read_source
from qualcert.results import Consensus
from qualcert.rubric import Rubric
from qualcert.scoring.fractions import Parsed, normalise_text, scales_for

COLUMNS = {
    "institution_id": {"institution_id", "institution", "기관코드", "기관id"},
    "indicator_id": {"indicator_id", "indicator", "지표", "지표코드"},
    "agreed": {"agreed", "agreedscore", "consensus", "합의점수", "합의값", "합의"},
    "rationale": {"rationale", "근거", "합의근거"},
    "settled_by": {"settled_by", "settledby", "합의자", "확인자"},
}
SHEET_NAMES = ("불일치", "Disagreements")


def _grid(path: Path, encoding: str | None) -> Grid:
    source = read_source(path, encoding=encoding)
    if source.frame is not None:
        return Grid(source.path, None, source.frame.to_numpy().tolist())
    named = [g for g in source.grids if g.sheet in SHEET_NAMES]
    return (named or source.grids)[0]


def read_consensus(
    path: str | Path,
    rubric: Rubric,
    institutions: Mapping[str, Institution | None] | Iterable[str],
    *,
    encoding: str | None = None,
) -> dict[tuple[str, str], Consensus]:
    """Agreed values by (institution, indicator); InputError listing every problem."""
    grid = _grid(Path(path), encoding)
    known = dict(institutions) if isinstance(institutions, Mapping) else dict.fromkeys(institutions)
    scales = scales_for(rubric)
    problems: list[Problem] = []
    head = next(
        (r for r, row in enumerate(grid.rows) if {"institution_id", "indicator_id", "agreed"} <= _columns(row).keys()),
        None,
    )
    if head is None:
        raise InputError(
            [
                Problem(
                    "consensus-columns",
                    "no header row with institution_id (기관코드), indicator_id (지표) and agreed (합의 점수) columns",
                    Location(file=grid.file, sheet=grid.sheet),
                )
            ]
        )
    col = _columns(grid.rows[head])
    agreed: dict[tuple[str, str], Consensus] = {}
    for r in range(head + 1, len(grid.rows)):
        row = [normalise_text(v) for v in grid.rows[r]]
        cell = {k: row[c] if c < len(row) else "" for k, c in col.items()}
        if not cell["agreed"]:
            continue
        where = grid.where(r, col["agreed"])
        iid, ind = cell["institution_id"], cell["indicator_id"]
        found = len(problems)
        if iid not in known:
            problems.append(Problem("consensus-institution", f"unknown institution {iid!r}", where))
        if ind not in rubric.indicators:
            problems.append(Problem("consensus-indicator", f"unknown indicator {ind!r}", where))
        elif iid in known:
            info = known[iid]
            if not rubric.applies(rubric.indicators[ind], info.service_type if info else None):
                problems.append(Problem("consensus-not-applicable", f"indicator {ind} does not apply to {iid}", where))
        for field in ("rationale", "settled_by"):
            if not cell.get(field):
                problems.append(
                    Problem(
                        "consensus-unrecorded",
                        f"{iid} {ind}: the agreed value needs its {field} (근거 / 합의자) on record",
                        where,
                    )
                )
        if (iid, ind) in agreed:
            problems.append(
                Problem("consensus-twice", f"{iid} {ind} is settled twice (first at {agreed[iid, ind].where})", where)
            )
        if len(problems) > found or ind not in scales:
            continue
        parsed = scales[ind].parse(cell["agreed"])
        if not isinstance(parsed, Parsed):
            problems.append(Problem("consensus-value", parsed, where))
            continue
        agreed[iid, ind] = Consensus(
            cell["agreed"],
            parsed.na,
            scales[ind].fraction(parsed.num),
            cell["rationale"],
            cell["settled_by"],
            str(where),
            False,
            None,
        )
    if problems:
        raise InputError(problems)
    return agreed


def _columns(row: Sequence[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c, value in enumerate(row):
        key = header_key(normalise_text(value))
        name = next((k for k, aliases in COLUMNS.items() if key in aliases or key.split("/")[0] in aliases), None)
        if name and name not in found:
            found[name] = c
    return found
