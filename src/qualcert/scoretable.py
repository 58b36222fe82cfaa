"""The validated score table: the scoring engine's only input.

One row per (institution, reviewer, stage, indicator) score, after validation
against the rubric and roster. Ingest produces it (:mod:`qualcert.ingest`), the
scoring core consumes it (:mod:`qualcert.scoring`). The fraction a reviewer gave
is ``num / den`` exactly (``den`` is the indicator's denominator from
:func:`qualcert.scoring.fractions.indicator_scale`); ``na`` rows have ``num`` 0.
Provenance columns trace every value back to its file, sheet and cell.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

INSTITUTION: Final = "institution_id"
REVIEWER: Final = "reviewer_id"
STAGE: Final = "stage"
INDICATOR: Final = "indicator_id"
NA: Final = "na"
NUM: Final = "num"
DEN: Final = "den"
LABEL: Final = "label"  # the score as written (normalised), e.g. 우수, 3.5, N/A
COMMENT: Final = "comment"
FILE: Final = "file"
SHEET: Final = "sheet"  # "" for CSV
CELL: Final = "cell"  # A1 reference of the score cell; "" for CSV
ROW: Final = "row"  # 1-based row in the sheet or CSV (header is row 1)

KEY: Final = (INSTITUTION, REVIEWER, STAGE, INDICATOR)
COLUMNS: Final = (
    INSTITUTION,
    REVIEWER,
    STAGE,
    INDICATOR,
    NA,
    NUM,
    DEN,
    LABEL,
    COMMENT,
    FILE,
    SHEET,
    CELL,
    ROW,
)
DTYPES: Final = {
    INSTITUTION: "str",
    REVIEWER: "str",
    STAGE: "str",
    INDICATOR: "str",
    NA: "bool",
    NUM: "int64",
    DEN: "int64",
    LABEL: "str",
    COMMENT: "str",
    FILE: "str",
    SHEET: "str",
    CELL: "str",
    ROW: "int64",
}


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[c]) for c in COLUMNS})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the score-table columns, in order, with their dtypes."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"score table lacks columns {missing}")  # a programming error, not user input
    return frame.loc[:, list(COLUMNS)].astype(DTYPES)
