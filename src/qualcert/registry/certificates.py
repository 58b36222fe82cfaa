"""Which certificate counts on a date, and in what state: the queries behind list, monitor and revoke."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from qualcert.registry.model import Certificate, Status, register_error
from qualcert.registry.schema import decisions, revocations, runs


def with_runs() -> sa.Join:
    return decisions.join(runs, decisions.c.run_id == runs.c.id)


def latest_certificates(
    conn: sa.Connection, *, on: date, rubric: str | None, institution: str | None = None
) -> list[Any]:
    query = (
        sa.select(
            decisions.c.id,
            decisions.c.institution_id,
            decisions.c.name,
            decisions.c.decision,
            decisions.c.valid_from,
            decisions.c.valid_until,
            runs.c.rubric_id,
            runs.c.rubric_version,
            runs.c.issued,
            revocations.c.date.label("revoked_on"),
        )
        .select_from(with_runs().outerjoin(revocations, revocations.c.decision_id == decisions.c.id))
        .where(decisions.c.valid_from.is_not(None), decisions.c.valid_from <= on)
        .order_by(
            decisions.c.institution_id,
            runs.c.rubric_id,
            decisions.c.valid_from.desc(),
            runs.c.issued.desc(),
            runs.c.id.desc(),
        )
    )
    if rubric is not None:
        query = query.where(runs.c.rubric_id == rubric)
    if institution is not None:
        query = query.where(decisions.c.institution_id == institution)
    latest: dict[tuple[str, str], Any] = {}
    for row in conn.execute(query):
        latest.setdefault((row.institution_id, row.rubric_id), row)
    return list(latest.values())


def status_on(valid_until: date, revoked_on: date | None, on: date, within: int | None) -> Status:
    """State of a certificate (already issued by ``on``) on the date ``on``."""
    if revoked_on is not None and revoked_on <= on:
        return "revoked"
    if on > valid_until:
        return "expired"
    if within is not None and (valid_until - on).days <= within:
        return "expiring"
    return "active"


def certificate_on(row: Any, on: date, within: int | None) -> Certificate:
    return Certificate(
        institution_id=row.institution_id,
        name=row.name,
        rubric_id=row.rubric_id,
        rubric_version=row.rubric_version,
        decision=row.decision,
        issued=row.issued,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=status_on(row.valid_until, row.revoked_on, on, within),
        days_left=(row.valid_until - on).days,
        revoked_on=row.revoked_on,
    )


def unknown_institution(conn: sa.Connection, institution_id: str, rubric: str | None) -> Exception:
    known = conn.execute(sa.select(decisions.c.id).where(decisions.c.institution_id == institution_id).limit(1)).first()
    if known is None or rubric is None:
        return register_error("unknown-institution", f"no record of institution {institution_id!r} in the register")
    return register_error(
        "unknown-institution", f"no record of institution {institution_id!r} under rubric {rubric!r} in the register"
    )


def in_force(conn: sa.Connection, institution_id: str, rubric: str | None, on: date, *, revoking: bool) -> Any:
    """The one certificate of the institution in force on ``on`` (not expired, not revoked by then)."""
    latest = latest_certificates(conn, on=on, rubric=rubric, institution=institution_id)
    if not latest:
        if (
            conn.execute(sa.select(decisions.c.id).where(decisions.c.institution_id == institution_id).limit(1)).first()
            is None
        ):
            raise register_error("unknown-institution", f"no record of institution {institution_id!r} in the register")
        under = f" under rubric {rubric}" if rubric else ""
        raise register_error(
            "no-certificate", f"institution {institution_id} holds no certificate{under} issued on or before {on}"
        )
    live = [r for r in latest if status_on(r.valid_until, r.revoked_on, on, None) == "active"]
    if revoking:
        done = [r for r in latest if r.revoked_on is not None and on <= r.valid_until]
        live = [r for r in live if r.revoked_on is None]
        if done and not live:
            r = done[0]
            raise register_error(
                "already-revoked",
                f"the {r.rubric_id} certificate of {institution_id} (issued {r.issued}) is already revoked "
                f"from {r.revoked_on}",
            )
    if len(live) > 1:
        names = ", ".join(sorted(r.rubric_id for r in live))
        raise register_error(
            "ambiguous-certificate",
            f"institution {institution_id} holds certificates under several rubrics ({names}); "
            "choose one with --rubric",
        )
    if not live:
        r = max(latest, key=lambda x: x.valid_from)
        state = (
            f"was revoked from {r.revoked_on}"
            if r.revoked_on is not None and r.revoked_on <= on
            else f"expired after {r.valid_until}"
        )
        raise register_error(
            "no-certificate-in-force",
            f"institution {institution_id} has no certificate in force on {on}: its {r.rubric_id} certificate "
            f"(issued {r.issued}) {state}",
        )
    return live[0]
