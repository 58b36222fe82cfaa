"""Canonical column names and the aliases reviewers and agencies actually type."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Final

SCORE_COLUMNS: Final = ("institution_id", "reviewer_id", "stage", "indicator_id", "score", "comment")
REQUIRED_SCORE_COLUMNS: Final = ("institution_id", "reviewer_id", "stage", "indicator_id", "score")

ALIASES: Final[dict[str, str]] = {
    # institution
    "institution_id": "institution_id",
    "institution": "institution_id",
    "기관코드": "institution_id",
    "기관id": "institution_id",
    "기관번호": "institution_id",
    "기관": "institution_id",
    # reviewer
    "reviewer_id": "reviewer_id",
    "reviewer": "reviewer_id",
    "심사위원": "reviewer_id",
    "평가위원": "reviewer_id",
    "심사위원id": "reviewer_id",
    "평가위원id": "reviewer_id",
    "위원": "reviewer_id",
    # stage
    "stage": "stage",
    "단계": "stage",
    "심사단계": "stage",
    "평가단계": "stage",
    # indicator
    "indicator_id": "indicator_id",
    "indicator": "indicator_id",
    "지표": "indicator_id",
    "지표코드": "indicator_id",
    "지표번호": "indicator_id",
    "지표id": "indicator_id",
    # score
    "score": "score",
    "점수": "score",
    "판정": "score",
    "평가": "score",
    "등급": "score",
    # comment
    "comment": "comment",
    "의견": "comment",
    "평가의견": "comment",
    "심사의견": "comment",
    "비고": "comment",
    # roster
    "name": "name",
    "기관명": "name",
    "institution_name": "name",
    "service_type": "service_type",
    "서비스유형": "service_type",
    "서비스": "service_type",
    "유형": "service_type",
}

STAGE_ALIASES: Final[dict[str, str]] = {
    "document": "document",
    "documents": "document",
    "doc": "document",
    "서면": "document",
    "서면심사": "document",
    "onsite": "onsite",
    "on-site": "onsite",
    "on site": "onsite",
    "현장": "onsite",
    "현장심사": "onsite",
}


def header_key(text: str) -> str:
    """A header cell reduced for matching: NFKC, trimmed, lower case, inner spaces removed."""
    return "".join(unicodedata.normalize("NFKC", text).strip().casefold().split())


@lru_cache(maxsize=4096)
def canonical(text: str) -> str | None:
    """The canonical column for a header cell, or None when it is not one of ours."""
    key = header_key(text)
    return ALIASES.get(key) or ALIASES.get(key.replace("_", ""))


def canonical_stage(text: str) -> str | None:
    return STAGE_ALIASES.get(" ".join(text.strip().casefold().split()))
