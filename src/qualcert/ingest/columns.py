"""Canonical column names and the aliases reviewers and agencies actually type.

Headers are matched after :func:`header_key` (NFKC, trimmed, case-folded, inner
spaces removed), so ``Institution ID``, ``institution_id`` and ``기관 코드`` all match.
``배점`` (the points an indicator is worth) is deliberately *not* an alias of score.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Final

INSTITUTION: Final = "institution_id"
REVIEWER: Final = "reviewer_id"
STAGE: Final = "stage"
INDICATOR: Final = "indicator_id"
SCORE: Final = "score"
COMMENT: Final = "comment"
NAME: Final = "name"
SERVICE_TYPE: Final = "service_type"

KEY_FIELDS: Final = (INSTITUTION, REVIEWER, STAGE)  # a column of a long table, or a labelled cell of a template
SCORE_FIELDS: Final = (*KEY_FIELDS, INDICATOR, SCORE, COMMENT)
REQUIRED_FIELDS: Final = (*KEY_FIELDS, INDICATOR, SCORE)
ROSTER_FIELDS: Final = (INSTITUTION, NAME, SERVICE_TYPE)

KOREAN: Final = {
    INSTITUTION: "기관코드",
    REVIEWER: "심사위원",
    STAGE: "단계",
    INDICATOR: "지표",
    SCORE: "점수",
    COMMENT: "의견",
    NAME: "기관명",
    SERVICE_TYPE: "서비스유형",
}

_ALIASES: Final = {
    INSTITUTION: (
        "institution",
        "institutionid",
        "institution_code",
        "provider",
        "provider_id",
        "기관",
        "기관코드",
        "기관id",
        "기관번호",
        "기관아이디",
        "시설코드",
        "시설id",
        "시설번호",
        "제공기관코드",
    ),
    REVIEWER: (
        "reviewer",
        "reviewerid",
        "rater",
        "rater_id",
        "심사위원",
        "평가위원",
        "심사위원id",
        "평가위원id",
        "심사위원코드",
        "평가위원코드",
        "위원",
        "위원id",
        "심사자",
        "평가자",
    ),
    STAGE: ("stage", "단계", "심사단계", "평가단계", "심사구분", "평가구분"),
    INDICATOR: (
        "indicator",
        "indicatorid",
        "indicator_code",
        "지표",
        "지표코드",
        "지표번호",
        "지표id",
        "평가지표",
        "평가지표코드",
    ),
    SCORE: ("score", "점수", "평가점수", "심사점수", "득점", "판정", "평가결과", "심사결과"),
    COMMENT: ("comment", "comments", "note", "의견", "평가의견", "심사의견", "비고", "메모"),
    NAME: ("name", "institution_name", "기관명", "기관이름", "시설명", "제공기관명"),
    SERVICE_TYPE: ("service_type", "servicetype", "service", "서비스유형", "서비스종류", "서비스", "사업유형"),
}

STAGE_ALIASES: Final[dict[str, str]] = {
    "document": "document",
    "documents": "document",
    "doc": "document",
    "서면": "document",
    "서면심사": "document",
    "서면평가": "document",
    "onsite": "onsite",
    "on-site": "onsite",
    "on site": "onsite",
    "on_site": "onsite",
    "현장": "onsite",
    "현장심사": "onsite",
    "현장평가": "onsite",
    "현장점검": "onsite",
}


def header_key(text: str) -> str:
    """A header cell reduced for matching: NFKC, trimmed, lower case, inner spaces removed."""
    return "".join(unicodedata.normalize("NFKC", text).strip().casefold().split())


ALIASES: Final[dict[str, str]] = {
    header_key(alias): field for field, aliases in _ALIASES.items() for alias in (field, *aliases)
}


@lru_cache(maxsize=4096)
def canonical(text: str) -> str | None:
    """The canonical field of a header cell, or None when it is not one of ours."""
    key = header_key(text)
    return ALIASES.get(key) or ALIASES.get(key.replace("_", "").replace("-", ""))


def canonical_stage(text: str) -> str | None:
    """``document`` / ``onsite`` for a stage as written (서면, 현장, On-site …), else None."""
    return STAGE_ALIASES.get(" ".join(text.strip().casefold().split()))


def described(field: str) -> str:
    """A field named for messages: ``institution_id (기관코드)``."""
    return f"{field} ({KOREAN[field]})" if field in KOREAN else field
