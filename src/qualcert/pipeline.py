"""Library verbs that the command line wraps: each takes paths/options and returns results.

No printing and no exiting here; errors are raised as :class:`~qualcert.errors.QualcertError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcert.errors import Problem, RubricError
from qualcert.numeric import exact, fmt
from qualcert.rubric import Rubric, load_rubric


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
