"""Cohort rules (DOMAIN.md §8.2) on a hand-made two-cycle facility evaluation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from qualcert.registry import Register, RegisterError, compute_cohort, parse_results, priors_from_run
from tests.test_registry import OTHER_SHA, SHA, doc, inst

# id: (previous total, current total)
TOTALS: dict[str, tuple[float, float]] = {
    "P01": (95.0, 98.5),
    "P02": (90.0, 97.0),
    "P03": (88.0, 93.0),
    "P04": (85.0, 91.0),
    "P05": (84.0, 90.0),
    "P06": (83.0, 89.0),
    "P07": (82.0, 88.0),
    "P08": (81.0, 87.0),
    "P09": (80.0, 86.0),
    "P10": (55.0, 85.0),  # F → B: +30, the largest rise
    "P11": (79.0, 84.0),
    "P12": (78.0, 83.0),
    "P13": (77.0, 82.0),
    "P14": (76.0, 81.0),
    "P15": (75.0, 80.0),
    "P16": (74.0, 76.0),
    "P17": (73.0, 72.0),
    "P18": (72.0, 65.0),  # C → D: consulting
    "P19": (50.0, 45.0),  # F → F: consecutive lowest grade, consulting
    "P20": (65.0, 55.0),  # D → F: consulting, not consecutive
}


def grade(total: float) -> str:
    return next(g for g, low in (("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0)) if total >= low)


def cycle(issued: str, which: int, extra: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    rows = [
        inst(iid, pair[which], decision="graded", grade=grade(pair[which]), issued=issued)
        for iid, pair in TOTALS.items()
    ]
    return doc(issued, rows + (extra or []), rubric_id="swf-eval", **kw)


PREVIOUS = cycle("2020-06-30", 0, version="2020.1", sha=SHA)
CURRENT = cycle(
    "2023-06-30",
    1,
    [
        inst("P21", None, decision="incomplete"),  # no total: not ranked
        inst("P22", 70.0, decision="graded", grade="C"),  # new: no previous cycle
    ],
    version="2023.1",
    sha=OTHER_SHA,
)


def ids(entries: Any) -> list[str]:
    return [e.institution_id for e in entries]


def test_cohort_rules_on_two_cycles() -> None:
    current = parse_results(CURRENT)
    result = compute_cohort(current, priors_from_run(parse_results(PREVIOUS)), previous_source="prev.json")
    assert (result.ranked, result.with_previous) == (21, 20)
    # top 5% of 21 ranked = ⌈1.05⌉ = 2
    assert [(e.institution_id, e.rank, e.total) for e in result.top_score] == [("P01", 1, 98.5), ("P02", 2, 97.0)]
    # top 3% of the 20 with a previous total = ⌈0.6⌉ = 1
    assert [(e.institution_id, e.improvement, e.previous_total) for e in result.top_improved] == [("P10", 30.0, 55.0)]
    assert [(e.institution_id, e.grade, e.previous_grade) for e in result.consecutive_lowest] == [("P19", "F", "F")]
    assert ids(result.consulting) == ["P18", "P19", "P20"]
    data = result.to_json_dict()
    assert data["rules"] == {
        "top_percent": 5.0,
        "top_improvement_percent": 3.0,
        "lowest_grade": "F",
        "consulting_grades": ["D", "F"],
    }
    assert data["previous"] == {"source": "prev.json", "institutions": 20}
    assert data["top_improvement"][0]["previous_issued"] == "2020-06-30"


def test_percentages_come_from_the_arguments() -> None:
    current, previous = parse_results(CURRENT), priors_from_run(parse_results(PREVIOUS))
    wider = compute_cohort(current, previous, top=10, top_improvement=15, lowest_grade="F", consulting_grades=["F"])
    assert ids(wider.top_score) == ["P01", "P02", "P03"]  # ⌈2.1⌉
    assert ids(wider.top_improved) == ["P10", "P02", "P04", "P05", "P06", "P07", "P08", "P09"]  # ⌈3⌉, ties at +6
    assert [e.rank for e in wider.top_improved] == [1, 2, 3, 3, 3, 3, 3, 3]
    assert ids(wider.consulting) == ["P19", "P20"]
    none = compute_cohort(current, previous, top=0, top_improvement=0)
    assert none.top_score == () and none.top_improved == ()


def test_ties_at_the_cut_are_included_and_share_a_rank() -> None:
    run = parse_results(
        doc("2023-06-30", [inst(i, t) for i, t in (("A", 90.0), ("B", 90.0), ("C", 80.0), ("D", 70.0))])
    )
    result = compute_cohort(run, {}, top=25)
    assert [(e.institution_id, e.rank) for e in result.top_score] == [("A", 1), ("B", 1)]
    assert result.top_improved == () and result.consecutive_lowest == ()


def test_only_a_rise_counts_as_improvement() -> None:
    previous = priors_from_run(parse_results(cycle("2020-06-30", 1, version="2020.1", sha=SHA)))  # same totals
    result = compute_cohort(parse_results(CURRENT), previous, top_improvement=100)
    assert result.top_improved == ()


def test_previous_cycle_from_the_register(db: str) -> None:
    with Register.open(db) as reg:
        reg.record(parse_results(PREVIOUS))
        reg.record(parse_results(doc("2021-01-01", [inst("P10", 99.0, grade="A")], rubric_id="other")))
        reg.record(parse_results(CURRENT))  # recorded already: not its own previous cycle
        priors = reg.previous_cycle("swf-eval", date(2023, 6, 30))
    assert len(priors) == 20 and priors["P10"].total == 55.0 and priors["P10"].issued == date(2020, 6, 30)
    from_register = compute_cohort(parse_results(CURRENT), priors, previous_source="register")
    from_file = compute_cohort(parse_results(CURRENT), priors_from_run(parse_results(PREVIOUS)))
    assert from_register.to_json_dict() == from_file.to_json_dict()


def test_previous_must_be_earlier_and_percent_in_range() -> None:
    current = parse_results(CURRENT)
    with pytest.raises(RegisterError, match="not before this run"):
        compute_cohort(parse_results(PREVIOUS), priors_from_run(current))
    with pytest.raises(RegisterError, match="percent from 0 to 100"):
        compute_cohort(current, {}, top=120)
