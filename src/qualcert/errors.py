"""Located problems and the one exception type that carries them to the user.

Problems are data (a stable ``code``, a ``message`` and a ``Location``); checks
collect them and raise a single :class:`InputError` holding all of them, so the
user sees every mistake at once. The CLI maps :class:`QualcertError` to exit
code 3 in one place (``qualcert.cli._handle``); the core never prints or exits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file, and inside it a YAML line/column, a sheet cell or a CSV row."""

    file: str | None = None
    line: int | None = None  # 1-based (YAML line, CSV physical line)
    col: int | None = None  # 1-based
    sheet: str | None = None
    cell: str | None = None  # "B7"
    row: int | None = None  # 1-based data row of a table (CSV / long xlsx), header = row 1

    def __str__(self) -> str:
        parts: list[str] = []
        head = self.file or "<input>"
        if self.sheet is not None:
            head += f"!{self.sheet}"
            if self.cell is not None:
                head += f"!{self.cell}"
        elif self.cell is not None:
            head += f"!{self.cell}"
        parts.append(head)
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        elif self.row is not None and self.cell is None:
            parts.append(f"row {self.row}")
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("file", self.file),
                ("line", self.line),
                ("col", self.col),
                ("sheet", self.sheet),
                ("cell", self.cell),
                ("row", self.row),
            )
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, with a stable kebab-case ``code``."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = "error"

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {tag}{self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_dict(),
            "where": str(self.location),
        }


class QualcertError(Exception):
    """An error that is fed back to the user (exit code 3), never a bug."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("error", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InputError(QualcertError):
    """Invalid user input: a rubric, score sheet, roster or other file."""


class RubricError(InputError):
    """The rubric file is not a valid qualcert rubric."""


class SheetError(InputError):
    """Reviewer score input (template workbooks, long CSV/xlsx) is invalid."""


class RosterError(InputError):
    """The roster of institutions is invalid."""


class OutputError(QualcertError):
    """An output cannot be written (exists without --force, not writable, ...)."""
