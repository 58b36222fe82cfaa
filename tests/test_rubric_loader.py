"""The rubric loader: exact values, and every problem located at its exact YAML line and column."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from qualcert.errors import RubricError
from qualcert.rubric import LevelsScale, Rubric, load_rubric, parse_rubric
from qualcert.rubric.model import LocalName
from tests.rubric_text import MINIMAL, located, only, problems


def load_text(tmp_path: Path, text: str | bytes, name: str = "r.yaml") -> Rubric:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return load_rubric(path)


def load_problems(tmp_path: Path, text: str | bytes) -> list[tuple[str, str, int | None, int | None]]:
    with pytest.raises(RubricError) as caught:
        load_text(tmp_path, text)
    return [(p.code, p.location.file or "", p.location.line, p.location.col) for p in caught.value.problems]


# -- a valid rubric ------------------------------------------------------------------------------------------------


def test_minimal_rubric_loads_with_exact_decimals(tmp_path: Path) -> None:
    rubric = load_text(tmp_path, MINIMAL)
    assert (rubric.id, rubric.version) == ("mini", "2023.1")
    assert rubric.title == LocalName(ko="미니", en="Mini")
    lv = rubric.scales["lv"]
    assert isinstance(lv, LevelsScale)
    assert lv.levels == {"상": Decimal("1.0"), "중": Decimal("0.5"), "하": Decimal("0.1")}
    # exactly the text: not the float 0.1000000000000000055511151231257827
    assert type(lv.levels["하"]) is Decimal and str(lv.levels["하"]) == "0.1"
    assert rubric.scales["pts"].model_dump() == {"kind": "points", "step": Decimal("0.5")}
    assert rubric.indicators["1.1.1"].points == Decimal(4)
    assert rubric.counts() == {"domains": 1, "items": 1, "indicators": 1, "points": Decimal(4)}
    # defaults of the format
    assert (rubric.precision, rubric.aggregate, rubric.stage_combine) == (2, "mean", "weighted")
    assert rubric.stages_of(rubric.indicators["1.1.1"]) == ["document", "onsite"]
    # provenance
    path = tmp_path / "r.yaml"
    assert rubric.path == str(path)
    assert rubric.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_parse_rubric_keeps_no_provenance_and_sums_exactly() -> None:
    text = MINIMAL.replace("points: 4", "points: 0.1").replace("step: 0.5", "step: 0.1")
    text += '          - {id: "1.1.2", name: 둘, points: 0.2, scale: pts}\n'
    rubric = parse_rubric(text)
    assert rubric.path is None and rubric.sha256 is None
    assert rubric.counts()["points"] == Decimal("0.3")  # 0.1 + 0.2, exactly


def test_utf8_bom_is_accepted_and_hashed_as_stored(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + MINIMAL.encode("utf-8")
    rubric = load_text(tmp_path, raw)
    assert rubric.id == "mini"
    assert rubric.sha256 == hashlib.sha256(raw).hexdigest()


def test_anchors_and_aliases_are_allowed() -> None:
    text = MINIMAL.replace(
        "            scale: lv\n", "            scale: lv\n            stages: &both [document, onsite]\n"
    )
    text += "          - {id: '1.1.2', name: 둘, points: 1, scale: lv, stages: *both}\n"
    assert parse_rubric(text).indicators["1.1.2"].stages == ["document", "onsite"]


# -- one located problem per mistake ------------------------------------------------------------------------------


def test_wrong_type_points_at_the_value() -> None:
    p = only(MINIMAL.replace("points: 4", "points: many"))  # line 18: `            points: many`
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 18, 21)
    assert p.message == "domains.0.items.0.indicators.0.points: Input should be a valid decimal (got 'many')"
    assert str(p).startswith("r.yaml:18:21: ")


def test_a_string_where_a_list_is_expected() -> None:
    assert located(MINIMAL.replace("service_types: [a, b]", "service_types: a")) == [("invalid-value", 5, 16)]


def test_unknown_key_points_at_the_key() -> None:
    p = only(MINIMAL + "            wieght: 2\n")  # line 20
    assert (p.code, p.location.line, p.location.col) == ("unknown-key", 20, 13)
    assert "wieght" in p.message and "spelling" in p.message


def test_unknown_key_inside_a_flow_mapping() -> None:
    text = MINIMAL.replace("title: {ko: 미니, en: Mini}", "title: {ko: 미니, eng: Mini}")
    assert located(text) == [("unknown-key", 3, 17)]


def test_missing_required_key_points_at_the_parent_mapping() -> None:
    p = only(MINIMAL.replace("            scale: lv\n", ""))
    assert (p.code, p.location.line, p.location.col) == ("missing-key", 16, 13)  # the indicator's `id:` line
    assert "scale" in p.message and "missing" in p.message


def test_missing_top_level_key_points_at_the_document() -> None:
    text = MINIMAL.replace('version: "2023.1"\n', "")
    assert located(text) == [("missing-key", 1, 1)]


def test_unquoted_version_tells_to_quote_it() -> None:
    p = only(MINIMAL.replace('version: "2023.1"', "version: 2023.1"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 4, 10)
    assert "2023.1" in p.message and "quotes" in p.message


def test_number_where_an_id_is_expected_tells_to_quote_it() -> None:
    p = only(MINIMAL.replace('- id: "1"', "- id: 1"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 10, 9)
    assert "quotes" in p.message


def test_id_with_a_trailing_space() -> None:
    p = only(MINIMAL.replace("id: mini", 'id: "mini "'))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 2, 5)
    assert p.message == "id: an id must not start or end with a space (got 'mini ')"


def test_unquoted_date_as_text_tells_to_quote_it() -> None:
    p = only(MINIMAL.replace('version: "2023.1"', "version: 2023-12-05"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 4, 10)
    assert "as a date" in p.message and "quotes" in p.message


def test_level_value_out_of_range() -> None:
    p = only(MINIMAL.replace("중: 0.5", "중: 1.5"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 7, 42)
    assert "1.5" in p.message and "less than or equal to 1" in p.message


def test_stage_weight_must_be_positive() -> None:
    p = only(MINIMAL.replace("scales:\n", "stage_weights: {document: 0, onsite: 1}\nscales:\n"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 6, 27)
    assert "greater than 0" in p.message


def test_wrong_schema_id() -> None:
    p = only(MINIMAL.replace("qualcert/rubric@1", "qualcert/rubric@2"))
    assert (p.code, p.location.line, p.location.col) == ("schema-id", 1, 9)


def test_unknown_scale_kind() -> None:
    p = only(MINIMAL.replace("kind: points", "kind: pointz"))
    assert (p.code, p.location.line, p.location.col) == ("invalid-value", 8, 8)
    assert "pointz" in p.message


# -- malformed YAML -----------------------------------------------------------------------------------------------


def test_tab_indentation() -> None:
    p = only(MINIMAL.replace("    name: 영역", "\tname: 영역"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-syntax", 11, 1)
    assert "tab" in p.message


def test_bad_indentation() -> None:
    p = only(MINIMAL.replace("        name: 항목", "         name: 항목"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-syntax", 14, 10)
    assert "line 13" in p.message  # where the mapping it broke started


def test_unclosed_bracket_names_where_it_was_opened() -> None:
    p = only(MINIMAL.replace("service_types: [a, b]", "service_types: [a, b"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-syntax", 6, 7)
    assert "started at line 5, column 16" in p.message


def test_duplicate_key_points_at_the_second_and_names_the_first() -> None:
    p = only(MINIMAL.replace("title: {ko: 미니, en: Mini}\n", "title: {ko: 미니, en: Mini}\nid: other\n"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-duplicate-key", 4, 1)
    assert "'id'" in p.message and "first at line 2" in p.message


def test_every_duplicate_key_is_reported_at_once() -> None:
    text = MINIMAL.replace("title: {ko: 미니, en: Mini}\n", "title: {ko: 미니, en: Mini}\nid: other\n").replace(
        "            scale: lv\n", "            scale: lv\n            points: 5\n"
    )
    assert located(text) == [("yaml-duplicate-key", 4, 1), ("yaml-duplicate-key", 21, 13)]


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str) -> None:
    p = only(text)
    assert (p.code, p.location.line, p.location.col) == ("empty", 1, 1)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_a_document_that_is_not_a_mapping(text: str) -> None:
    assert located(text) == [("not-a-mapping", 1, 1)]


def test_two_documents() -> None:
    p = only(MINIMAL + "---\nid: again\n")
    assert (p.code, p.location.line) == ("yaml-syntax", 20)


def test_control_character_is_located() -> None:
    p = only(MINIMAL.replace("id: mini", "id: mi\x07ni"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-syntax", 2, 7)
    assert "U+0007" in p.message


def test_control_character_after_korean_text_is_located_by_character() -> None:
    p = only(MINIMAL.replace("en: Mini}", "en: Mini}\n# 미니 \x0b"))  # libyaml counts bytes; we report characters
    assert (p.code, p.location.line, p.location.col) == ("yaml-syntax", 4, 6)


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    raw = MINIMAL.encode("cp949")  # Korean first appears on line 3: `title: {ko: 미니` (column 13)
    [(code, file, line, col)] = load_problems(tmp_path, raw)
    assert (code, file, line, col) == ("encoding", str(tmp_path / "r.yaml"), 3, 13)


def test_non_utf8_after_a_bom_is_located(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbfid: ok\ntitle: caf\xe9\n"
    assert load_problems(tmp_path, raw) == [("encoding", str(tmp_path / "r.yaml"), 2, 11)]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    [p] = caught.value.problems
    assert (p.code, p.location.file, p.location.line) == ("not-found", str(path), None)
    assert str(p) == f"{path}: no such rubric file [not-found]"


def test_a_directory_is_not_a_rubric(tmp_path: Path) -> None:
    with pytest.raises(RubricError) as caught:
        load_rubric(tmp_path)
    assert [p.code for p in caught.value.problems] == ["unreadable"]


# -- YAML that must be refused safely -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.check_output [['touch', '{marker}']]",
        "!!python/object:builtins.dict {{ko: x}}",
        "!!python/name:os.system ''",
        "!!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]",
        "!custom text",
        "!!binary aGVsbG8=",
        "!!set {{a, b}}",
    ],
)
def test_tags_are_refused_located_and_never_run(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    text = MINIMAL.replace("title: {ko: 미니, en: Mini}", "title: " + tag.format(marker=marker))
    p = only(text)
    assert (p.code, p.location.line, p.location.col) == ("yaml-tag", 3, 8)
    assert "not allowed" in p.message
    assert not marker.exists()


def test_merge_key_is_refused_and_located() -> None:
    p = only(MINIMAL.replace("  pts: {kind: points, step: 0.5}", "  pts: {<<: {kind: points}, step: 0.5}"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-merge-key", 8, 9)


def test_recursive_alias_is_refused() -> None:
    p = only(MINIMAL.replace("service_types: [a, b]", "service_types: &s [a, *s]"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-alias", 5, 16)


def test_alias_bomb_is_stopped() -> None:
    bomb = "".join(
        f"x{n}: &a{n} [{', '.join([f'*a{n - 1}' if n else 'lol'] * 10)}]\n" for n in range(9)
    )  # 10**9 values if expanded
    p = only(MINIMAL + bomb)
    assert p.code == "yaml-size"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (".nan", "yaml-number"),
        (".inf", "yaml-number"),
        ("1.0e+400000000", "yaml-number"),
        ("1.0e-40", "yaml-number"),
        ("1" * 5000, "yaml-value"),
        ("1e400000000", "invalid-value"),  # YAML 1.1 reads this as text; the model bounds it
    ],
)
def test_numbers_that_are_not_finite_or_too_large(value: str, code: str) -> None:
    p = only(MINIMAL.replace("points: 4", f"points: {value}"))
    assert (p.code, p.location.line, p.location.col) == (code, 18, 21)


def test_invalid_date_is_a_problem_not_a_crash() -> None:
    p = only(MINIMAL.replace('version: "2023.1"', "version: 2023-02-30"))
    assert (p.code, p.location.line, p.location.col) == ("yaml-value", 4, 10)


def test_yes_no_keys_point_at_the_key_and_tell_to_quote_it() -> None:
    text = MINIMAL.replace(
        "  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.1}}\n",
        "  lv:\n    kind: levels\n    levels:\n      Good: 1.0\n      yes: 0.5\n      1: 0\n",
    )
    found = problems(text)
    assert [(p.code, p.location.line, p.location.col) for p in found] == [("yaml-key", 11, 7), ("yaml-key", 12, 7)]
    assert "yes/no value" in found[0].message and "quotes" in found[0].message
    assert "number" in found[1].message


# -- every problem at once ----------------------------------------------------------------------------------------

TEN_MISTAKES = """\
schema: qualcert/rubric@1
id: ten
title: Ten mistakes
version: 2023.1
service_types: [a, b]
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 1.5, 하: 0}}
  pts: {kind: points, step: 0.5}
domains:
  - id: "1"
    name: 영역
    items:
      - id: "1.1"
        name: 항목
        indicators:
          - {id: "1.1.1", name: 지표, points: many, scale: lv}
          - {id: "1.1.1", name: 지표, points: 2, scale: lv}
          - {id: "1.1.3", name: 지표, points: 2, scale: nope}
          - {id: "1.1.4", name: 지표, points: 1.25, scale: pts}
          - {id: "1.1.5", name: 지표, points: 2, scale: lv, applies_to: [c]}
          - {id: "1.1.6", name: 지표, points: 2, scale: lv, wieght: 2}
decision:
  grades: [{grade: A, min: 80}, {grade: B, min: 90}, {grade: F, min: 0}]
  eligibility:
    - {field: years, min: 5, max: 3}
"""


def test_ten_mistakes_give_ten_located_messages_sorted_by_line() -> None:
    found = problems(TEN_MISTAKES, "ten.yaml")
    assert [(p.code, p.location.line, p.location.col) for p in found] == [
        ("invalid-value", 4, 10),  # unquoted version
        ("invalid-value", 7, 42),  # level value 1.5
        ("invalid-value", 16, 45),  # points: many
        ("duplicate-id", 17, 18),
        ("unknown-scale", 18, 55),
        ("points-step", 19, 45),  # 1.25 is not a multiple of 0.5
        ("unknown-service-type", 20, 72),
        ("unknown-key", 21, 59),  # wieght
        ("grade-order", 23, 49),
        ("eligibility-range", 25, 7),
    ]
    assert all(str(p).startswith(f"ten.yaml:{p.location.line}:{p.location.col}: ") for p in found)
    assert "first at line 16" in found[3].message
