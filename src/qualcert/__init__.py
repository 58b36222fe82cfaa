"""qualcert: rubric-as-code scoring for social-service quality certification.

The library verbs the command line wraps, usable from a notebook::

    import qualcert
    rubric = qualcert.load_rubric("rubrics/ssqc-2023.yaml")
    roster = qualcert.read_roster("examples/ssqc-2023/roster.csv")
    scores = qualcert.read_scores(["examples/ssqc-2023/scores.csv"], rubric, roster)
    results = qualcert.score(rubric, scores.table, issued=date(2023, 12, 5), institutions=roster.institutions)
    results.to_json_dict()

pandas-backed verbs are imported on first use, so ``import qualcert`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from qualcert.errors import InputError, Location, Problem, QualcertError
from qualcert.rubric import Rubric, load_rubric

try:
    __version__ = version("qualcert")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

_LAZY = {
    "read_scores": ("qualcert.ingest", "load_scores"),
    "read_roster": ("qualcert.ingest", "read_roster"),
    "score": ("qualcert.scoring.engine", "score"),
    "Results": ("qualcert.results", "Results"),
}

__all__ = [
    "InputError",
    "Location",
    "Problem",
    "QualcertError",
    "Results",
    "Rubric",
    "__version__",
    "load_rubric",
    "read_roster",
    "read_scores",
    "score",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'qualcert' has no attribute {name!r}")
