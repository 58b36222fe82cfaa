"""Order does not matter: shuffling rows, splitting them over files and reordering the files gives the same
scores (and, for bad input, the same problems)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from qualcert.errors import SheetError
from qualcert.ingest import Roster, load_scores, read_roster
from qualcert.rubric import Rubric, parse_rubric
from qualcert.scoring.fractions import normalise_text, normalise_texts
from tests.ingest_helpers import HEADER, ROSTER, RUBRIC, scores, write

LINES = [
    "P1,R1,document,1.1.1,상,",
    "P1,R2,document,1.1.1,중,",
    "P1,R1,onsite,1.1.10,2,",
    "P1,R1,onsite,1.1.10,2.0,",  # the same score again: merged, with a warning
    "P2,R1,onsite,1.1.3,하,",
    "P2,R1,onsite,1.1.2,N/A,",
    "P2,R2,서면,1.1.1,2,",
    "P2,R2,document,1.1.2,해당없음,",
]
BAD = ["P1,R3,document,1.1.9,상,", "P2,R3,onsite,1.1.1,최상,", "P1,R1,document,1.1.1,하,"]  # the last conflicts
RUBRIC_T: Rubric = parse_rubric(RUBRIC, "rubric.yaml")


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Roster:
    return read_roster(write(tmp_path_factory.mktemp("roster") / "roster.csv", ROSTER))


def split(folder: Path, lines: list[str], files: int, file_order: list[int]) -> list[Path]:
    """``lines`` dealt over ``files`` CSV files, returned in ``file_order``."""
    paths = [
        write(folder / f"part{n}.csv", HEADER + "".join(f"{line}\n" for line in lines[n::files])) for n in range(files)
    ]
    return [paths[i] for i in file_order if i < files]


@settings(max_examples=30, deadline=None)
@given(order=s.permutations(range(len(LINES))), files=s.integers(1, 3), file_order=s.permutations(range(3)))
def test_order_of_rows_and_files_does_not_change_the_scores(
    roster: Roster, order: list[int], files: int, file_order: list[int]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loaded = load_scores(split(Path(folder), [LINES[i] for i in order], files, file_order), RUBRIC_T, roster)
    assert scores(loaded.table) == [
        ("P1", "R1", "document", "1.1.1", False, 2, 2),
        ("P1", "R1", "onsite", "1.1.10", False, 4, 4),
        ("P1", "R2", "document", "1.1.1", False, 1, 2),
        ("P2", "R1", "onsite", "1.1.2", True, 0, 2),
        ("P2", "R1", "onsite", "1.1.3", False, 0, 2),
        ("P2", "R2", "document", "1.1.1", False, 1, 2),
        ("P2", "R2", "document", "1.1.2", True, 0, 2),
    ]
    assert [w.code for w in loaded.warnings] == ["duplicate-score"]


@settings(max_examples=30, deadline=None)
@given(order=s.permutations(range(len(LINES) + len(BAD))), files=s.integers(1, 3), file_order=s.permutations(range(3)))
def test_order_does_not_change_the_problems(
    roster: Roster, order: list[int], files: int, file_order: list[int]
) -> None:
    lines = LINES + BAD
    with tempfile.TemporaryDirectory() as folder, pytest.raises(SheetError) as caught:
        load_scores(split(Path(folder), [lines[i] for i in order], files, file_order), RUBRIC_T, roster)
    assert Counter(p.code for p in caught.value.problems) == Counter(
        {"unknown-indicator": 1, "score-not-in-scale": 1, "conflicting-score": 1, "duplicate-score": 1}
    )


CELL_TEXT = s.text(s.sampled_from(" \t\u00a0\u3000\x00a가\u1100\u1161\u0301\u00a8ＡﬁÅ1."), max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    values=s.one_of(
        s.lists(s.one_of(CELL_TEXT, s.text(max_size=4)), max_size=5),
        s.lists(s.one_of(CELL_TEXT, s.floats(allow_nan=False), s.integers()), max_size=5),
    )
)
def test_a_column_normalises_as_its_cells_do(values: list[object]) -> None:
    """The column-at-once shortcut (already normalised text) never differs from the cell-by-cell rule."""
    assert normalise_texts(values) == [normalise_text(v) for v in values]
