"""The survey arithmetic against hand-computed institutions, groups, composites and deltas (no files)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from qualcert.survey import Baseline, InstitutionInfo, compute_survey, cronbach_alpha
from qualcert.survey.results import SurveyResults
from tests.survey_helpers import SURVEY, X, Y, Z, respondents, survey

INFOS = [InstitutionInfo("X", "엑스 센터", "방문형"), InstitutionInfo("Y", "와이 센터", "방문형")]
INFOS.append(InstitutionInfo("Z", "제트 센터", "시설형"))


def run(**kwargs: object) -> SurveyResults:
    return compute_survey(survey(), respondents(X=X, Y=Y, Z=Z), institutions=INFOS, by="service_type", **kwargs)  # type: ignore[arg-type]


def test_item_score_is_linear_from_min_and_reversed_items_recode_first() -> None:
    s = survey()
    assert [s.item_score(x, False) for x in range(1, 6)] == [0, 25, 50, 75, 100]
    assert [s.item_score(x, True) for x in range(1, 6)] == [100, 75, 50, 25, 0]
    seven = survey(
        SURVEY.replace(
            "min: 1, max: 5, labels: [전혀 그렇지 않다, 그렇지 않다, 보통이다, 그렇다, 매우 그렇다]", "min: 1, max: 7"
        )
    )
    assert seven.item_score(4, False) == 50 and seven.item_score(2, True) == Fraction(500, 6)
    zero = survey(
        SURVEY.replace(
            "min: 1, max: 5, labels: [전혀 그렇지 않다, 그렇지 않다, 보통이다, 그렇다, 매우 그렇다]", "min: 0, max: 10"
        )
    )
    assert zero.item_score(7, False) == 70 and zero.item_score(7, True) == 30


def test_hand_computed_institution_with_reversed_item_missing_answers_and_an_excluded_respondent() -> None:
    x = run().institutions[0]
    # r1: A = (100 + 100)/2 = 100, B = (75 + 50)/2 = 62.5; r2 (Q2, Q4 missing; 2 of 4 = min_answered): A = 75, B = 100
    # r3 answered 1 of 4: excluded; r4: A = (25 + 25)/2 = 25, B = (50 + 100)/2 = 75
    assert (x.respondents, x.excluded_respondents, x.reliable) == (3, 1, True)
    assert [d.score for d in x.dimensions] == [Fraction(200, 3), Fraction(475, 6)]
    assert [d.respondents for d in x.dimensions] == [3, 3]
    assert x.index == Fraction(875, 12)  # (200/3 + 475/6) / 2 = 72.91666…
    assert x.to_dict()["index"] == 72.92
    assert [d["score"] for d in x.to_dict()["dimensions"]] == [66.67, 79.17]


def test_unreliable_institution_and_half_up_rounding() -> None:
    y = run().institutions[1]
    assert (y.respondents, y.excluded_respondents, y.reliable) == (2, 0, False)
    assert y.index == Fraction("84.375")
    assert y.to_dict()["index"] == 84.38  # half-up, not banker's 84.38 / float 84.37


def test_all_fives_with_the_reversed_item_answered_one_is_100() -> None:
    assert run().institutions[2].index == 100


def test_dimension_weights_are_relative_and_renormalised_over_present_dimensions() -> None:
    weighted = survey(SURVEY.replace("{id: A, name: 적시성}", "{id: A, name: 적시성, weight: 2}"))
    x = compute_survey(weighted, respondents(X=X)).institutions[0]
    assert x.index == (2 * Fraction(200, 3) + Fraction(475, 6)) / 3  # 70.83…
    # a respondent set that never answers dimension B: the index is dimension A alone
    only_a = compute_survey(weighted, respondents(W={"w1": (5, 3, None, None, None)})).institutions[0]  # (100 + 50)/2
    assert only_a.dimensions[1].score is None and only_a.index == 75


def test_min_answered_is_a_share_of_the_index_questions() -> None:
    strict = survey(SURVEY.replace("min_respondents: 3", "min_respondents: 3\nmin_answered: 0.75"))
    x = compute_survey(strict, respondents(X=X)).institutions[0]
    assert (x.respondents, x.excluded_respondents) == (2, 2)  # r2 (2 of 4) now excluded too
    # Q5 (no dimension) does not count toward min_answered: 0 of 4 index answers is excluded even with Q5
    lone = compute_survey(survey(), respondents(W={"w1": (None, None, None, None, 5)})).institutions[0]
    assert (lone.respondents, lone.excluded_respondents, lone.index) == (0, 1, None)


def test_groups_are_unweighted_means_of_institution_indices_with_counts() -> None:
    results = run()
    visit, facility = results.groups
    assert (visit.group, visit.institutions, visit.reliable_institutions) == ("방문형", 2, 1)
    assert visit.index == (Fraction(875, 12) + Fraction("84.375")) / 2  # 78.6458…, not weighted by respondents
    assert visit.to_dict()["index"] == 78.65
    assert (facility.group, facility.institutions, facility.index) == ("시설형", 1, Fraction(100))
    assert results.overall.index == (Fraction(875, 12) + Fraction("84.375") + 100) / 3
    assert results.overall.to_dict()["index"] == 85.76
    assert results.overall.dimensions[0].score == (Fraction(200, 3) + Fraction(325, 4) + 100) / 3


def test_no_by_no_groups_but_an_overall() -> None:
    results = compute_survey(survey(), respondents(X=X, Y=Y))
    assert results.groups == () and results.overall.institutions == 2
    assert [i.institution_id for i in results.institutions] == ["X", "Y"]
    assert results.to_json_dict()["groups"] == []


def test_a_blank_group_value_is_its_own_group() -> None:
    infos = [InstitutionInfo("X", None, None), InstitutionInfo("Y", None, "방문형")]
    results = compute_survey(survey(), respondents(X=X, Y=Y), institutions=infos, by="service_type")
    assert [g.group for g in results.groups] == ["(미입력)", "방문형"]


def test_composite_per_combine_weights() -> None:
    results = run(operational={"X": Decimal("80"), "Y": Decimal("90.5")})
    x, y, z = results.institutions
    assert x.composite == (Fraction(875, 12) + 80) / 2 and x.to_dict()["composite"] == 76.46
    assert y.composite == Fraction("87.4375") and y.to_dict()["composite"] == 87.44
    assert z.composite is None and z.operational is None
    assert [p.code for p in results.problems] == ["no-operational-score"]
    assert results.problems[0].severity == "warning"
    assert results.groups[0].composite == (x.composite + y.composite) / 2
    three_to_one = survey(
        SURVEY.replace("min_respondents: 3", "min_respondents: 3\ncombine: {customer: 3, operational: 1}")
    )
    x3 = compute_survey(three_to_one, respondents(X=X), operational={"X": Decimal("80")}).institutions[0]
    assert x3.composite == (3 * Fraction(875, 12) + 80) / 4
    assert compute_survey(survey(), respondents(X=X)).institutions[0].composite is None  # no operational file


def test_baseline_and_benchmark_deltas_per_institution_group_and_overall() -> None:
    baseline = Baseline("prev.json", {"X": Decimal("70"), "Z": None}, {"방문형": Decimal("80.1")}, None)
    results = run(baseline=baseline, benchmark=Decimal("92.3"))
    x, y, z = results.institutions
    assert x.deltas.vs_baseline == Fraction(875, 12) - 70 and x.deltas.to_dict()["vs_baseline"] == 2.92
    assert x.deltas.to_dict()["vs_benchmark"] == -19.38
    assert y.deltas.baseline is None and y.deltas.vs_baseline is None  # not in last year's file
    assert z.deltas.vs_baseline is None and z.deltas.vs_benchmark == Fraction(77, 10)
    visit, facility = results.groups
    assert visit.deltas.to_dict() == {"baseline": 80.1, "vs_baseline": -1.45, "benchmark": 92.3, "vs_benchmark": -13.65}
    assert facility.deltas.vs_baseline is None
    # no overall index last year: the mean of last year's institution indices (only X: 70)
    assert results.overall.deltas.baseline == 70
    assert results.overall.deltas.to_dict()["vs_benchmark"] == -6.54


def test_top_box_is_the_share_of_answers_at_the_top_of_the_scale_as_answered() -> None:
    x = run().institutions[0]
    q1, q2, _, _, q5 = x.questions
    assert (q1.answered, q1.top_box) == (3, Fraction(1, 3))  # 5, 4, 2 from the counted respondents
    assert (q2.answered, q2.top_box) == (2, Fraction(0))  # 1 and 4 as answered (reversed item, not recoded)
    assert q2.mean == Fraction(125, 2)  # the mean item score is recoded: 1 → 100, 4 → 25
    assert (q5.answered, q5.top_box) == (2, Fraction(1, 2))
    assert x.to_dict()["top_box"][0] == {"question_id": "Q1", "percent": 33.33}
    top2 = survey(SURVEY.replace("min_respondents: 3", "min_respondents: 3\ntop_box: 2"))
    assert compute_survey(top2, respondents(X=X)).institutions[0].questions[0].top_box == Fraction(2, 3)


def test_cronbach_alpha_hand_computed() -> None:
    rows = [[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 4, 5]]
    # item variances 1.25, 0.5, 1.25 (population); totals 5, 8, 10, 13 → variance 8.5
    # alpha = 3/2 × (1 − 3/8.5) = 33/34
    assert cronbach_alpha(rows) == Fraction(33, 34)
    data = np.array(rows, dtype=float)  # the textbook formula with sample variances gives the same
    k = data.shape[1]
    expected = k / (k - 1) * (1 - data.var(axis=0, ddof=1).sum() / data.sum(axis=1).var(ddof=1))
    assert float(cronbach_alpha(rows) or 0) == pytest.approx(expected)
    assert cronbach_alpha([[1, 2]]) is None  # one respondent
    assert cronbach_alpha([[1], [2]]) is None  # one item
    assert cronbach_alpha([[3, 3], [3, 3]]) is None  # no variance


def test_cronbach_alpha_per_dimension_over_complete_counted_respondents() -> None:
    results = run()
    a, b = (d.reliability for d in results.dimensions)
    # dimension A, recoded (Q2 reversed): X r1 (5, 5), r4 (2, 2); Y (5, 4), (4, 4); Z (5, 5); r2 lacks Q2, r3 excluded
    assert (a.items, a.respondents) == (2, 5)
    assert a.alpha == cronbach_alpha([[5, 5], [2, 2], [5, 4], [4, 4], [5, 5]])
    assert (b.items, b.respondents) == (2, 5)
    assert results.to_json_dict()["cronbach_alpha"][0]["alpha"] == float(round(a.alpha or 0, 2))


def test_roster_institutions_without_responses_are_listed_and_warned() -> None:
    infos = [*INFOS[:1], InstitutionInfo("Q", "응답 없음", "방문형")]
    results = compute_survey(survey(), respondents(X=X), institutions=infos, by="service_type")
    q = results.institutions[1]
    assert (q.respondents, q.index, q.reliable) == (0, None, False)
    assert results.groups[0].institutions == 1  # a group averages the institutions that have an index
    assert [p.code for p in results.problems] == ["no-responses"]


def test_reordering_respondents_changes_nothing() -> None:
    forward = compute_survey(survey(), respondents(X=X, Y=Y, Z=Z)).to_json_dict()
    backward = compute_survey(
        survey(),
        respondents(Z=Z, Y=Y, X=X)[::-1],
        institutions=[InstitutionInfo("X"), InstitutionInfo("Y"), InstitutionInfo("Z")],
    ).to_json_dict()
    assert forward == backward
