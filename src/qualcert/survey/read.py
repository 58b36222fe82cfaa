"""Survey responses in wide form (one row per respondent), and the JSON files a survey run compares with.

Survey tools export one row per respondent: ``institution_id``, ``respondent_id``,
then one column per question, headed by the question id or by its text (when that
text belongs to exactly one question). CSV (UTF-8, UTF-8 with BOM, CP949) and xlsx
are read by :mod:`qualcert.ingest.sources` (encoding sniffing, python-calamine).
Every problem of every file is collected, located at its cell (xlsx) or row (CSV),
and raised at once in a :class:`~qualcert.survey.loader.SurveyError`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from qualcert.errors import InputError, Location, Problem
from qualcert.ingest.columns import INSTITUTION, NAME, SERVICE_TYPE, canonical, header_key
from qualcert.ingest.roster import Roster
from qualcert.ingest.sources import Grid, column_letters, expand, read_source
from qualcert.scoring.fractions import normalise_text
from qualcert.survey.loader import SurveyError
from qualcert.survey.model import Survey

RESPONDENT: Final = "respondent_id"
RESPONDENT_ALIASES: Final = frozenset(
    header_key(a)
    for a in (
        "respondent_id",
        "respondent",
        "respondentid",
        "응답자",
        "응답자id",
        "응답자번호",
        "응답자코드",
        "응답번호",
        "응답id",
        "설문번호",
    )
)
IGNORED_FIELDS: Final = (NAME, SERVICE_TYPE)  # descriptive columns survey tools add; the roster is their source
HEADER_SCAN: Final = 20  # rows searched for the header (a title may stand above it)
_INTEGER: Final = re.compile(r"^[+-]?\d+(?:\.0*)?$")


@dataclass(frozen=True, slots=True)
class Respondent:
    institution_id: str
    respondent_id: str
    answers: tuple[int | None, ...]  # raw answers, one per survey question in survey order; None when missing
    location: Location  # the respondent_id cell (xlsx) or the row (CSV)


@dataclass(frozen=True, slots=True)
class ResponseFile:
    path: str
    sha256: str
    kind: str  # csv | xlsx
    respondents: int


@dataclass(frozen=True)
class Responses:
    respondents: list[Respondent]
    files: list[ResponseFile]
    warnings: list[Problem] = field(default_factory=list)


class AnswerReader:
    """Answer cell text → the scale point, ``None`` (missing), or an error message."""

    def __init__(self, survey: Survey) -> None:
        scale = survey.scale
        self.lo, self.hi = scale.min, scale.max
        self.labels = {header_key(t): scale.min + i for i, t in enumerate(scale.labels or [])}
        self.missing = {header_key(t) for t in survey.missing}
        shown = ", ".join(scale.labels or [])
        tokens = ", ".join([*survey.missing, "blank"])
        self.expected = f"{self.lo}–{self.hi}" + (f" ({shown})" if shown else "") + f", or missing ({tokens})"

    def read(self, text: str) -> int | str | None:
        if not text:
            return None
        key = header_key(text)
        if key in self.missing:
            return None
        if key in self.labels:
            return self.labels[key]
        if _INTEGER.match(key):
            value = int(key.split(".")[0])
            if self.lo <= value <= self.hi:
                return value
        return f"answer {text!r} is not on the scale; expected {self.expected}"


@dataclass
class _Columns:
    institution: int
    respondent: int
    questions: dict[int, int]  # column → question index
    ignored: list[int]


def _header_row(rows: Sequence[Sequence[Any]]) -> int | None:
    for r, row in enumerate(rows[:HEADER_SCAN]):
        texts = [header_key(normalise_text(v)) for v in row]
        if any(t in RESPONDENT_ALIASES for t in texts) and any(canonical(t) == INSTITUTION for t in texts if t):
            return r
    return None


def _map_columns(grid: Grid, r: int, survey: Survey, problems: list[Problem]) -> _Columns | None:
    """Which column holds what; a column that names nothing we know is a problem, never skipped."""
    by_id = {header_key(q.id): i for i, q in enumerate(survey.questions)}
    by_text: dict[str, list[int]] = {}
    for i, q in enumerate(survey.questions):
        by_text.setdefault(header_key(q.text), []).append(i)
    header = grid.rows[r]
    fixed: dict[str, int] = {}
    questions: dict[int, int] = {}
    taken: dict[int, int] = {}
    ignored: list[int] = []
    for c, value in enumerate(header):
        text = normalise_text(value)
        key = header_key(text)
        where = grid.where(r, c)
        if not key:
            if any(normalise_text(row[c]) for row in grid.rows[r + 1 :] if c < len(row)):
                problems.append(
                    Problem("unnamed-column", f"column {column_letters(c)} has answers but no header", where)
                )
            continue
        field_ = RESPONDENT if key in RESPONDENT_ALIASES else canonical(text)
        if field_ in (INSTITUTION, RESPONDENT):
            if field_ in fixed:
                message = f"two columns are {field_} ({column_letters(fixed[field_])} and {column_letters(c)})"
                problems.append(Problem("duplicate-column", message, where))
            else:
                fixed[field_] = c
            continue
        if key in by_id:
            index: int | None = by_id[key]
        elif len(by_text.get(key, [])) == 1:
            index = by_text[key][0]
        elif key in by_text:
            ids = ", ".join(survey.questions[i].id for i in by_text[key])
            message = f"the header {text!r} is the text of several questions ({ids}); head the column with the id"
            problems.append(Problem("ambiguous-question", message, where))
            continue
        elif field_ in IGNORED_FIELDS:
            ignored.append(c)
            continue
        else:
            index = None
        if index is None:
            known = [q.id for q in survey.questions] + [q.text for q in survey.questions]
            close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {close[0]!r}?" if close else f"; the survey's questions are {survey.questions[0].id}…"
            )
            problems.append(
                Problem("unknown-question", f"the column {text!r} is not a question of the survey{hint}", where)
            )
            continue
        if index in taken:
            message = f"two columns answer question {survey.questions[index].id} ({column_letters(taken[index])} and "
            problems.append(Problem("duplicate-column", message + f"{column_letters(c)})", where))
            continue
        taken[index] = c
        questions[c] = index
    head = Location(file=grid.file, sheet=grid.sheet, row=r + 1) if grid.sheet is None else grid.where(r, 0)
    for name in (INSTITUTION, RESPONDENT):
        if name not in fixed:
            problems.append(Problem("missing-column", f"no {name} column in the header row", head))
    absent = [q.id for i, q in enumerate(survey.questions) if i not in taken]
    if absent:
        message = f"no column for the question{'s' if len(absent) > 1 else ''} {', '.join(absent)}"
        problems.append(Problem("missing-question", message, head))
    if INSTITUTION not in fixed or RESPONDENT not in fixed:
        return None
    return _Columns(fixed[INSTITUTION], fixed[RESPONDENT], questions, ignored)


class _Reader:
    def __init__(self, survey: Survey, roster: Roster | None) -> None:
        self.survey, self.roster = survey, roster
        self.answers = AnswerReader(survey)
        self.problems: list[Problem] = []
        self.respondents: list[Respondent] = []
        self.seen: dict[tuple[str, str], Location] = {}
        self.unknown: dict[str, list[Location]] = {}

    def grid(self, grid: Grid) -> int:
        r = _header_row(grid.rows)
        if r is None:
            return -1
        columns = _map_columns(grid, r, self.survey, self.problems)
        if columns is None:
            return 0
        count = 0
        n = len(self.survey.questions)
        for row_index in range(r + 1, len(grid.rows)):
            row = grid.rows[row_index]
            texts = [normalise_text(v) for v in row]
            if not any(texts[c] for c in range(len(texts)) if c not in columns.ignored):
                continue
            texts += [""] * (len(grid.rows[r]) - len(texts))
            iid, rid = texts[columns.institution], texts[columns.respondent]
            where = grid.where(row_index, columns.respondent)
            answers: list[int | None] = [None] * n
            bad = False
            for c, q in columns.questions.items():
                text = texts[c]
                if not text and (blank := grid.blank_problem(row_index, c)) is not None:
                    self.problems.append(blank)
                    bad = True
                    continue
                value = self.answers.read(text)
                if isinstance(value, str):
                    message = f"{self.survey.questions[q].id}: {value}"
                    self.problems.append(Problem("answer-not-in-scale", message, grid.where(row_index, c)))
                    bad = True
                else:
                    answers[q] = value
            if not iid:
                where_id = grid.where(row_index, columns.institution)
                self.problems.append(Problem("blank-institution", f"{INSTITUTION} is empty", where_id))
                continue
            if not rid:
                self.problems.append(Problem("blank-respondent", f"{RESPONDENT} is empty", where))
                continue
            if self.roster is not None and iid not in self.roster.institutions:
                self.unknown.setdefault(iid, []).append(grid.where(row_index, columns.institution))
            first = self.seen.get((iid, rid))
            if first is not None:
                message = f"respondent {rid} of institution {iid} appears twice (first at {first})"
                self.problems.append(Problem("duplicate-respondent", message, where))
                continue
            self.seen[(iid, rid)] = where
            count += 1
            if not bad:
                self.respondents.append(Respondent(iid, rid, tuple(answers), where))
        return count

    def finish(self) -> None:
        for iid, places in self.unknown.items():
            more = f" ({len(places)} respondents)" if len(places) > 1 else ""
            message = f"institution {iid} is not in the roster{more}"
            self.problems.append(Problem("unknown-institution", message, places[0]))


def _reading_order(problem: Problem) -> tuple[str, str, int, int]:
    where = problem.location
    cell = where.cell or ""
    letters = cell.rstrip("0123456789")
    row = int(cell[len(letters) :]) if cell[len(letters) :] else where.row or where.line or 0
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return (where.file or "", where.sheet or "", row, col)


def read_responses(
    paths: Sequence[str | Path], survey: Survey, roster: Roster | None = None, *, encoding: str | None = None
) -> Responses:
    """Read and validate response files (folders expand to the files inside). Raises SurveyError listing all."""
    reader = _Reader(survey, roster)
    files: list[ResponseFile] = []
    first_of: dict[str, str] = {}
    warnings: list[Problem] = []
    expanded, empty = expand(paths)
    reader.problems += [
        Problem("no-input", "no .xlsx or .csv file in this folder", Location(file=str(f))) for f in empty
    ]
    for path in expanded:
        try:
            source = read_source(path, encoding=encoding)
        except InputError as exc:
            reader.problems += exc.problems
            continue
        if source.sha256 in first_of:
            message = f"the same content as {first_of[source.sha256]}; read once"
            warnings.append(Problem("duplicate-file", message, Location(file=source.path), "warning"))
            continue
        first_of[source.sha256] = source.path
        grids = (
            [Grid(source.path, None, source.frame.to_numpy().tolist())] if source.frame is not None else source.grids
        )
        counts = [reader.grid(g) for g in grids if not g.hidden]
        if all(c < 0 for c in counts):
            message = f"no header row with {INSTITUTION} and {RESPONDENT} (응답자) in the first {HEADER_SCAN} rows"
            reader.problems.append(Problem("missing-column", message, Location(file=source.path)))
        files.append(ResponseFile(source.path, source.sha256, source.kind, sum(c for c in counts if c > 0)))
    reader.finish()
    problems = sorted(reader.problems, key=_reading_order)
    if not problems and not reader.respondents:
        problems.append(
            Problem("no-responses", "no respondent in the inputs", Location(file=", ".join(map(str, paths))))
        )
    if problems:
        raise SurveyError([*problems, *warnings])
    return Responses(reader.respondents, files, warnings)


# -- the JSON files a run compares with ----------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """Last year's survey results (a ``qualcert survey --json`` file): indices by institution and group."""

    file: str
    institutions: dict[str, Decimal | None]
    groups: dict[str, Decimal | None]
    overall: Decimal | None


def _load_json(path: Path, what: str) -> Any:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SurveyError([Problem("not-found", f"no such {what} file", Location(file=file))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyError([Problem("unreadable", f"cannot read the {what}: {exc}", Location(file=file))]) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        where = Location(file=file, line=exc.lineno, col=exc.colno)
        raise SurveyError([Problem("bad-json", f"not valid JSON: {exc.msg}", where)]) from None


def _number(value: Any) -> Decimal | str | None:
    if value is None:
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return f"must be a number or null, not {value!r}"


def _entries(
    data: Any, section: str, key: str, value_key: str, file: str, problems: list[Problem], required: bool = True
) -> dict[str, Decimal | None]:
    found: dict[str, Decimal | None] = {}
    entries = data.get(section) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        if required or (isinstance(data, dict) and section in data):
            problems.append(Problem("bad-json", f"{section}: expected a list of objects", Location(file=file)))
        return found
    for i, entry in enumerate(entries):
        where = Location(file=file)
        if not isinstance(entry, dict) or not isinstance(entry.get(key), str) or value_key not in entry:
            problems.append(Problem("bad-json", f"{section}[{i}]: expected {key!r} (text) and {value_key!r}", where))
            continue
        value = _number(entry[value_key])
        if isinstance(value, str):
            problems.append(Problem("bad-json", f"{section}[{i}].{value_key}: {value}", where))
        else:
            found[entry[key]] = value
    return found


def read_operational(path: Path) -> dict[str, Decimal | None]:
    """Operational quality (운영품질) per institution: ``institutions[].total`` of a ``qualcert score --json`` file."""
    data = _load_json(path, "operational results")
    problems: list[Problem] = []
    totals = _entries(data, "institutions", "institution_id", "total", str(path), problems)
    if problems:
        raise SurveyError(problems)
    return totals


def read_baseline(path: Path) -> Baseline:
    """Last year's ``qualcert survey --json`` file: ``institutions[].index``, ``groups[].index``, ``overall.index``."""
    file = str(path)
    data = _load_json(path, "baseline")
    problems: list[Problem] = []
    institutions = _entries(data, "institutions", "institution_id", "index", file, problems)
    groups = _entries(data, "groups", "group", "index", file, problems, required=False)
    overall = data.get("overall") if isinstance(data, dict) else None
    value = _number(overall.get("index")) if isinstance(overall, dict) else None
    if isinstance(value, str):
        problems.append(Problem("bad-json", f"overall.index: {value}", Location(file=file)))
        value = None
    if problems:
        raise SurveyError(problems)
    return Baseline(file, institutions, groups, value)
