import itertools
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as s

from qualcert.scoring.aggregate import AGGREGATORS, BatchScores
from tests.scoring_helpers import rubric_from, table
from tests.test_scoring_engine import RUBRIC


@pytest.mark.parametrize(
    ("name", "nums", "expected"),
    [
        ("mean", [1, 2, 4], Fraction(7, 3)),
        ("median", [1, 2, 4], Fraction(2)),
        ("median", [1, 2, 3, 4], Fraction(5, 2)),
        ("trimmed_mean", [0, 3, 4], Fraction(3)),  # 최고·최저점 제외: only the middle one is left
        ("trimmed_mean", [0, 1, 3, 4, 4], Fraction(8, 3)),  # one highest and one lowest even when tied
        ("trimmed_mean", [0, 4], Fraction(2)),  # fewer than 3: nothing dropped
        ("trimmed_mean", [2], Fraction(2)),
        ("min", [1, 2, 4], Fraction(1)),
        ("max", [1, 2, 4], Fraction(4)),
    ],
)
def test_aggregators(name: str, nums: list[int], expected: Fraction) -> None:
    assert AGGREGATORS[name](sorted(nums)) == expected


LEVEL = {"1.1.1": s.sampled_from(["상", "하"]), "2.1.1": s.sampled_from(["상", "N/A"])}  # few labels: many equal inputs


@s.composite
def score_rows(draw: s.DrawFn) -> list[tuple[str, str, str, str, str]]:
    """Up to 4 institutions, each with its own reviewers, scores at some stages of some indicators."""
    rows = []
    for inst in ("P1", "P2", "P3", "P4"):
        reviewers = draw(s.lists(s.sampled_from(["R1", "R2", "R3"]), max_size=3, unique=True))
        for reviewer, stage, indicator in itertools.product(reviewers, ("document", "onsite"), ("1.1.1", "2.1.1")):
            if draw(s.booleans()):
                rows.append((inst, reviewer, stage, indicator, draw(LEVEL[indicator])))
    return rows


def _by_hand(
    rows: list[tuple[str, str, str, str, str]], inst: str, indicator: str, stages: list[str]
) -> tuple[object, ...]:
    """What an indicator's result depends on, computed naively: (reviewers at any stage, per stage: sorted
    labels of the numbers, N/A marks, reviewers at that stage)."""
    mine = [r for r in rows if r[0] == inst and r[3] == indicator]
    per_stage = []
    for stage in stages:
        here = [r for r in mine if r[2] == stage]
        numbers = sorted("하중상".index(r[4]) for r in here if r[4] != "N/A")
        per_stage.append((tuple(numbers), sum(r[4] == "N/A" for r in here), len(here)))
    return (len({r[1] for r in mine if r[2] in stages}), *per_stage)


@settings(max_examples=80, deadline=None)
@given(score_rows())
@example(  # the same numbers at each stage and as many reviewers, but the N/A mark at the other stage
    [
        ("P1", "R1", "document", "2.1.1", "상"),
        ("P1", "R2", "document", "2.1.1", "N/A"),
        ("P1", "R1", "onsite", "2.1.1", "상"),
        ("P2", "R1", "document", "2.1.1", "상"),
        ("P2", "R1", "onsite", "2.1.1", "상"),
        ("P2", "R2", "onsite", "2.1.1", "N/A"),
    ]
)
@example(  # a tuple and a longer one starting with it, at swapped stages
    [
        ("P1", "R1", "document", "2.1.1", "하"),
        ("P1", "R1", "onsite", "2.1.1", "하"),
        ("P1", "R2", "onsite", "2.1.1", "상"),
        ("P2", "R1", "document", "2.1.1", "하"),
        ("P2", "R2", "document", "2.1.1", "상"),
        ("P2", "R1", "onsite", "2.1.1", "하"),
    ]
)
def test_batch_keys_are_equal_exactly_when_the_inputs_are(rows: list[tuple[str, str, str, str, str]]) -> None:
    r = rubric_from(RUBRIC)
    ids = ["P1", "P2", "P3", "P4"]
    plan = [(ind.id, list(r.stages_of(ind))) for ind in r.indicators.values()]
    batch = BatchScores(table(r, rows), ids, plan)
    cells = [(i, j) for i in range(len(ids)) for j in range(len(plan))]
    for (i, j), (k, m) in itertools.combinations(cells, 2):
        same = j == m and _by_hand(rows, ids[i], *plan[j]) == _by_hand(rows, ids[k], *plan[m])
        assert (batch.key[i, j] == batch.key[k, m]) == same
    for i, j in cells:
        hand = _by_hand(rows, ids[i], *plan[j])
        stages = batch.stages(i, j)
        assert batch.reviewers[i, j] == hand[0]
        assert [(s.nums, s.na, len(s.reviewers)) for s in stages] == list(hand[1:])
