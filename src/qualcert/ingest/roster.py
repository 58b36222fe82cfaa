"""The roster of institutions (CSV or xlsx): id, name, service type, and the columns eligibility rules read.

The header row is found by its labels (institution_id or 기관코드, name or 기관명,
service_type or 서비스유형); every further column becomes an attribute, named as
written. Every problem is collected; :class:`RosterError` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qualcert.errors import InputError, Location, Problem, RosterError
from qualcert.ingest.columns import INSTITUTION, NAME, ROSTER_FIELDS, SERVICE_TYPE, described
from qualcert.ingest.long_table import duplicate_columns, find_header, missing_columns
from qualcert.ingest.sources import Grid, read_source
from qualcert.scoring.fractions import normalise_text


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str
    service_type: str | None
    attributes: dict[str, str] = field(default_factory=dict)  # every further column, normalised text ("" when blank)
    location: Location = field(default_factory=Location)  # the cell (xlsx) or row (CSV) of its id


@dataclass(frozen=True)
class Roster:
    file: str | None
    sha256: str | None
    institutions: dict[str, Institution]  # in file order

    @property
    def columns(self) -> tuple[str, ...]:
        """The further columns (attribute names), as written."""
        first = next(iter(self.institutions.values()), None)
        return tuple(first.attributes) if first is not None else ()


def read_roster(path: str | Path, *, encoding: str | None = None) -> Roster:
    """Read a roster CSV/xlsx (the first sheet with a roster header). Raises RosterError listing every problem."""
    try:
        source = read_source(Path(path), encoding=encoding)
    except InputError as exc:
        raise RosterError(exc.problems) from None
    grids = [Grid(source.path, None, source.frame.to_numpy().tolist())] if source.frame is not None else source.grids
    found = next(((g, h) for g in grids if (h := find_header(g.rows, (INSTITUTION, NAME))) is not None), None)
    if found is None:
        rows = grids[0].rows if grids else []
        first = next((r for r, row in enumerate(rows) if any(normalise_text(v) for v in row)), 0)
        head = rows[first] if rows else []
        where = Location(file=source.path, row=first + 1)
        raise RosterError(
            [missing_columns(head, [INSTITUTION, NAME], where, code="roster-missing-column", expected=ROSTER_FIELDS)]
        )
    grid, header = found
    header_row = grid.rows[header.row]
    fixed = {f: c for f, c in header.columns.items() if f in ROSTER_FIELDS}
    extra = [(c, normalise_text(v)) for c, v in enumerate(header_row) if c not in fixed.values() and normalise_text(v)]
    duplicates = {f: texts for f, texts in header.duplicates.items() if f in ROSTER_FIELDS}
    names = [name for _, name in extra]
    duplicates |= {name: [name] * names.count(name) for name in names if names.count(name) > 1}
    where = grid.where(header.row, 0)
    problems = [duplicate_columns(duplicates, where, "roster-duplicate-column")] if duplicates else []
    id_col = fixed[INSTITUTION]
    institutions: dict[str, Institution] = {}
    for r in range(header.row + 1, len(grid.rows)):
        row = [normalise_text(v) for v in grid.rows[r]]
        row += [""] * (len(header_row) - len(row))
        if not any(row):
            continue
        blanks = [b for c, v in enumerate(row) if not v and (b := grid.blank_problem(r, c)) is not None]
        if blanks:
            problems += blanks
            continue
        where = grid.where(r, id_col)
        iid = row[id_col]
        if not iid:
            problems.append(Problem("roster-blank-id", f"{described(INSTITUTION)} is empty", where))
        elif iid in institutions:
            seen = institutions[iid].location
            problems.append(
                Problem("roster-duplicate-id", f"institution {iid} is listed twice (first at {seen})", where)
            )
        else:
            service = row[fixed[SERVICE_TYPE]] if SERVICE_TYPE in fixed else ""
            attributes = {name: row[c] for c, name in extra}
            institutions[iid] = Institution(iid, row[fixed[NAME]], service or None, attributes, where)
    if not institutions and not problems:
        problems.append(Problem("empty-roster", "the roster lists no institutions", Location(file=source.path)))
    if problems:
        raise RosterError(problems)
    return Roster(source.path, source.sha256, institutions)
