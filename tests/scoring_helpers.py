"""Build validated score tables directly (no files) for scoring-core tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from textwrap import dedent

import pandas as pd

from qualcert import scoretable as st
from qualcert.rubric import Rubric, parse_rubric
from qualcert.scoring.fractions import Parsed, normalise_text, scales_for


def rubric_from(text: str) -> Rubric:
    return parse_rubric(dedent(text), "test.yaml")


def table(rubric: Rubric, rows: Iterable[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """Rows of (institution, reviewer, stage, indicator, score text) → a validated score table."""
    scales = scales_for(rubric)
    records = []
    for n, (inst, reviewer, stage, indicator, text) in enumerate(rows, start=2):
        parsed = scales[indicator].parse(normalise_text(text))
        assert isinstance(parsed, Parsed), parsed
        records.append(
            {
                st.INSTITUTION: inst,
                st.REVIEWER: reviewer,
                st.STAGE: stage,
                st.INDICATOR: indicator,
                st.NA: parsed.na,
                st.NUM: parsed.num,
                st.DEN: scales[indicator].den,
                st.LABEL: text,
                st.COMMENT: "",
                st.FILE: "t.csv",
                st.SHEET: "",
                st.CELL: "",
                st.ROW: n,
            }
        )
    return st.conform(pd.DataFrame(records)) if records else st.empty()


@dataclass(frozen=True)
class Inst:
    institution_id: str
    service_type: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    name: str = "기관"
