"""Scoring-core rules on hand-built tables (black-box CLI cases live in tests/cases/)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from qualcert.results import Consensus, Results
from qualcert.scoring import engine
from qualcert.scoring.engine import score
from tests.scoring_helpers import Inst, rubric_from, table

RUBRIC = """\
schema: qualcert/rubric@1
id: t
title: T
version: "1"
service_types: [a, b]
scales:
  lv: {kind: levels, levels: {상: 1.0, 중: 0.5, 하: 0.0}}
  pt: {kind: points, step: 0.5}
stage_weights: {document: 0.4, onsite: 0.6}
disagreement: {max_spread: 0.5}
domains:
  - id: "1"
    name: {ko: 운영, en: Operation}
    items:
      - id: "1.1"
        name: 계획
        indicators:
          - {id: "1.1.1", name: 계획, points: 4, scale: lv, floor: 0.5}
          - {id: "1.1.2", name: 기록, points: 2, scale: pt, stages: [onsite]}
  - id: "2"
    name: {ko: 권리, en: Rights}
    min: 50
    items:
      - id: "2.1"
        name: 권리보장
        indicators:
          - {id: "2.1.1", name: 고충, points: 4, scale: lv, allow_na: true}
          - {id: "2.1.2", name: 안전, points: 4, scale: lv, applies_to: [b]}
decision:
  total_min: 80
  domain_min: 60
  grades: [{grade: A, min: 90}, {grade: B, min: 80}, {grade: C, min: 0}]
  eligibility: [{field: years, min: 3}]
validity: {years: 3}
"""
ISSUED = date(2023, 12, 5)
R = rubric_from(RUBRIC)


def full_rows(inst: str, level: str = "상", points: str = "2") -> list[tuple[str, str, str, str, str]]:
    rows = []
    for reviewer in ("R1", "R2", "R3"):
        for stage in ("document", "onsite"):
            rows += [(inst, reviewer, stage, "1.1.1", level), (inst, reviewer, stage, "2.1.1", level)]
        rows.append((inst, reviewer, "onsite", "1.1.2", points))
    return rows


def run(rows: list[tuple[str, str, str, str, str]], **insts: Inst) -> Results:
    return score(R, table(R, rows), issued=ISSUED, institutions=insts)


def only(results: Results):  # type: ignore[no-untyped-def]
    (inst,) = results.institutions
    return inst


def test_certified_with_service_type_exclusion() -> None:
    inst = only(run(full_rows("P1"), P1=Inst("P1", "a", {"years": "3"})))
    # 2.1.2 applies to type b only: out of score and maximum → 10/10
    assert (inst.score, inst.max, inst.total) == (10, 10, 100)
    assert inst.decision == "certified" and inst.grade == "A"
    assert inst.valid_until == date(2026, 12, 4)
    excluded = {i.indicator_id: i.excluded for i in inst.indicators}
    assert excluded["2.1.2"] == "service-type"


def test_weighted_stages_renormalise_over_the_stages_present() -> None:
    rows = [r for r in full_rows("P1") if r[3] != "1.1.1"]
    rows += [("P1", "R1", "document", "1.1.1", "하"), ("P1", "R1", "onsite", "1.1.1", "상")]
    inst = only(run(rows, P1=Inst("P1", "a", {"years": "5"})))
    ind = next(i for i in inst.indicators if i.indicator_id == "1.1.1")
    assert ind.fraction == Fraction(6, 10)  # 0.4 × 0 + 0.6 × 1
    assert ind.score == Fraction(12, 5)


def test_all_na_is_excluded_and_partial_na_is_flagged() -> None:
    rows = [r for r in full_rows("P1") if r[3] != "2.1.1"]
    rows += [("P1", rv, st, "2.1.1", "해당없음") for rv in ("R1", "R2", "R3") for st in ("document", "onsite")]
    inst = only(run(rows, P1=Inst("P1", "a", {"years": "5"})))
    ind = next(i for i in inst.indicators if i.indicator_id == "2.1.1")
    assert (ind.applicable, ind.excluded, ind.max) == (False, "n/a", 0)
    domain2 = next(d for d in inst.domains if d.id == "2")
    assert domain2.max == 0 and domain2.percent is None
    assert inst.decision == "certified"

    rows[-1] = ("P1", "R3", "onsite", "2.1.1", "상")
    ind = next(i for i in only(run(rows, P1=Inst("P1", "a", {"years": "5"}))).indicators if i.indicator_id == "2.1.1")
    assert ind.applicable and ind.na_conflict and ind.fraction == 1


def test_floor_fails_despite_high_total() -> None:
    rows = [r for r in full_rows("P1") if r[3] != "1.1.1"]
    rows += [("P1", rv, st, "1.1.1", "하") for rv in ("R1", "R2", "R3") for st in ("document", "onsite")]
    inst = only(run(rows, P1=Inst("P1", "a", {"years": "5"})))
    assert inst.decision == "not_certified"
    assert any(r.rule == "floor" and r.subject == "1.1.1" for r in inst.reasons)
    assert any("0.00 < 2.00 points" in r.en for r in inst.reasons)
    assert inst.points_to_certify is not None and inst.points_to_certify > 0


def test_ineligible_before_scores_and_missing_value_is_incomplete() -> None:
    assert only(run(full_rows("P1"), P1=Inst("P1", "a", {"years": "2"}))).decision == "ineligible"
    inst = only(run(full_rows("P1"), P1=Inst("P1", "a", {"years": ""})))
    assert inst.decision == "incomplete" and "no value" in inst.reasons[0].en


def test_missing_stage_is_incomplete_with_the_indicators_named() -> None:
    rows = [r for r in full_rows("P1") if not (r[3] == "1.1.1" and r[2] == "onsite")]
    inst = only(run(rows, P1=Inst("P1", "a", {"years": "5"})))
    assert inst.decision == "incomplete" and inst.grade is None
    assert inst.reasons[0].en == "incomplete: 1 indicator without any score at onsite stage (1.1.1)"


def test_nothing_applicable_is_incomplete_not_certified() -> None:
    rows = [
        (i, rv, st, ind, "해당없음")
        for i in ("P1",)
        for rv in ("R1",)
        for st in ("document", "onsite")
        for ind in ("2.1.1",)
    ]
    only_na = rubric_from(
        RUBRIC.replace("points: 4, scale: lv, floor: 0.5", "points: 4, scale: lv, floor: 0.5, applies_to: [b]").replace(
            "stages: [onsite]", "stages: [onsite], applies_to: [b]"
        )
    )
    inst = score(only_na, table(only_na, rows), issued=ISSUED, institutions={"P1": Inst("P1", "a", {"years": "5"})})
    (result,) = inst.institutions
    assert result.max == 0 and result.decision == "incomplete"
    assert "no applicable indicator" in result.reasons[0].en


def test_disagreement_flag_uses_the_rounded_spread() -> None:
    rows = [r for r in full_rows("P1") if r[3] != "2.1.1"]
    rows += [("P1", "R1", st, "2.1.1", "하") for st in ("document", "onsite")]
    rows += [("P1", rv, st, "2.1.1", "상") for rv in ("R2", "R3") for st in ("document", "onsite")]
    ind = next(i for i in only(run(rows, P1=Inst("P1", "a", {"years": "5"}))).indicators if i.indicator_id == "2.1.1")
    assert ind.spread == 1 and ind.flagged


LEVELS = s.sampled_from(["상", "중", "하"])
POINTS = s.sampled_from(["0", "0.5", "1", "1.5", "2"])


@s.composite
def panels(draw: s.DrawFn) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for inst in ("P1", "P2"):
        for reviewer in draw(s.lists(s.sampled_from(["R1", "R2", "R3", "R4"]), min_size=1, max_size=4, unique=True)):
            for stage in ("document", "onsite"):
                rows += [(inst, reviewer, stage, "1.1.1", draw(LEVELS)), (inst, reviewer, stage, "2.1.1", draw(LEVELS))]
            rows.append((inst, reviewer, "onsite", "1.1.2", draw(POINTS)))
    return rows


INSTS = {"P1": Inst("P1", "a", {"years": "5"}), "P2": Inst("P2", "a", {"years": "5"})}


def _summary(results: Results) -> list[tuple[object, ...]]:
    return [(i.institution_id, i.score, i.max, i.decision, i.grade) for i in results.institutions]


@settings(max_examples=60, deadline=None)
@given(panels(), s.randoms())
def test_row_order_is_irrelevant(rows: list[tuple[str, str, str, str, str]], rnd: object) -> None:
    shuffled = list(rows)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert _summary(run(rows, **INSTS)) == _summary(run(shuffled, **INSTS))


@settings(max_examples=60, deadline=None)
@given(panels())
def test_scores_stay_within_their_maximum(rows: list[tuple[str, str, str, str, str]]) -> None:
    for inst in run(rows, **INSTS).institutions:
        assert 0 <= inst.score <= inst.max
        for ind in inst.indicators:
            assert ind.score is not None and 0 <= ind.score <= ind.max


@settings(max_examples=60, deadline=None)
@given(panels(), s.data())
def test_raising_one_score_never_lowers_the_total(
    rows: list[tuple[str, str, str, str, str]], data: s.DataObject
) -> None:
    i = data.draw(s.integers(0, len(rows) - 1))
    inst, reviewer, stage, indicator, text = rows[i]
    better = {"하": "중", "중": "상", "상": "상"}.get(text) or str(min(2, float(text) + 0.5))
    raised = [*rows[:i], (inst, reviewer, stage, indicator, better), *rows[i + 1 :]]
    before = {r.institution_id: r.score for r in run(rows, **INSTS).institutions}
    after = {r.institution_id: r.score for r in run(raised, **INSTS).institutions}
    assert all(after[k] >= before[k] for k in before)


@settings(max_examples=40, deadline=None)
@given(panels())
def test_an_excluded_indicator_changes_nothing_else(rows: list[tuple[str, str, str, str, str]]) -> None:
    as_a = run(rows, **INSTS)
    extra = rows + [(inst, "R1", st, "2.1.2", "하") for inst in ("P1", "P2") for st in ("document", "onsite")]
    # 2.1.2 applies to type b only; under type a its scores (if a sheet carried them) must not count.
    as_a_with_extra = score(R, table(R, extra), issued=ISSUED, institutions=INSTS)
    assert _summary(as_a) == _summary(as_a_with_extra)


@settings(max_examples=60, deadline=None)
@given(panels())
def test_an_institution_scores_the_same_alone_as_in_a_round(rows: list[tuple[str, str, str, str, str]]) -> None:
    # The engine shares one result between indicators with identical scores (a memo per run):
    # whatever the other institutions of the run scored must not leak into an institution's result.
    together = {i.institution_id: i for i in run(rows, **INSTS).institutions}
    for iid in INSTS:
        alone = only(run([r for r in rows if r[0] == iid], **{iid: INSTS[iid]}))
        assert alone == together[iid]


@settings(max_examples=30, deadline=None)
@given(panels())
def test_sums_beyond_int64_use_exact_integers_with_the_same_results(rows: list[tuple[str, str, str, str, str]]) -> None:
    # The batch sums are int64 matrix products while they cannot overflow, else Python integers.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "INT64_SAFE", 0)
        exact = run(rows, **INSTS)
    assert exact.institutions == run(rows, **INSTS).institutions


def test_equal_indicator_scores_share_one_result_and_a_consensus_does_not_leak() -> None:
    rows = [r for inst in ("P1", "P2") for r in full_rows(inst)]
    plain = run(rows, **INSTS).institutions
    assert plain[0].indicators[0] is plain[1].indicators[0]
    agreed = Consensus("하", False, Fraction(0), "why", "committee", "c.csv:2", False, None)
    settled = score(R, table(R, rows), issued=ISSUED, institutions=INSTS, consensus={("P1", "1.1.1"): agreed})
    p1, p2 = (next(i for i in inst.indicators if i.indicator_id == "1.1.1") for inst in settled.institutions)
    assert p1.fraction == 0 and p1.consensus is not None
    assert p2.fraction == 1 and p2.consensus is None
