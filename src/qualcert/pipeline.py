"""Library verbs that the command line wraps: each takes paths/options and returns results.

No printing and no exiting here; errors are raised as :class:`~qualcert.errors.QualcertError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcert import __version__
from qualcert.errors import InputError, Location, Problem, RubricError
from qualcert.numeric import exact, fmt
from qualcert.rubric import Rubric, load_rubric

if TYPE_CHECKING:  # pandas-backed modules load only when a command needs them (fast --help and validate)
    from qualcert.agreement import Agreement
    from qualcert.ingest import Roster
    from qualcert.ingest.reading import InputFile, Progress
    from qualcert.registry import PreviousCycle
    from qualcert.results import Results


@dataclass(frozen=True)
class RubricReport:
    """The outcome of validating one rubric file."""

    file: str
    rubric: Rubric | None
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        if self.rubric is None:
            return f"{self.file}: invalid ({len(self.problems)} problems)"
        c = self.rubric.counts()
        return (
            f"{self.file}: {self.rubric.id} v{self.rubric.version} — {c['domains']} domains, "
            f"{c['items']} items, {c['indicators']} indicators, {fmt(exact(c['points']), self.rubric.precision)} points"
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "valid": self.rubric is not None}
        if self.rubric is not None:
            c = self.rubric.counts()
            data |= {
                "id": self.rubric.id,
                "version": self.rubric.version,
                "sha256": self.rubric.sha256,
                "domains": c["domains"],
                "items": c["items"],
                "indicators": c["indicators"],
                "points": float(c["points"]),
            }
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


def validate_rubrics(paths: Iterable[str | Path]) -> list[RubricReport]:
    """Validate each rubric file independently, collecting every problem of each."""
    reports = []
    for path in paths:
        try:
            reports.append(RubricReport(str(path), load_rubric(path)))
        except RubricError as exc:
            reports.append(RubricReport(str(path), None, exc.problems))
    return reports


@dataclass(frozen=True)
class CohortRequest:
    """Apply the cohort rules (DOMAIN.md §8.2) against the previous cycle: a `score --json` file, else the register."""

    previous: Path | None = None  # the previous cycle's `score --json`; None: the register
    db: str | None = None  # the register (a path or URL; None: $QUALCERT_DB, else the user data folder)
    new_register_ok: bool = False  # --record will create the register: none yet means no previous cycle yet

    @property
    def source(self) -> str:
        """What the run's options record: the previous file, or "register" (never a URL: it may hold a password)."""
        return "register" if self.previous is None else str(self.previous)


@dataclass(frozen=True)
class ScoreOptions:
    """Everything a scoring run depends on besides its files (recorded in the outputs)."""

    issued: date
    encoding: str | None = None
    sheet: str | None = None
    consensus: Path | None = None  # agreed values that replace the reviewers' aggregate (합의)
    agreement: bool = True  # reviewer agreement of the same scores beside the results (cheap without the two below)
    bootstrap: int = 0  # resamples for the agreement's confidence intervals (0: none)
    seed: int = 0
    leave_one_out: bool = False  # would any institution's decision change without one of its reviewers
    cohort: CohortRequest | None = None  # the cohort rules against the previous cycle (graded rubrics only)


def _inputs(files: Sequence[InputFile]) -> list[dict[str, Any]]:
    """The files read, for the outputs' provenance (a flat dataclass: asdict's deep copy took 0.2 s for 12,000)."""
    return [dict(vars(f)) for f in files]


def load_inputs(
    rubric_path: str | Path, roster_path: str | Path | None, *, encoding: str | None = None
) -> tuple[Rubric, Roster | None]:
    """The rubric and roster, with the problems of both reported together."""
    from qualcert.ingest import read_roster

    problems: list[Problem] = []
    rubric = roster = None
    try:
        rubric = load_rubric(rubric_path)
    except InputError as exc:
        problems += exc.problems
    if roster_path is not None:
        try:
            roster = read_roster(roster_path, encoding=encoding)
        except InputError as exc:
            problems += exc.problems
    if problems or rubric is None:
        raise InputError(problems)
    return rubric, roster


def run_score(
    rubric_path: str | Path,
    inputs: Sequence[str | Path],
    *,
    roster_path: str | Path | None = None,
    options: ScoreOptions,
    progress: Progress | None = None,
) -> Results:
    """Load, validate and score: the whole `qualcert score` job without its outputs.

    ``progress(done, total)`` follows the reading of the score files, the long part. With
    ``options.agreement`` the results carry the agreement statistics of the same scores
    (:func:`qualcert.agreement.compute_agreement`, as `qualcert agreement` computes them).
    """
    from qualcert.ingest import load_scores
    from qualcert.scoring.engine import score

    rubric, roster = load_inputs(rubric_path, roster_path, encoding=options.encoding)
    problems: list[Problem] = []  # the previous cycle's problems are reported with the score files' ones
    previous = None
    if options.cohort is not None:
        try:
            previous = load_previous_cycle(rubric, options.issued, options.cohort)
        except InputError as exc:
            problems += exc.problems
    try:
        data = load_scores(inputs, rubric, roster, encoding=options.encoding, sheet=options.sheet, progress=progress)
    except InputError as exc:
        if problems:
            raise InputError([*problems, *exc.problems]) from None
        raise
    if problems:
        raise InputError(problems)
    agreed = None
    if options.consensus is not None:
        from qualcert.consensus import read_consensus

        ids = roster.institutions if roster else sorted(set(data.table["institution_id"]))
        agreed = read_consensus(options.consensus, rubric, ids, encoding=options.encoding)
    institutions = roster.institutions if roster else None
    results = score(
        rubric,
        data.table,
        issued=options.issued,
        institutions=institutions,
        problems=data.warnings,
        inputs=_inputs(data.files),
        roster=None
        if roster is None
        else {"path": roster.file, "sha256": roster.sha256, "institutions": len(roster.institutions)},
        run={
            "qualcert": __version__,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rubric_path": str(rubric_path),
            "options": {
                "issued": options.issued.isoformat(),
                "encoding": options.encoding,
                "sheet": options.sheet,
                "consensus": None if options.consensus is None else str(options.consensus),
                "agreement": options.agreement,
                "bootstrap": options.bootstrap,
                "seed": options.seed,
                "leave_one_out": options.leave_one_out,
                "cohort": None if options.cohort is None else options.cohort.source,
            },
        },
        consensus=agreed,
    )
    if options.agreement:
        from qualcert.agreement import BootstrapPlan, compute_agreement

        agreement = compute_agreement(
            rubric,
            data.table,
            institutions=institutions,
            plan=BootstrapPlan(replicates=options.bootstrap, seed=options.seed),
            issued=options.issued,
            reviewers_out=options.leave_one_out,
            consensus=agreed,
            decided={i.institution_id: i for i in results.institutions},
        )
        results = replace(results, agreement=agreement)
    if previous is not None:
        from qualcert.registry import compute_cohort, this_cycle

        cohort = compute_cohort(this_cycle(results), previous.priors, previous_source=previous.source)
        results = replace(results, cohort=cohort)
    return results


def load_previous_cycle(rubric: Rubric, issued: date, request: CohortRequest) -> PreviousCycle:
    """The previous cycle for the cohort rules, checked before anything is scored or written.

    The rules rank graded evaluations (repeated lowest grade, consulting by grade), so a rubric
    without grade bands is refused rather than given half a cohort. A previous file must be a
    `score --json` of the same rubric id issued before this run; the register is only read.
    """
    from qualcert.registry import previous_from_file, previous_from_register

    problems: list[Problem] = []
    if not rubric.decision.grades:
        problems.append(
            Problem(
                "cohort-needs-grades",
                f"rubric {rubric.id} has no grade bands (decision.grades), and the cohort rules need them "
                "(repeated lowest grade, consulting by grade); leave out --cohort and --previous for it",
                Location(file=rubric.path),
            )
        )
    try:
        if request.previous is not None:
            previous = previous_from_file(request.previous, rubric_id=rubric.id, before=issued)
        else:
            previous = previous_from_register(
                request.db, rubric_id=rubric.id, before=issued, missing_ok=request.new_register_ok
            )
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    return previous


def run_agreement(
    rubric_path: str | Path,
    inputs: Sequence[str | Path],
    *,
    roster_path: str | Path | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> Agreement:
    """Load and validate, then measure reviewer agreement: the whole `qualcert agreement` job without its outputs."""
    from qualcert.agreement import BootstrapPlan, compute_agreement
    from qualcert.ingest import load_scores

    rubric, roster = load_inputs(rubric_path, roster_path, encoding=encoding)
    data = load_scores(inputs, rubric, roster, encoding=encoding, sheet=sheet)
    return compute_agreement(
        rubric,
        data.table,
        institutions=roster.institutions if roster else None,
        plan=BootstrapPlan(replicates=bootstrap, seed=seed),
        problems=data.warnings,
    )


@dataclass(frozen=True)
class TemplateJob:
    """What `qualcert template` writes: one file per (reviewer, institution) or per reviewer."""

    path: Path
    sheets: list[Any]  # report.template_out.Sheet


def plan_templates(
    rubric: Rubric, roster: Roster, reviewers: Sequence[str], stage: str, out: Path, *, per_reviewer: bool
) -> list[TemplateJob]:
    from qualcert.report.template_out import Sheet

    def safe(text: str) -> str:
        return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)

    jobs = []
    for reviewer in reviewers:
        sheets = [
            Sheet(i.institution_id, i.name, i.service_type, reviewer, stage)  # type: ignore[arg-type]
            for i in roster.institutions.values()
        ]
        if per_reviewer:
            jobs.append(TemplateJob(out / f"{stage}_{safe(reviewer)}.xlsx", sheets))
        else:
            jobs += [TemplateJob(out / f"{stage}_{safe(s.institution_id)}_{safe(reviewer)}.xlsx", [s]) for s in sheets]
    return jobs


@dataclass(frozen=True)
class CheckReport:
    """What `qualcert check` found: counts, and what is still missing per institution and stage."""

    institutions: int
    reviewers: int
    scores: int
    files: list[dict[str, Any]]
    missing: dict[str, dict[str, list[str]]]  # institution → stage → indicator ids without any score
    warnings: list[Problem]

    def to_dict(self) -> dict[str, Any]:
        return {
            "institutions": self.institutions,
            "reviewers": self.reviewers,
            "scores": self.scores,
            "files": self.files,
            "missing": self.missing,
            "problems": [p.to_dict() for p in self.warnings],
        }


def run_check(
    rubric_path: str | Path,
    inputs: Sequence[str | Path],
    *,
    roster_path: str | Path | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> CheckReport:
    """Validate score files without scoring, and list what each institution still lacks."""
    from qualcert.ingest import load_scores

    rubric, roster = load_inputs(rubric_path, roster_path, encoding=encoding)
    data = load_scores(inputs, rubric, roster, encoding=encoding, sheet=sheet)
    table = data.table
    present = set(zip(table["institution_id"], table["stage"], table["indicator_id"], strict=True))
    ids = list(roster.institutions) if roster else sorted(set(table["institution_id"]))
    missing: dict[str, dict[str, list[str]]] = {}
    for iid in ids:
        service = roster.institutions[iid].service_type if roster else None
        for ind in rubric.indicators.values():
            if not rubric.applies(ind, service):
                continue
            for stage in rubric.stages_of(ind):
                if (iid, stage, ind.id) not in present:
                    missing.setdefault(iid, {}).setdefault(stage, []).append(ind.id)
    return CheckReport(
        len(ids), table["reviewer_id"].nunique(), len(table), _inputs(data.files), missing, data.warnings
    )
