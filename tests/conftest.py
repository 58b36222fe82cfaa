"""Shared fixtures: small rubrics written to tmp_path and loaded like a user's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from qualcert.ingest import Roster, read_roster
from qualcert.rubric import Rubric, load_rubric
from tests.ingest_helpers import ROSTER, RUBRIC, write
from tests.register_db import fresh_db

MakeRubric = Callable[[str], Rubric]


@pytest.fixture
def make_rubric(tmp_path: Path) -> MakeRubric:
    """Write rubric YAML (dedented) to tmp_path/rubric.yaml and load it."""

    def make(text: str) -> Rubric:
        path = tmp_path / "rubric.yaml"
        path.write_text(dedent(text), encoding="utf-8")
        return load_rubric(path)

    return make


@pytest.fixture
def sheet_rubric(make_rubric: MakeRubric) -> Rubric:
    """The small rubric of the reviewer-sheet tests (tests/ingest_helpers.py)."""
    return make_rubric(RUBRIC)


@pytest.fixture
def sheet_roster(tmp_path: Path) -> Roster:
    """P1 (service type a) and P2 (b), read from tmp_path/roster.csv."""
    return read_roster(write(tmp_path / "roster.csv", ROSTER))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    """A new, empty register location: a SQLite file, or a schema on $QUALCERT_TEST_DB_URL (tests/register_db.py)."""
    yield from fresh_db(tmp_path)
