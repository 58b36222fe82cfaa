"""The rubrics and example data shipped with qualcert (for `qualcert demo`)."""

from __future__ import annotations

from pathlib import Path

from qualcert.errors import InputError, Problem


def bundled_root() -> Path:
    """``qualcert/_bundled`` in an installed wheel; the repository root in a source checkout."""
    here = Path(__file__).resolve().parent
    for root in (here / "_bundled", here.parents[1]):
        if (root / "rubrics").is_dir() and (root / "examples").is_dir():
            return root
    raise InputError([Problem("no-bundled-data", "the bundled rubrics and examples are missing from this install")])
