"""The roster of institutions: id, name, service type and the columns eligibility rules read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcert.errors import InputError, Location, Problem, RosterError
from qualcert.ingest.columns import canonical
from qualcert.ingest.sources import Grid, read_source
from qualcert.scoring.fractions import normalise_text


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str
    service_type: str | None
    attributes: dict[str, str] = field(default_factory=dict)  # every further column, as text ("" when blank)
    location: Location = field(default_factory=Location)


@dataclass(frozen=True)
class Roster:
    file: str | None
    sha256: str | None
    institutions: dict[str, Institution]  # in file order
    columns: tuple[str, ...] = ()  # the further columns (attribute names) as written


def _rows(path: Path, encoding: str | None) -> tuple[str, list[list[str]], Grid | None]:
    source = read_source(path, encoding=encoding)
    if source.frame is not None:
        return source.sha256, [[normalise_text(v) for v in row] for row in source.frame.to_numpy().tolist()], None
    grid = source.grids[0] if source.grids else Grid(source.path, "", [])
    return source.sha256, grid.rows, grid


def read_roster(path: str | Path, *, encoding: str | None = None) -> Roster:
    """Read a roster CSV/xlsx (first sheet). Every problem is collected; RosterError lists them all."""
    path = Path(path)
    file = str(path)
    try:
        sha256, rows, grid = _rows(path, encoding)
    except InputError as exc:
        raise RosterError(exc.problems) from None

    def where(r: int, c: int) -> Location:
        return grid.where(r, c) if grid is not None else Location(file=file, row=r + 1)

    rows = [row for row in rows if any(row)]
    if not rows:
        raise RosterError([Problem("empty-roster", "the roster is empty", Location(file=file))])
    header = rows[0]
    names = [canonical(h) if canonical(h) in ("institution_id", "name", "service_type") else None for h in header]
    problems = [
        Problem("roster-missing-column", f"the roster has no {col} column (header: {', '.join(header)})", where(0, 0))
        for col in ("institution_id", "name")
        if col not in names
    ]
    if problems:
        raise RosterError(problems)
    extra = [(c, h) for c, (h, n) in enumerate(zip(header, names, strict=True)) if n is None and h]
    col = {n: c for c, n in enumerate(names) if n}
    institutions: dict[str, Institution] = {}
    for r, row in enumerate(rows[1:], start=1):
        row = row + [""] * (len(header) - len(row))
        iid = row[col["institution_id"]]
        if not iid:
            problems.append(Problem("roster-blank-id", "institution_id is empty", where(r, col["institution_id"])))
            continue
        if iid in institutions:
            first = institutions[iid].location
            problems.append(
                Problem(
                    "roster-duplicate-id",
                    f"institution {iid} is listed twice (first at {first})",
                    where(r, col["institution_id"]),
                )
            )
            continue
        service = row[col["service_type"]] if "service_type" in col else ""
        institutions[iid] = Institution(
            iid, row[col["name"]], service or None, {h: row[c] for c, h in extra}, where(r, col["institution_id"])
        )
    if problems:
        raise RosterError(problems)
    return Roster(file, sha256, institutions, tuple(h for _, h in extra))
