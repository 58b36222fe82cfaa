# The public names of qualcert.registry, loaded on first use (see __init__.py).
# `name as name`: a stub exports only the names it re-exports explicitly.

from .certificates import status_on as status_on
from .cohort import (
    Cohort as Cohort,
    CohortEntry as CohortEntry,
    PreviousCycle as PreviousCycle,
    ThisCycle as ThisCycle,
    compute_cohort as compute_cohort,
    previous_from_file as previous_from_file,
    previous_from_register as previous_from_register,
    priors_from_run as priors_from_run,
    this_cycle as this_cycle,
)
from .db import (
    ENV_VAR as ENV_VAR,
    Target as Target,
    default_db_path as default_db_path,
    resolve_db as resolve_db,
)
from .export import export_register as export_register
from .intake import load_results_file as load_results_file, parse_results as parse_results
from .model import (
    DEFAULT_WITHIN as DEFAULT_WITHIN,
    STATUS_FILTERS as STATUS_FILTERS,
    Action as Action,
    Certificate as Certificate,
    Cycle as Cycle,
    DomainChange as DomainChange,
    History as History,
    Monitoring as Monitoring,
    RecordOutcome as RecordOutcome,
    RegisterError as RegisterError,
    Revocation as Revocation,
    RunDoc as RunDoc,
    Status as Status,
    StatusFilter as StatusFilter,
)
from .register import Prior as Prior, Register as Register
