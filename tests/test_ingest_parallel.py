"""Reading in worker processes gives exactly what one process gives: rows, problems, places, files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qualcert.errors import SheetError
from qualcert.ingest import Roster, load_scores, reading
from qualcert.rubric import Rubric
from tests.ingest_helpers import HEADER, write
from tests.test_ingest_problems import template


@pytest.fixture
def many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool for a handful of files, one file per task, so that every file may land in another process."""
    monkeypatch.setattr(reading, "PARALLEL_FROM", 2)
    monkeypatch.setattr(reading, "CHUNK", 1)


def _files(folder: Path, rubric: Rubric) -> list[Path]:
    files = [
        template(folder, rubric, {"F13": "상", "F14": 2, "F15": "중"}, "a.xlsx"),
        template(folder, rubric, {"F13": "하", "F15": "중", "G15": "의견"}, "b.xlsx"),  # conflicts with a.xlsx F13
        write(folder / "c.csv", HEADER + "P1,R2,document,1.1.1,상,\nP1,R2,document,1.1.9,상,\n"),
        write(folder / "d.xlsx", "not a workbook"),
        template(folder, rubric, {"F13": "상", "B6": "later"}, "e.xlsx"),
    ]
    files.append(folder / "f.xlsx")
    shutil.copy(files[0], files[-1])  # the same content twice: read once, with a warning
    return files


def test_worker_processes_report_the_same_problems_in_the_same_order(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster, many_workers: None
) -> None:
    files = _files(tmp_path, sheet_rubric)
    found = []
    for workers in (1, 2):
        with pytest.raises(SheetError) as caught:
            load_scores(files, sheet_rubric, sheet_roster, workers=workers)
        found.append([(p.code, str(p.location), p.message, p.severity) for p in caught.value.problems])
    assert found[0] == found[1]
    assert {code for code, *_ in found[0]} >= {"conflicting-score", "unknown-indicator", "not-a-spreadsheet"}
    assert {code for code, *_ in found[0]} >= {"unknown-stage", "duplicate-file"}


def test_worker_processes_build_the_same_table(
    tmp_path: Path, sheet_rubric: Rubric, sheet_roster: Roster, many_workers: None
) -> None:
    files = [p for p in _files(tmp_path, sheet_rubric) if p.name in {"a.xlsx", "c.csv", "f.xlsx"}]
    files[1] = write(tmp_path / "c.csv", HEADER + "P1,R2,document,1.1.1,상,\nP1,R2,onsite,1.1.2,중,의견\n")
    reports: list[tuple[int, int]] = []
    one = load_scores(files, sheet_rubric, sheet_roster, workers=1)
    two = load_scores(files, sheet_rubric, sheet_roster, workers=2, progress=lambda *done: reports.append(done))
    pd.testing.assert_frame_equal(one.table, two.table)
    assert one.files == two.files and one.warnings == two.warnings
    assert reports == [(1, 3), (2, 3), (3, 3)]
    assert set(two.table["file"]) == {str(files[0]), str(files[1])}  # f.xlsx, a copy of a.xlsx, read once
