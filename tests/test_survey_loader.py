"""The survey definition format: defaults, and every mistake located at its YAML line, all at once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from qualcert.survey import SurveyError, load_survey, parse_survey
from tests.survey_helpers import SURVEY

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "survey" / "survey.yaml"


def problems(text: str) -> list[tuple[str, int | None, int | None]]:
    with pytest.raises(SurveyError) as info:
        parse_survey(text, "s.yaml")
    return [(p.code, p.location.line, p.location.col) for p in info.value.problems]


def test_defaults() -> None:
    s = parse_survey(SURVEY.replace("min_respondents: 3\n", ""))
    assert s.min_answered == Decimal("0.5") and s.min_respondents == 30 and s.top_box == 1
    assert s.missing == ["모름", "해당없음"]
    assert (s.combine.customer, s.combine.operational) == (Decimal("0.5"), Decimal("0.5"))
    assert [q.id for q in s.index_questions] == ["Q1", "Q2", "Q3", "Q4"]
    assert s.questions[1].reverse and not s.questions[0].reverse


def test_the_bundled_example_is_valid_and_realistic() -> None:
    s = load_survey(EXAMPLE)
    assert [d.id for d in s.dimensions] == ["적시성", "친절성", "전문성", "정보제공성", "욕구충족도", "인권보장"]
    assert all(2 <= len(s.questions_of(d)) <= 4 for d in s.dimensions)
    assert (s.scale.min, s.scale.max) == (1, 5)
    assert [q.text for q in s.questions if q.reverse] == ["서비스 이용 절차가 복잡하다"]
    assert any("계속 이용" in q.text and q.dimension is None for q in s.questions)
    assert s.sha256 is not None and s.path == str(EXAMPLE)


def test_every_mistake_is_located_at_once() -> None:
    text = SURVEY.replace("min_respondents: 3", "min_respondents: 3\nmin_answerd: 0.5")  # line 7: a typo
    text = text.replace("{id: Q3, dimension: B,", "{id: Q3, dimension: C,")  # line 14: unknown dimension
    text = text.replace("{id: Q4,", "{id: Q1,")  # line 15: duplicate id
    text = text.replace("보통이다, ", "")  # line 5: 4 labels for 5 points
    assert problems(text) == [
        ("scale-labels", 5, 33),  # the list
        ("unknown-key", 7, 1),  # the key
        ("unknown-dimension", 14, 25),  # the value C
        ("duplicate-question", 15, 10),  # the second Q1
    ]
    with pytest.raises(SurveyError, match=r"'Q1' is defined twice \(line 12\)"):
        parse_survey(text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("schema: qualcert/survey@1", "schema: qualcert/rubric@1", ("schema-id", 1, 9)),
        ("{min: 1, max: 5,", "{min: 5, max: 1,", ("scale-range", 5, 22)),
        ("{min: 1, max: 5,", "{min: 1.5, max: 5,", ("invalid-value", 5, 14)),
        ("min_respondents: 3", "min_respondents: 0", ("invalid-value", 6, 18)),
        ("min_respondents: 3", "min_respondents: 3\nmin_answered: 1.5", ("invalid-value", 7, 15)),
        ("min_respondents: 3", "min_respondents: 3\nmissing: [모름, 그렇다]", ("missing-token", 7, 15)),
        (
            "min_respondents: 3",
            "min_respondents: 3\ncombine: {customer: 0, operational: 0}",
            ("combine-weights", 7, 10),
        ),
        ("reverse: true}", "reverse: yes please}", ("invalid-value", 12, 60)),
        ("  - {id: B, name: 친절성}\n", "  - {id: B, name: 친절성}\n  - {id: C}\n", ("empty-dimension", 10, 10)),
        ("{id: A, name: 적시성}", "{id: A, name: 적시성, weight: 0}", ("invalid-value", 8, 32)),
        ("{id: Q5,", "{id: Respondent_ID,", ("reserved-id", 15, 10)),
    ],
)
def test_single_mistakes(old: str, new: str, expected: tuple[str, int, int]) -> None:
    assert old in SURVEY
    assert problems(SURVEY.replace(old, new, 1)) == [expected]


def test_yaml_level_problems_use_the_rubric_machinery(tmp_path: Path) -> None:
    assert problems(SURVEY + "id: again\n") == [("yaml-duplicate-key", 16, 1)]
    with pytest.raises(SurveyError) as info:
        parse_survey("", "s.yaml")
    assert info.value.problems[0].message == "the survey definition file is empty"
    path = tmp_path / "s.yaml"
    path.write_bytes("title: \xff".encode("latin-1"))
    with pytest.raises(SurveyError) as info:
        load_survey(path)
    assert info.value.problems[0].code == "encoding" and "survey definition must be UTF-8" in str(info.value)
    with pytest.raises(SurveyError, match="no such survey definition file"):
        load_survey(tmp_path / "missing.yaml")
