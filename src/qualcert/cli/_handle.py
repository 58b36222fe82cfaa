"""The single error boundary of the command line.

Exit codes: 0 done, 2 wrong usage (typer), 3 invalid rubric or input (nothing written).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from qualcert.errors import QualcertError
from qualcert.report.console import print_problems

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID = 3


@contextmanager
def user_errors(*, writes: bool = True) -> Iterator[None]:
    """Turn a :class:`QualcertError` into its problem list on stderr and exit code 3."""
    try:
        yield
    except QualcertError as exc:
        count = len([p for p in exc.problems if p.severity == "error"])
        print_problems(
            exc.problems,
            title=f"{count} problem{'s' if count != 1 else ''} found" + ("; nothing was written." if writes else "."),
        )
        raise typer.Exit(EXIT_INVALID) from None
