"""All-or-nothing output: every file is written to a temporary sibling and renamed at the end.

If any writer fails, every temporary file is removed and no target is touched,
so a run leaves either all of its outputs or none.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcert.errors import Location, OutputError, Problem


def check_targets(targets: list[Path], inputs: list[Path]) -> None:
    """Refuse outputs that would overwrite an input, repeat, or land in a missing directory."""
    problems = []
    resolved_inputs = {p.resolve() for p in inputs}
    seen: set[Path] = set()
    for target in targets:
        where = Location(file=str(target))
        resolved = target.resolve()
        if resolved in resolved_inputs:
            problems.append(Problem("output-is-input", "this output would overwrite an input file", where))
        if resolved in seen:
            problems.append(Problem("output-twice", "two outputs are written to the same file", where))
        seen.add(resolved)
        if not target.parent.is_dir():
            problems.append(Problem("output-dir", f"the folder {str(target.parent)!r} does not exist", where))
        elif target.is_dir():
            problems.append(Problem("output-dir", "this output path is a folder", where))
    if problems:
        raise OutputError(problems)


@contextmanager
def atomic_outputs() -> Iterator[Callable[[Path], Path]]:
    """Yield ``stage(target) -> temporary path``; on success every temporary replaces its target."""
    staged: list[tuple[Path, Path]] = []

    umask = os.umask(0)
    os.umask(umask)

    def stage(target: Path) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
        staged.append((Path(tmp), target))
        return Path(tmp)

    try:
        yield stage
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
