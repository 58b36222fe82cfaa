"""The register's tables (SQLAlchemy Core) and its numbered, forward-only migrations.

A register is recognised by the row ``application = qualcert-register`` in
``qualcert_meta``; its schema version is the highest row of ``qualcert_schema_version``.
Migration N runs in the same write transaction as the check that the register is at
N - 1, so two processes opening a new file at once cannot both create it.

Changing the schema: append a migration (``ALTER``/``CREATE`` through SQLAlchemy so that
SQLite and PostgreSQL both work) and bump nothing else. Migration 1 creates the tables
below as they are in version 1: when a later migration changes one of them, first copy
its version-1 definition into ``_v1`` so that new registers still pass through every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import sqlalchemy as sa

APPLICATION: Final = "qualcert-register"

metadata = sa.MetaData()

meta = sa.Table(
    "qualcert_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

schema_version = sa.Table(
    "qualcert_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", sa.String(32), nullable=False),
)

rubrics = sa.Table(
    "rubrics",
    metadata,
    sa.Column("rubric_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(100), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),  # one rubric id + version, one text: a change needs a version
    sa.Column("recorded_at", sa.String(32), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("rubric_id", sa.String(200), nullable=False),
    sa.Column("rubric_version", sa.String(100), nullable=False),
    sa.Column("issued", sa.Date, nullable=False),
    sa.Column("institutions", sa.Integer, nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),  # JSON: input files with their sha256
    sa.Column("roster", sa.Text),  # JSON: roster file and sha256
    sa.Column("run_info", sa.Text),  # JSON: qualcert version, time, options of the scoring run
    sa.Column("source", sa.Text),  # the results file recorded
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.ForeignKeyConstraint(["rubric_id", "rubric_version"], ["rubrics.rubric_id", "rubrics.version"]),
    sa.Index("ix_runs_rubric_issued", "rubric_id", "issued"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("institution_id", sa.String(200), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("service_type", sa.String(200)),
    sa.Column("decision", sa.String(40), nullable=False),
    sa.Column("total", sa.Float),
    sa.Column("grade", sa.String(40)),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_until", sa.Date),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of the decisive reasons (English)
    sa.UniqueConstraint("run_id", "institution_id"),
    sa.CheckConstraint("(valid_from IS NULL) = (valid_until IS NULL)", name="ck_decisions_validity_pair"),
    sa.Index("ix_decisions_institution", "institution_id"),
)

domain_scores = sa.Table(
    "domain_scores",
    metadata,
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), primary_key=True),
    sa.Column("domain_id", sa.String(100), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # order in the rubric
    sa.Column("score", sa.Float),
    sa.Column("max", sa.Float),
    sa.Column("percent", sa.Float),
)

monitoring = sa.Table(
    "monitoring",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False, index=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("finding", sa.Text, nullable=False),
    sa.Column("result", sa.String(4), nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
    sa.CheckConstraint("result IN ('pass', 'fail')", name="ck_monitoring_result"),
)

revocations = sa.Table(
    "revocations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False, unique=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(32), nullable=False),
)


def _v1(conn: sa.Connection, now: str) -> None:
    metadata.create_all(conn)
    conn.execute(sa.insert(meta), [{"key": "application", "value": APPLICATION}, {"key": "created_at", "value": now}])


Migration = tuple[int, str, Callable[[sa.Connection, str], None]]

MIGRATIONS: Final[tuple[Migration, ...]] = (
    (1, "runs, rubrics, decisions, domain scores, monitoring, revocations", _v1),
)
LATEST: Final = MIGRATIONS[-1][0]
