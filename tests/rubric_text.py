"""Rubric texts for the rubric tests, written inline so that the line numbers the tests assert can be read off.

``MINIMAL`` is a complete valid rubric (19 lines). ``HEAD`` is its first 8 lines (everything but the domains):
texts built as ``HEAD + "domains: ..."`` have their ``domains:`` key on line 9.
"""

from __future__ import annotations

from qualcert.errors import Problem, RubricError
from qualcert.rubric import parse_rubric

MINIMAL = """\
schema: qualcert/rubric@1
id: mini
title: {ko: 미니, en: Mini}
version: "2023.1"
service_types: [a, b]
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.1}}
  pts: {kind: points, step: 0.5}
domains:
  - id: "1"
    name: 영역
    items:
      - id: "1.1"
        name: 항목
        indicators:
          - id: "1.1.1"
            name: 지표
            points: 4
            scale: lv
"""

HEAD = "".join(MINIMAL.splitlines(keepends=True)[:8])

# One domain, one item; the indicators are one flow mapping per line from line 16 on.
ONE_ITEM = """\
domains:
  - id: "1"
    name: 영역
    items:
      - id: "1.1"
        name: 항목
        indicators:
"""


def problems(text: str, file: str = "r.yaml") -> list[Problem]:
    """The problems of an invalid rubric text (fails the test if the text is valid)."""
    try:
        parse_rubric(text, file)
    except RubricError as exc:
        return exc.problems
    raise AssertionError("the rubric was accepted")


def located(text: str) -> list[tuple[str, int | None, int | None]]:
    """(code, line, column) of every problem, in reported order."""
    return [(p.code, p.location.line, p.location.col) for p in problems(text)]


def only(text: str) -> Problem:
    """The single problem of a text."""
    found = problems(text)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]
