"""A small survey definition, respondents built in memory, and response files for the survey tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from qualcert.errors import Location
from qualcert.survey import Respondent, Survey, parse_survey

# dimension A: Q1 and Q2 (reversed); dimension B: Q3 and Q4; Q5 is reported only (계속 이용 의향)
SURVEY = """\
schema: qualcert/survey@1
id: t-survey
title: 시험 만족도 조사
version: "1"
scale: {min: 1, max: 5, labels: [전혀 그렇지 않다, 그렇지 않다, 보통이다, 그렇다, 매우 그렇다]}
min_respondents: 3
dimensions:
  - {id: A, name: 적시성}
  - {id: B, name: 친절성}
questions:
  - {id: Q1, dimension: A, text: 필요한 때에 서비스를 받았다}
  - {id: Q2, dimension: A, text: 서비스 이용 절차가 복잡하다, reverse: true}
  - {id: Q3, dimension: B, text: 친절하게 대해 주었다}
  - {id: Q4, dimension: B, text: 요청에 성의 있게 응대했다}
  - {id: Q5, text: 계속 이용할 의향이 있다}
"""

Answers = Sequence[int | None]

# X: r3 answers 1 of 4 index questions (excluded); 3 counted, reliable (min_respondents 3)
X: dict[str, Answers] = {
    "r1": (5, 1, 4, 3, 5),
    "r2": (4, None, 5, None, 4),
    "r3": (3, None, None, None, None),
    "r4": (2, 4, 3, 5, None),
}
# Y: 2 respondents, unreliable; index 84.375 (rounds half-up to 84.38)
Y: dict[str, Answers] = {"s1": (5, 2, 5, 5, 5), "s2": (4, 2, 4, 4, 4)}
# Z: all 5 with the reversed question answered 1 → 100
Z: dict[str, Answers] = {"t1": (5, 1, 5, 5, 5)}


def survey(text: str = SURVEY) -> Survey:
    return parse_survey(text, "survey.yaml")


def respondents(**institutions: Mapping[str, Answers]) -> list[Respondent]:
    return [
        Respondent(iid, rid, tuple(answers), Location(file="mem", row=n))
        for iid, people in institutions.items()
        for n, (rid, answers) in enumerate(people.items(), start=2)
    ]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_rows(
    people: Mapping[str, Mapping[str, Answers]], header: str = "institution_id,respondent_id,Q1,Q2,Q3,Q4,Q5"
) -> str:
    lines = [header]
    for iid, answers in people.items():
        for rid, row in answers.items():
            lines.append(",".join([iid, rid, *("" if a is None else str(a) for a in row)]))
    return "\n".join(lines) + "\n"
