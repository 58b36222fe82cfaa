"""The certification register: record runs, and ask who is certified until when and what changed.

A *cycle* is one institution's decision in one recorded run. A *certificate* is a cycle
with a validity period (``certified``, or an agency's conditional outcome). For each
institution and rubric id, the certificate that counts on a date is the latest one issued
on or before that date; ``valid_until`` itself is still active, the day after is expired,
and a revocation ends it from its date on.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa

from qualcert.registry.certificates import (
    certificate_on,
    in_force,
    latest_certificates,
    unknown_institution,
    with_runs,
)
from qualcert.registry.db import Database, Target, now_text, resolve_db
from qualcert.registry.model import (
    DEFAULT_WITHIN,
    STATUS_FILTERS,
    Action,
    Certificate,
    Cycle,
    DomainChange,
    History,
    Monitoring,
    MonitorResult,
    RecordOutcome,
    RegisterError,
    Revocation,
    RunDoc,
    StatusFilter,
    register_error,
)
from qualcert.registry.schema import decisions, domain_scores, monitoring, revocations, rubrics, runs

# Test seam: called inside the record transaction just before it commits (the tests kill the
# process there to prove that an interrupted write leaves the register as it was).
before_commit: Callable[[str], None] | None = None


@dataclass(frozen=True, slots=True)
class Prior:
    """An institution's previous cycle, for the cohort rules."""

    institution_id: str
    issued: date
    total: float | None
    grade: str | None
    decision: str


def delta(now: float | None, before: float | None) -> float | None:
    """``now - before`` without binary noise (85.25 - 80.1 is 5.15, not 5.150000000000006)."""
    if now is None or before is None:
        return None
    return float(Decimal(repr(now)) - Decimal(repr(before)))


P = ParamSpec("P")
R = TypeVar("R")


def _locate(method: Callable[Concatenate[Register, P], R]) -> Callable[Concatenate[Register, P], R]:
    @functools.wraps(method)
    def located(self: Register, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._located():
            return method(self, *args, **kwargs)

    return located


class Register:
    """A qualcert register opened on a SQLite file or a database URL. Library only: it never prints."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, db: str | Path | Target | None = None, *, create: bool = True) -> Register:
        """Open (and, with ``create``, make) the register at ``db``, ``$QUALCERT_DB`` or the default place.

        Refuses a file that is not a qualcert register or has a newer schema; migrates an older one.
        """
        target = db if isinstance(db, Target) else resolve_db(db)
        return cls(Database.open(target, create=create))

    @property
    def where(self) -> str:
        return self.db.where

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _located(self) -> Iterator[None]:
        """Problems that name no file are about the register: name it."""
        try:
            yield
        except RegisterError as exc:
            if all(p.location.file is not None for p in exc.problems):
                raise
            raise RegisterError(
                [
                    p if p.location.file else replace(p, location=replace(p.location, file=self.where))
                    for p in exc.problems
                ]
            ) from None

    def __enter__(self) -> Register:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- record ---------------------------------------------------------------------------

    @_locate
    def record(self, run: RunDoc) -> RecordOutcome:
        """Store a run and its institutions in one transaction; the same run again changes nothing."""
        certified = sum(1 for e in run.institutions if e.valid_from is not None)
        outcome = RecordOutcome(
            run.run_hash, True, run.rubric_id, run.rubric_version, run.issued, len(run.institutions), certified
        )
        with self.db.writing() as conn:
            if conn.execute(sa.select(runs.c.id).where(runs.c.run_hash == run.run_hash)).first() is not None:
                return replace(outcome, created=False)
            now = now_text()
            known = conn.execute(
                sa.select(rubrics.c.sha256).where(
                    rubrics.c.rubric_id == run.rubric_id, rubrics.c.version == run.rubric_version
                )
            ).scalar()
            if known is None:
                conn.execute(
                    sa.insert(rubrics).values(
                        rubric_id=run.rubric_id, version=run.rubric_version, sha256=run.rubric_sha256, recorded_at=now
                    )
                )
            elif known != run.rubric_sha256:
                raise register_error(
                    "rubric-changed",
                    f"rubric {run.rubric_id} version {run.rubric_version} was recorded before with sha256 "
                    f"{known[:12]}…, but this run used a different text ({run.rubric_sha256[:12]}…). "
                    "A changed rubric needs a new version; nothing was recorded.",
                    run.source,
                )
            inserted = conn.execute(
                sa.insert(runs).values(
                    run_hash=run.run_hash,
                    rubric_id=run.rubric_id,
                    rubric_version=run.rubric_version,
                    issued=run.issued,
                    institutions=len(run.institutions),
                    inputs=_json(run.inputs),
                    roster=None if run.roster is None else _json(run.roster),
                    run_info=None if run.run is None else _json(run.run),
                    source=run.source,
                    recorded_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            run_id = inserted[0]
            if run.institutions:
                conn.execute(
                    sa.insert(decisions),
                    [
                        {
                            "run_id": run_id,
                            "institution_id": e.institution_id,
                            "name": e.name,
                            "service_type": e.service_type,
                            "decision": e.decision,
                            "total": e.total,
                            "grade": e.grade,
                            "valid_from": e.valid_from,
                            "valid_until": e.valid_until,
                            "reasons": _json(list(e.reasons)),
                        }
                        for e in run.institutions
                    ],
                )
                ids = {
                    row[0]: row[1]
                    for row in conn.execute(
                        sa.select(decisions.c.institution_id, decisions.c.id).where(decisions.c.run_id == run_id)
                    )
                }
                rows = [
                    {
                        "decision_id": ids[e.institution_id],
                        "domain_id": d.domain_id,
                        "position": k,
                        "score": d.score,
                        "max": d.max,
                        "percent": d.percent,
                    }
                    for e in run.institutions
                    for k, d in enumerate(e.domains)
                ]
                if rows:
                    conn.execute(sa.insert(domain_scores), rows)
            if before_commit is not None:
                before_commit("record")
        return outcome

    # -- list -----------------------------------------------------------------------------

    @_locate
    def certificates(
        self,
        *,
        on: date,
        status: StatusFilter = "all",
        within: int | None = None,
        rubric: str | None = None,
    ) -> list[Certificate]:
        """The latest certificate per institution and rubric id issued on or before ``on``, with its state then.

        ``within`` (days) marks active certificates that end within that many days as ``expiring``;
        ``status="expiring"`` uses :data:`DEFAULT_WITHIN` when it is not given. ``status="active"``
        includes the expiring ones.
        """
        if status not in STATUS_FILTERS:
            raise register_error("bad-status", f"status must be one of {', '.join(STATUS_FILTERS)}, not {status!r}")
        if within is not None and within < 0:
            raise register_error("bad-within", f"--within must be 0 or more days, not {within}")
        if status == "expiring" and within is None:
            within = DEFAULT_WITHIN
        with self.db.reading() as conn:
            rows = latest_certificates(conn, on=on, rubric=rubric)
        certs = [certificate_on(row, on, within) for row in rows]
        wanted: dict[str, set[str]] = {
            "active": {"active", "expiring"},
            "expiring": {"expiring"},
            "expired": {"expired"},
            "revoked": {"revoked"},
            "all": {"active", "expiring", "expired", "revoked"},
        }
        certs = [c for c in certs if c.status in wanted[status]]
        return sorted(certs, key=lambda c: (c.valid_until, c.institution_id, c.rubric_id))

    # -- history --------------------------------------------------------------------------

    @_locate
    def history(self, institution_id: str, *, rubric: str | None = None) -> History:
        """Every recorded cycle of one institution, oldest first per rubric id, with changes since the previous."""
        with self.db.reading() as conn:
            query = (
                sa.select(
                    decisions,
                    runs.c.rubric_id,
                    runs.c.rubric_version,
                    runs.c.issued,
                    runs.c.run_hash,
                    revocations.c.date.label("revoked_on"),
                    revocations.c.reason.label("revoked_reason"),
                    revocations.c.recorded_at.label("revoked_recorded_at"),
                )
                .select_from(with_runs().outerjoin(revocations, revocations.c.decision_id == decisions.c.id))
                .where(decisions.c.institution_id == institution_id)
                .order_by(runs.c.rubric_id, runs.c.issued, runs.c.id)
            )
            if rubric is not None:
                query = query.where(runs.c.rubric_id == rubric)
            rows = conn.execute(query).all()
            if not rows:
                raise unknown_institution(conn, institution_id, rubric)
            ids = [r.id for r in rows]
            doms: dict[int, list[Any]] = {}
            for d in conn.execute(
                sa.select(domain_scores)
                .where(domain_scores.c.decision_id.in_(ids))
                .order_by(domain_scores.c.decision_id, domain_scores.c.position)
            ):
                doms.setdefault(d.decision_id, []).append(d)
            checks: dict[int, list[Monitoring]] = {}
            for m in conn.execute(
                sa.select(monitoring)
                .where(monitoring.c.decision_id.in_(ids))
                .order_by(monitoring.c.date, monitoring.c.id)
            ):
                checks.setdefault(m.decision_id, []).append(Monitoring(m.date, m.finding, m.result, m.recorded_at))
        cycles: list[Cycle] = []
        previous: Any = None
        for row in rows:
            before = previous if previous is not None and previous.rubric_id == row.rubric_id else None
            before_domains = {d.domain_id: d for d in doms.get(before.id, [])} if before is not None else {}
            domains = []
            for d in doms.get(row.id, []):
                old = before_domains.get(d.domain_id)
                domains.append(
                    DomainChange(
                        d.domain_id,
                        d.score,
                        d.max,
                        d.percent,
                        None if old is None else delta(d.score, old.score),
                        None if old is None else delta(d.percent, old.percent),
                    )
                )
            cycles.append(
                Cycle(
                    rubric_id=row.rubric_id,
                    rubric_version=row.rubric_version,
                    issued=row.issued,
                    run_hash=row.run_hash,
                    name=row.name,
                    service_type=row.service_type,
                    decision=row.decision,
                    total=row.total,
                    total_change=None if before is None else delta(row.total, before.total),
                    grade=row.grade,
                    previous_grade=None if before is None else before.grade,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                    reasons=tuple(json.loads(row.reasons)),
                    domains=tuple(domains),
                    monitoring=tuple(checks.get(row.id, [])),
                    revocation=None
                    if row.revoked_on is None
                    else Revocation(row.revoked_on, row.revoked_reason, row.revoked_recorded_at),
                )
            )
            previous = row
        return History(institution_id, tuple(cycles))

    # -- monitor and revoke ---------------------------------------------------------------

    @_locate
    def monitor(
        self,
        institution_id: str,
        *,
        on: date,
        finding: str,
        result: MonitorResult = "pass",
        rubric: str | None = None,
    ) -> Action:
        """Record a post-certification check (사후관리) on the certificate in force on ``on``."""
        if result not in ("pass", "fail"):
            raise register_error("bad-result", f"result must be pass or fail, not {result!r}")
        finding = _required_text(finding, "finding")
        with self.db.writing() as conn:
            cert = in_force(conn, institution_id, rubric, on, revoking=False)
            conn.execute(
                sa.insert(monitoring).values(
                    decision_id=cert.id, date=on, finding=finding, result=result, recorded_at=now_text()
                )
            )
        return Action("monitor", institution_id, cert.rubric_id, cert.issued, cert.valid_until, on, finding, result)

    @_locate
    def revoke(self, institution_id: str, *, reason: str, on: date, rubric: str | None = None) -> Action:
        """End the certificate in force on ``on`` from that date."""
        reason = _required_text(reason, "reason")
        with self.db.writing() as conn:
            cert = in_force(conn, institution_id, rubric, on, revoking=True)
            conn.execute(
                sa.insert(revocations).values(decision_id=cert.id, date=on, reason=reason, recorded_at=now_text())
            )
        return Action("revoke", institution_id, cert.rubric_id, cert.issued, cert.valid_until, on, reason, None)

    # -- cohort support -------------------------------------------------------------------

    def previous_cycle(self, rubric_id: str, before: date) -> dict[str, Prior]:
        """Each institution's latest cycle under ``rubric_id`` issued strictly before ``before``."""
        with self.db.reading() as conn:
            rows = conn.execute(
                sa.select(decisions.c.institution_id, decisions.c.total, decisions.c.grade, decisions.c.decision)
                .add_columns(runs.c.issued)
                .select_from(with_runs())
                .where(runs.c.rubric_id == rubric_id, runs.c.issued < before)
                .order_by(decisions.c.institution_id, runs.c.issued.desc(), runs.c.id.desc())
            ).all()
        priors: dict[str, Prior] = {}
        for r in rows:
            priors.setdefault(r.institution_id, Prior(r.institution_id, r.issued, r.total, r.grade, r.decision))
        return priors

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A read transaction, for exports."""
        with self.db.reading() as conn:
            yield conn


# ----------------------------------------------------------------------------------------------
# helpers


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _required_text(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise register_error(f"empty-{what}", f"the {what} must not be empty")
    return text
