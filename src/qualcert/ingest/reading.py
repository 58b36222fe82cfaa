"""Reading many score files, in worker processes when there are many.

Each file is read into rows of its own (:class:`~qualcert.ingest.long_table.RawRows`), so
that files can be read anywhere and merged in the given order: the merged rows, problems
and their places are the same whether one process read them or several. Reading is the
bulk of a national round (12,000 template workbooks); parsing a workbook is CPU work in
python-calamine, so a second core reads about twice as many files (docs/benchmarks.md).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final, Literal

from qualcert.errors import InputError
from qualcert.ingest.long_table import RawRows, read_csv
from qualcert.ingest.sources import read_source
from qualcert.ingest.templates import read_workbook

Kind = Literal["template", "long-xlsx", "csv"]

PARALLEL_FROM: Final = 200  # fewer files read faster than worker processes start
CHUNK: Final = 32  # files a worker reads per task: fewer round trips, still an even spread
WORKERS_VARIABLE: Final = "QUALCERT_WORKERS"


@dataclass(frozen=True)
class InputFile:
    path: str
    sha256: str
    kind: Kind
    rows: int  # scores read from it (before validation)


FileRows = tuple[InputFile | None, RawRows]  # None when the file could not be read (its problems say why)
Progress = Callable[[int, int], None]  # (files done, files in all)


def read_file(path: Path, encoding: str | None, sheet: str | None) -> FileRows:
    """One file's score rows and problems, on rows of its own."""
    raw = RawRows()
    try:
        source = read_source(path, encoding=encoding)
    except InputError as exc:
        raw.problems += exc.problems
        return None, raw
    kind: Kind
    if source.frame is not None:
        kind, count = "csv", read_csv(source, raw)
    else:
        kind, count = read_workbook(source, raw, sheet)
    return InputFile(source.path, source.sha256, kind, count), raw


def default_workers() -> int:
    """``$QUALCERT_WORKERS`` if set, else the CPUs this process may use."""
    wanted = os.environ.get(WORKERS_VARIABLE, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def read_files(
    paths: Sequence[Path],
    *,
    encoding: str | None,
    sheet: str | None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Iterator[FileRows]:
    """Every file's rows, in the order of ``paths``; ``progress(done, total)`` after each file."""
    read = partial(read_file, encoding=encoding, sheet=sheet)
    processes = min(workers or default_workers(), len(paths) // CHUNK + 1)
    if processes < 2 or len(paths) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from _counted(map(read, paths), len(paths), progress)
        return
    # fork: the workers start in milliseconds with qualcert already imported (spawn would import it again)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield from _counted(pool.imap(read, paths, chunksize=CHUNK), len(paths), progress)


def _counted(results: Iterator[FileRows], total: int, progress: Progress | None) -> Iterator[FileRows]:
    for done, result in enumerate(results, start=1):
        yield result
        if progress is not None:
            progress(done, total)
