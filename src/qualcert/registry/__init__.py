"""The certification register: who is certified until when, and what changed since the last cycle.

A SQLite file by default (``--db``, else ``$QUALCERT_DB``, else the user data directory), or
any SQLAlchemy URL (PostgreSQL for a register shared by several staff). Library only: it
returns data and raises :class:`RegisterError` (exit 3 in the CLI); it never prints.

    with Register.open("register.sqlite") as reg:
        reg.record(load_results_file("results.json"))
        reg.certificates(on=date(2026, 10, 1), status="expiring", within=90)
"""

from __future__ import annotations

from qualcert.registry.certificates import status_on
from qualcert.registry.cohort import (
    Cohort,
    CohortEntry,
    PreviousCycle,
    ThisCycle,
    compute_cohort,
    previous_from_file,
    previous_from_register,
    priors_from_run,
    this_cycle,
)
from qualcert.registry.db import ENV_VAR, Target, default_db_path, resolve_db
from qualcert.registry.export import export_register
from qualcert.registry.intake import load_results_file, parse_results
from qualcert.registry.model import (
    Action,
    Certificate,
    Cycle,
    DomainChange,
    History,
    Monitoring,
    RecordOutcome,
    RegisterError,
    Revocation,
    RunDoc,
    Status,
    StatusFilter,
)
from qualcert.registry.register import DEFAULT_WITHIN, STATUS_FILTERS, Prior, Register
from qualcert.registry.schema import LATEST as SCHEMA_VERSION

__all__ = [
    "DEFAULT_WITHIN",
    "ENV_VAR",
    "SCHEMA_VERSION",
    "STATUS_FILTERS",
    "Action",
    "Certificate",
    "Cohort",
    "CohortEntry",
    "Cycle",
    "DomainChange",
    "History",
    "Monitoring",
    "PreviousCycle",
    "Prior",
    "RecordOutcome",
    "Register",
    "RegisterError",
    "Revocation",
    "RunDoc",
    "Status",
    "StatusFilter",
    "Target",
    "ThisCycle",
    "compute_cohort",
    "default_db_path",
    "export_register",
    "load_results_file",
    "parse_results",
    "previous_from_file",
    "previous_from_register",
    "priors_from_run",
    "resolve_db",
    "status_on",
    "this_cycle",
]
