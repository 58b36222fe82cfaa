"""Reasons for a null agreement value: the JSON's English texts parse back, and each has its Korean text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as s

from qualcert.agreement.reasons import REASONS, fields, parse, reason
from qualcert.report.workbook_agreement import in_language
from qualcert.report.workbook_text import REASONS_KO


@given(s.data())
def test_every_reason_parses_back_to_its_key_and_numbers(data: s.DataObject) -> None:
    for key, template in REASONS.items():
        numbers = {name: data.draw(s.integers(0, 10**6), label=name) for name in fields(template)}
        assert parse(reason(key, **numbers)) == (key, {name: str(n) for name, n in numbers.items()})


def test_a_text_that_is_no_reason_of_ours_parses_to_none() -> None:
    assert parse("something else") is None
    assert parse(reason("few_units") + " with 2 or more ratings") == ("few_units_rated_twice", {})
    assert parse(reason("few_units") + " ") is None  # whole texts only


def test_every_reason_has_a_korean_text_with_the_same_numbers() -> None:
    assert REASONS_KO.keys() == REASONS.keys()
    for key, template in REASONS_KO.items():
        assert sorted(fields(template)) == sorted(fields(REASONS[key])), key


def test_reasons_in_the_sheet_language() -> None:
    text = reason("not_crossed", lacking=3, units=8673, reviewers=5)
    assert in_language(text, "en") == text
    assert in_language(text, "ko") == REASONS_KO["not_crossed"].format(lacking=3, units="8,673", reviewers=5)
    assert "units" not in in_language(text, "ko")
    assert in_language("a note of another version", "ko") == "a note of another version"  # shown as it is
