"""A small rubric and roster for the reviewer-sheet tests, and writers of CSV and xlsx inputs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from qualcert import scoretable as st

RUBRIC = """\
schema: qualcert/rubric@1
id: t
title: 시험 심사기준
version: "1"
service_types: [a, b]
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.0}}
  pt: {kind: points, step: 0.5}
domains:
  - id: "1"
    name: 운영
    items:
      - id: "1.1"
        name: 계획
        indicators:
          - {id: "1.1.1", name: 계획 수립, points: 4, scale: lv}
          - {id: "1.1.10", name: 기록 관리, points: 2, scale: pt, stages: [onsite]}
          - {id: "1.1.2", name: 고충 처리, points: 4, scale: lv, allow_na: true}
          - {id: "1.1.3", name: 안전 관리, points: 4, scale: lv, applies_to: [b]}
"""
ROSTER = "institution_id,name,service_type\nP1,가 센터,a\nP2,나 센터,b\n"
HEADER = "institution_id,reviewer_id,stage,indicator_id,score,comment\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    """A workbook as a reviewer's Excel would save it (openpyxl: ints stay ints, formulas have no saved value)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def scores(table: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The table's (institution, reviewer, stage, indicator, na, num, den), sorted."""
    return sorted(table[[*st.KEY, st.NA, st.NUM, st.DEN]].itertuples(index=False, name=None))


def codes(problems: Iterable[Any], root: Path) -> list[tuple[str, str]]:
    """(code, location) of each problem, locations relative to ``root``."""
    return [(p.code, str(p.location).replace(f"{root}/", "")) for p in problems]
