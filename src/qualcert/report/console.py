"""The only module that talks to the terminal through rich.

Results go to stdout; problems, progress and notes go to stderr, so that
``--json -`` style output and pipes stay clean. Colour and progress bars switch
off when the stream is not a terminal (rich does this itself, and honours NO_COLOR).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.tree import Tree

from qualcert.errors import Problem

__all__ = ["Table", "Tree", "err", "escape", "out", "print_problems", "progress", "reported_progress"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_problems(problems: Iterable[Problem], *, title: str | None = None) -> None:
    problems = list(problems)
    if title:
        err.print(f"[bold red]{escape(title)}[/]")
    for p in problems:
        colour = "yellow" if p.severity == "warning" else "red"
        tag = "warning" if p.severity == "warning" else "error"
        err.print(f"{escape(str(p.location))}: [{colour}]{tag}[/]: {escape(p.message)} [dim]\\[{p.code}][/]")


def _bar(*, disable: bool, auto_refresh: bool = True) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    return Progress(*columns, console=err, transient=True, disable=disable, auto_refresh=auto_refresh)


@contextmanager
def progress(description: str, total: int) -> Iterator[Progress]:
    """A progress bar on stderr, shown only on a terminal and only for long work."""
    bar = _bar(disable=not err.is_terminal or total < 50)
    with bar:
        bar.add_task(description, total=total)
        yield bar


@contextmanager
def reported_progress(description: str, *, every: float = 0.1) -> Iterator[Callable[[int, int], None]]:
    """A progress bar drawn from the work's own reports ``(done, total)``: on a terminal, for 50 steps or more.

    It is redrawn by the reports themselves, not by a thread (rich's auto refresh), because the
    work may fork worker processes.
    """
    bar = _bar(disable=not err.is_terminal, auto_refresh=False)
    drawn = 0.0

    def report(done: int, total: int) -> None:
        nonlocal drawn
        now = time.monotonic()
        if total >= 50 and (now - drawn >= every or done == total):
            bar.update(task, completed=done, total=total, visible=True)
            bar.refresh()
            drawn = now

    with bar:
        task = bar.add_task(description, total=None, visible=False)
        yield report
