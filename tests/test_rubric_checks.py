"""One test per cross-field rule of qualcert.rubric.checks: its code and the exact line:column it reports."""

from __future__ import annotations

import pytest

from qualcert.rubric import parse_rubric
from qualcert.rubric.checks import check_rubric
from tests.rubric_text import HEAD, MINIMAL, ONE_ITEM, located, only

# HEAD is lines 1-8 and ONE_ITEM lines 9-15, so the first indicator below is on line 16. Columns in an
# indicator line `          - {id: "1.1.1", name: 지표, points: 4, scale: lv, ...}`: id value 18, points value 45,
# scale value 55, the first extra key 59.
IND = '          - {{id: "{id}", name: 지표, points: {points}, scale: {scale}{extra}}}\n'


def ind(id: str = "1.1.1", points: str = "4", scale: str = "lv", extra: str = "") -> str:
    return IND.format(id=id, points=points, scale=scale, extra=extra)


TWO_DOMAINS = """\
domains:
  - id: {d1}
    name: 가
    items:
      - id: {i1}
        name: 항목
        indicators:
          - {{id: {k1}, name: 지표, points: 4, scale: lv}}
  - id: {d2}
    name: 나
    items:
      - id: {i2}
        name: 항목
        indicators:
          - {{id: {k2}, name: 지표, points: 4, scale: lv}}
"""  # lines 9-23: domain ids on lines 10 and 17 (column 9), items 13 and 20 (column 13), indicators 16 and 23 (18)


def two_domains(d1: str = "A", i1: str = "A1", k1: str = "A1a", d2: str = "B", i2: str = "B1", k2: str = "B1a") -> str:
    return HEAD + TWO_DOMAINS.format(d1=d1, i1=i1, k1=k1, d2=d2, i2=i2, k2=k2)


def test_the_helpers_build_valid_rubrics() -> None:
    assert parse_rubric(two_domains()).counts()["indicators"] == 2
    assert parse_rubric(HEAD + ONE_ITEM + ind()).counts()["indicators"] == 1


def test_a_rubric_using_every_rule_correctly_is_valid() -> None:
    text = (
        HEAD.replace("[a, b]", "[a, b, c]")
        + "stage_weights: {document: 0.4, onsite: 0.6}\nstage_combine: onsite\n"
        + ONE_ITEM
        + ind("1.1.1", extra=", stages: [document, onsite], applies_to: [a, c], allow_na: true, floor: 0.5")
        + ind("1.1.2", "1.5", "pts", ", stages: [onsite]")
        + "decision:\n"
        + "  total_min: 80\n"
        + "  grades: [{grade: A, min: 90}, {grade: B, min: 80}, {grade: F, min: 0}]\n"
        + "  eligibility:\n"
        + "    - {field: years, min: 3}\n"
        + "    - {field: sanctions, min: 0, max: 0}\n"
        + "    - {field: region, one_of: [세종, 대전]}\n"
    )
    rubric = parse_rubric(text)
    assert rubric.stage_combine == "onsite" and len(rubric.decision.eligibility) == 3


# -- unique ids at every level ------------------------------------------------------------------------------------


def test_duplicate_domain_id() -> None:
    p = only(two_domains(d2="A"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-id", 17, 9)
    assert "domain id 'A'" in p.message and "first at line 10" in p.message


def test_duplicate_item_id_across_domains() -> None:
    p = only(two_domains(i2="A1"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-id", 20, 13)
    assert "item id 'A1'" in p.message and "first at line 13" in p.message


def test_duplicate_indicator_id_across_items() -> None:
    p = only(two_domains(k2="A1a"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-id", 23, 18)
    assert "indicator id 'A1a'" in p.message and "first at line 16" in p.message


def test_duplicate_indicator_id_in_one_item() -> None:
    p = only(HEAD + ONE_ITEM + ind("1.1.1") + ind("1.1.1"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-id", 17, 18)


def test_duplicate_item_id_is_found_even_when_the_first_item_has_no_indicators() -> None:
    text = two_domains(i2="A1").replace(
        "        indicators:\n          - {id: A1a, name: 지표, points: 4, scale: lv}\n", "        indicators: []\n"
    )
    assert located(text) == [("invalid-value", 15, 21), ("duplicate-id", 19, 13)]


def test_the_same_id_at_different_levels_is_fine() -> None:
    parse_rubric(two_domains(d1="X", i1="X", k1="X"))


# -- dotted ids extend their parent's id --------------------------------------------------------------------------


def test_item_id_must_extend_its_domain_id() -> None:
    p = only(HEAD + ONE_ITEM.replace('- id: "1.1"', '- id: "2.1"') + ind("2.1.1"))
    assert (p.code, p.location.line, p.location.col) == ("id-prefix", 13, 13)
    assert "'2.1'" in p.message and "'1.'" in p.message


def test_indicator_id_must_extend_its_item_id() -> None:
    p = only(HEAD + ONE_ITEM + ind("1.2.1"))
    assert (p.code, p.location.line, p.location.col) == ("id-prefix", 16, 18)
    assert "'1.2.1'" in p.message and "'1.1.'" in p.message


def test_prefix_is_a_whole_id_not_a_string_prefix() -> None:
    p = only(HEAD + ONE_ITEM + ind("1.11"))  # starts with "1.1" but not with "1.1."
    assert (p.code, p.location.line) == ("id-prefix", 16)


def test_ids_that_are_not_dotted_need_no_prefix() -> None:
    parse_rubric(two_domains(d1="A", i1="item", k1="x"))


# -- indicators refer to declared things --------------------------------------------------------------------------


def test_unknown_scale() -> None:
    p = only(HEAD + ONE_ITEM + ind(scale="nope"))
    assert (p.code, p.location.line, p.location.col) == ("unknown-scale", 16, 55)
    assert "'nope'" in p.message and "lv, pts" in p.message


def test_points_not_a_multiple_of_the_step() -> None:
    p = only(HEAD + ONE_ITEM + ind(points="1.25", scale="pts"))
    assert (p.code, p.location.line, p.location.col) == ("points-step", 16, 45)
    assert "1.25" in p.message and "0.5" in p.message


@pytest.mark.parametrize(("step", "points"), [("0.5", "1.5"), ("0.1", "0.3"), ("0.25", "10"), ("1", "7")])
def test_points_that_are_a_multiple_of_the_step(step: str, points: str) -> None:
    parse_rubric(HEAD.replace("step: 0.5", f"step: {step}") + ONE_ITEM + ind(points=points, scale="pts"))


def test_points_step_of_a_levels_scale_is_not_checked() -> None:
    parse_rubric(HEAD + ONE_ITEM + ind(points="1.25", scale="lv"))


def test_stage_without_a_weight() -> None:
    text = HEAD + "stage_weights: {document: 1}\n" + ONE_ITEM + ind(extra=", stages: [document, onsite]")
    p = only(text)  # the indicator is on line 17
    assert (p.code, p.location.line, p.location.col) == ("unweighted-stage", 17, 78)
    assert "'onsite'" in p.message and "stage_weights" in p.message


def test_duplicate_stage() -> None:
    p = only(HEAD + ONE_ITEM + ind(extra=", stages: [onsite, onsite]"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-stage", 16, 76)


def test_applies_to_an_undeclared_service_type() -> None:
    p = only(HEAD + ONE_ITEM + ind(extra=", applies_to: [a, c]"))
    assert (p.code, p.location.line, p.location.col) == ("unknown-service-type", 16, 75)
    assert "'c'" in p.message and "a, b" in p.message


def test_applies_to_without_any_service_types() -> None:
    text = HEAD.replace("service_types: [a, b]\n", "") + ONE_ITEM + ind(extra=", applies_to: [a]")
    p = only(text)
    assert (p.code, p.location.line, p.location.col) == ("unknown-service-type", 15, 72)
    assert "none declared" in p.message


# -- scales and service types -------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["N/A", "n/a", "NA", "해당없음"])
def test_reserved_not_applicable_label(label: str) -> None:
    text = MINIMAL.replace("중: 0.5", f"{label}: 0.5")
    p = only(text)
    col = 41 + len(label)  # the value after `{상: 1.0, LABEL: `
    assert (p.code, p.location.line, p.location.col) == ("reserved-label", 7, col)
    assert "allow_na" in p.message


def test_labels_differing_only_by_case() -> None:
    p = only(MINIMAL.replace("{상: 1.0, 중: 0.5, 하: 0.1}", "{Good: 1.0, 중: 0.5, good: 0}"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-label", 7, 56)
    assert "'good'" in p.message


def test_duplicate_service_type() -> None:
    p = only(MINIMAL.replace("service_types: [a, b]", "service_types: [a, b, a]"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-service-type", 5, 23)


# -- grade bands (decision on lines 20-21) ------------------------------------------------------------------------


def grades(bands: str) -> str:
    return MINIMAL + f"decision:\n  grades: {bands}\n"


def test_duplicate_grade() -> None:
    p = only(grades("[{grade: A, min: 90}, {grade: A, min: 80}, {grade: F, min: 0}]"))
    assert (p.code, p.location.line, p.location.col) == ("duplicate-grade", 21, 41)


@pytest.mark.parametrize("second", ["90", "95"])
def test_grade_bands_must_go_down(second: str) -> None:
    p = only(grades(f"[{{grade: A, min: 90}}, {{grade: B, min: {second}}}, {{grade: F, min: 0}}]"))
    assert (p.code, p.location.line, p.location.col) == ("grade-order", 21, 49)
    assert f"B min {second}" in p.message


def test_lowest_grade_must_start_at_zero() -> None:
    p = only(grades("[{grade: A, min: 90}, {grade: B, min: 60}]"))
    assert (p.code, p.location.line, p.location.col) == ("grade-gap", 21, 49)
    assert "'B'" in p.message and "60" in p.message


def test_grade_bands_in_block_style() -> None:
    text = MINIMAL + "decision:\n  grades:\n    - {grade: A, min: 80}\n    - grade: B\n      min: 90\n"
    assert located(text) == [("grade-order", 24, 12), ("grade-gap", 24, 12)]


# -- eligibility rules (the first rule on line 22) ----------------------------------------------------------------


def eligibility(*rules: str) -> str:
    return MINIMAL + "decision:\n  eligibility:\n" + "".join(f"    - {rule}\n" for rule in rules)


def test_eligibility_rule_without_a_condition() -> None:
    p = only(eligibility("{field: years}"))
    assert (p.code, p.location.line, p.location.col) == ("eligibility-empty", 22, 7)


def test_eligibility_rule_mixing_one_of_and_bounds() -> None:
    p = only(eligibility("{field: kind, one_of: [x], min: 1}"))
    assert (p.code, p.location.line, p.location.col) == ("eligibility-mixed", 22, 7)


def test_eligibility_rule_with_min_above_max() -> None:
    p = only(eligibility("{field: years, min: 3}", "{field: score, min: 5, max: 1}"))
    assert (p.code, p.location.line, p.location.col) == ("eligibility-range", 23, 7)
    assert "min 5" in p.message and "max 1" in p.message


@pytest.mark.parametrize("field", ["institution_id", "name", "service_type"])
def test_eligibility_on_a_reserved_roster_column(field: str) -> None:
    p = only(eligibility(f"{{field: {field}, min: 1}}"))
    assert (p.code, p.location.line, p.location.col) == ("eligibility-field", 22, 15)


def test_two_eligibility_rules_on_one_field() -> None:
    p = only(eligibility("{field: years, min: 3}", "{field: years, max: 10}"))
    assert (p.code, p.location.line, p.location.col) == ("eligibility-duplicate", 23, 15)


def test_eligibility_field_of_the_wrong_type_is_a_problem_not_a_crash() -> None:
    assert located(eligibility("{field: [a], min: 1}", "{field: {b: 1}, min: 1}")) == [
        ("invalid-value", 22, 15),
        ("invalid-value", 23, 15),
    ]


# -- stage_combine ------------------------------------------------------------------------------------------------


def test_stage_combine_onsite_needs_an_onsite_weight() -> None:
    text = HEAD + "stage_weights: {document: 1}\nstage_combine: onsite\n" + ONE_ITEM + ind(extra=", stages: [document]")
    p = only(text)
    assert (p.code, p.location.line, p.location.col) == ("stage-combine", 10, 16)


# -- the rules on raw data ----------------------------------------------------------------------------------------


def test_rules_skip_values_of_the_wrong_type() -> None:
    """Pydantic reports wrong types; the rules must neither crash on them nor report them again."""
    data = {
        "service_types": "a",
        "scales": ["lv"],
        "stage_weights": 3,
        "domains": [None, {"id": 1, "items": "x"}, {"id": "d", "items": [{"id": "i", "indicators": [7, {"id": []}]}]}],
        "decision": {"grades": [None, {"grade": ["A"], "min": "x"}], "eligibility": [{"field": {"x": 1}, "one_of": 3}]},
    }
    assert check_rubric(data) == []


def test_check_rubric_names_other_places_by_path_without_the_loader() -> None:
    data = {"domains": [{"id": "A", "items": []}, {"id": "A", "items": []}]}
    assert check_rubric(data) == [
        (("domains", 1, "id"), "duplicate-id", "domain id 'A' is used twice (first at domains.0.id)")
    ]
