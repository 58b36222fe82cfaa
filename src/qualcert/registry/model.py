"""The register's records as frozen data, and the one error type it raises.

Every object here has a ``to_json_dict()`` that the CLI prints with ``--json``; the
library never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from qualcert.errors import InputError, Location, Problem

Status = Literal["active", "expiring", "expired", "revoked"]
StatusFilter = Literal["active", "expiring", "expired", "revoked", "all"]
STATUS_FILTERS: Final = ("active", "expiring", "expired", "revoked", "all")
DEFAULT_WITHIN: Final = 90  # days ahead that `--status expiring` looks when --within is not given
MonitorResult = Literal["pass", "fail"]


class RegisterError(InputError):
    """The register cannot do what was asked: a bad results file, a foreign or newer database, no such certificate."""


def register_error(code: str, message: str, where: str | None = None) -> RegisterError:
    return RegisterError([Problem(code, message, Location(file=where))])


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# ----------------------------------------------------------------------------------------------
# a `score --json` document, as the register reads it


@dataclass(frozen=True, slots=True)
class DomainEntry:
    domain_id: str
    score: float | None
    max: float | None
    percent: float | None


@dataclass(frozen=True, slots=True)
class InstitutionEntry:
    institution_id: str
    name: str | None
    service_type: str | None
    decision: str
    total: float | None
    grade: str | None
    valid_from: date | None
    valid_until: date | None
    domains: tuple[DomainEntry, ...]
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunDoc:
    """The decisions of one `score --json` file, validated, with the run hash that identifies them."""

    rubric_id: str
    rubric_version: str
    rubric_sha256: str
    issued: date
    institutions: tuple[InstitutionEntry, ...]
    run_hash: str
    inputs: list[Any] = field(default_factory=list)
    roster: Any = None
    run: Any = None
    source: str | None = None  # the file it was read from


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    run_hash: str
    created: bool  # False: the same run was already in the register, nothing changed
    rubric_id: str
    rubric_version: str
    issued: date
    institutions: int
    certified: int

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_hash": self.run_hash,
            "created": self.created,
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "issued": self.issued.isoformat(),
            "institutions": self.institutions,
            "certified": self.certified,
        }


# ----------------------------------------------------------------------------------------------
# list


@dataclass(frozen=True, slots=True)
class Certificate:
    """The latest certificate of one institution under one rubric, and its state on a date."""

    institution_id: str
    name: str | None
    rubric_id: str
    rubric_version: str
    decision: str
    issued: date
    valid_from: date
    valid_until: date
    status: Status
    days_left: int  # valid_until - on; negative once expired
    revoked_on: date | None

    def to_json_dict(self) -> dict[str, Any]:
        """The `registry list --json` contract: exactly these seven keys."""
        return {
            "institution_id": self.institution_id,
            "name": self.name,
            "rubric_id": self.rubric_id,
            "decision": self.decision,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "status": self.status,
        }


# ----------------------------------------------------------------------------------------------
# history


@dataclass(frozen=True, slots=True)
class Monitoring:
    date: date
    finding: str
    result: MonitorResult
    recorded_at: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "finding": self.finding, "result": self.result}


@dataclass(frozen=True, slots=True)
class Revocation:
    date: date
    reason: str
    recorded_at: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class DomainChange:
    domain_id: str
    score: float | None
    max: float | None
    percent: float | None
    score_change: float | None  # vs the previous cycle under the same rubric id; None when either is missing
    percent_change: float | None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "domain_id": self.domain_id,
            "score": self.score,
            "max": self.max,
            "percent": self.percent,
            "score_change": self.score_change,
            "percent_change": self.percent_change,
        }


@dataclass(frozen=True)
class Cycle:
    """One recorded run of one institution: its decision, and the change since the previous cycle."""

    rubric_id: str
    rubric_version: str
    issued: date
    run_hash: str
    name: str | None
    service_type: str | None
    decision: str
    total: float | None
    total_change: float | None
    grade: str | None
    previous_grade: str | None
    valid_from: date | None
    valid_until: date | None
    reasons: tuple[str, ...]
    domains: tuple[DomainChange, ...]
    monitoring: tuple[Monitoring, ...]
    revocation: Revocation | None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "issued": self.issued.isoformat(),
            "run_hash": self.run_hash,
            "name": self.name,
            "service_type": self.service_type,
            "decision": self.decision,
            "total": self.total,
            "total_change": self.total_change,
            "grade": self.grade,
            "previous_grade": self.previous_grade,
            "valid_from": _iso(self.valid_from),
            "valid_until": _iso(self.valid_until),
            "reasons": list(self.reasons),
            "domains": [d.to_json_dict() for d in self.domains],
            "monitoring": [m.to_json_dict() for m in self.monitoring],
            "revocation": None if self.revocation is None else self.revocation.to_json_dict(),
        }


@dataclass(frozen=True)
class History:
    institution_id: str
    cycles: tuple[Cycle, ...]  # by rubric id, then oldest first

    def to_json_dict(self) -> dict[str, Any]:
        return {"institution_id": self.institution_id, "cycles": [c.to_json_dict() for c in self.cycles]}


@dataclass(frozen=True, slots=True)
class Action:
    """What `monitor` or `revoke` attached to which certificate."""

    kind: Literal["monitor", "revoke"]
    institution_id: str
    rubric_id: str
    issued: date
    valid_until: date
    date: date
    text: str  # the finding or the reason
    result: MonitorResult | None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "institution_id": self.institution_id,
            "rubric_id": self.rubric_id,
            "issued": self.issued.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "date": self.date.isoformat(),
            "text": self.text,
            "result": self.result,
        }
