"""Agreement statistics: published reference values, invariances, bootstrap, reviewers, leave-one-out."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from qualcert import scoretable as st
from qualcert.agreement import ALPHA_KEYS, ICC_KEYS, BootstrapPlan, Ratings, compute, compute_agreement, estimators
from qualcert.agreement import coefficients as coef
from qualcert.numeric import round_half_up
from qualcert.results import Consensus
from qualcert.scoring.engine import score
from tests.scoring_helpers import Inst, rubric_from, table
from tests.test_scoring_engine import RUBRIC

NAN = np.nan
R = rubric_from(RUBRIC)

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability.
# Psychological Bulletin 86(2), 420-428, Table 2: 6 targets (rows) x 4 judges (columns).
# Table 4 there gives ICC(1,1)=.17, ICC(2,1)=.29, ICC(3,1)=.71, ICC(1,4)=.44, ICC(2,4)=.62, ICC(3,4)=.91.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float
)
SHROUT_FLEISS_PUBLISHED = {
    "icc1_1": 0.17,
    "icc2_1": 0.29,
    "icc3_1": 0.71,
    "icc1_k": 0.44,
    "icc2_k": 0.62,
    "icc3_k": 0.91,
}
SHROUT_FLEISS_3DP = {  # the same coefficients of the Table 2 data to 3 decimals (the paper prints 2)
    "icc1_1": 0.166,
    "icc2_1": 0.290,
    "icc3_1": 0.715,
    "icc1_k": 0.443,
    "icc2_k": 0.620,
    "icc3_k": 0.909,
}

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication,
# Departmental Papers 43, the reliability data with missing values (section C): 4 observers x 12 units,
# values 1-5; unit 12 has a single value and is not pairable. Published: nominal .743, ordinal .815,
# interval .849, ratio .797 -- all four reproduced below.
KRIPPENDORFF = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
KRIPPENDORFF_PUBLISHED = {"alpha_nominal": 0.743, "alpha_ordinal": 0.815, "alpha_interval": 0.849, "alpha_ratio": 0.797}

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin 76(5),
# 378-382; the worked example of Wikipedia's "Fleiss' kappa" article: 10 subjects, 14 raters, 5 categories,
# counts n_ij of raters putting subject i in category j. P = 0.378, Pe = 0.213, kappa = 0.210.
FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def from_counts(counts: np.ndarray, strata: list[int] | None = None) -> Ratings:
    """Ratings from a subjects x categories count table (raters numbered within each subject)."""
    unit, category, rater = [], [], []
    for i, row in enumerate(counts):
        k = 0
        for j, n in enumerate(row):
            for _ in range(int(n)):
                unit.append(i)
                category.append(j)
                rater.append(k)
                k += 1
    stratum = np.array(strata if strata is not None else [0] * counts.shape[1], dtype=np.intp)
    cat = np.array(category, dtype=np.intp)
    return Ratings(np.array(unit, dtype=np.intp), np.array(rater, dtype=np.intp), cat.astype(float), cat, stratum)


def values(ratings: Ratings, plan: BootstrapPlan | None = None) -> dict[str, float | None]:
    return {k: e.value for k, e in compute(ratings, plan=plan).estimates.items()}


# -- published reference values --------------------------------------------------------------


def test_shrout_fleiss_1979_table_2() -> None:
    c = compute(Ratings.from_matrix(SHROUT_FLEISS.T))
    assert c.crossed and c.n_units == 6 and c.n_reviewers == 4
    for key, published in SHROUT_FLEISS_PUBLISHED.items():
        value = c.value(key)
        assert value is not None
        assert round(value, 2) == published, key
        assert round(value, 3) == SHROUT_FLEISS_3DP[key], key
    # balanced panels: the one-way estimator is ICC(1,1), with k0 = k
    assert c.value("icc1_oneway") == pytest.approx(c.value("icc1_1"))
    assert c.k0 == pytest.approx(4.0)


def test_krippendorff_2011_reliability_data() -> None:
    c = compute(Ratings.from_matrix(KRIPPENDORFF))
    assert (c.n_units, c.n_single, c.n_ratings) == (11, 1, 40)
    for key, published in KRIPPENDORFF_PUBLISHED.items():
        value = c.value(key)
        assert value is not None and round(value, 3) == published, key


def test_fleiss_1971_wikipedia_example() -> None:
    value = compute(from_counts(FLEISS_COUNTS)).value("fleiss_kappa")
    assert value is not None and round(value, 3) == 0.210


def test_fleiss_varying_raters_per_unit_by_hand() -> None:
    # units: [A, A, B], [A, A], [B, B, B, A]; P_i = 1/3, 1, 1/2 -> P = 11/18; p = (5/9, 4/9) -> Pe = 41/81
    # kappa = (11/18 - 41/81) / (1 - 41/81) = 17/80
    value = compute(from_counts(np.array([[2, 1], [2, 0], [1, 3]]))).value("fleiss_kappa")
    assert value == pytest.approx(17 / 80)


def test_fleiss_chance_agreement_within_each_scale() -> None:
    # two scales (categories 0-1 on scale 0, 2-4 on scale 1): Pe averages each scale's own sum p_j^2
    counts = np.array([[2, 1, 0, 0, 0], [3, 0, 0, 0, 0], [0, 0, 2, 1, 0], [0, 0, 0, 1, 2]])
    observed = (Fraction(1, 3) + 1 + Fraction(1, 3) + Fraction(1, 3)) / 4  # mean of P_i
    scale0 = (Fraction(5, 6) ** 2 + Fraction(1, 6) ** 2) * 2  # two units on scale 0
    scale1 = (Fraction(2, 6) ** 2 + Fraction(2, 6) ** 2 + Fraction(2, 6) ** 2) * 2
    chance = (scale0 + scale1) / 4
    expected = (observed - chance) / (1 - chance)
    value = compute(from_counts(counts, [0, 0, 1, 1, 1])).value("fleiss_kappa")
    assert value == pytest.approx(float(expected))


def test_icc1_oneway_unequal_panels_by_hand() -> None:
    groups = [[1, 2], [3, 5, 4], [6, 6]]
    unit = np.array([i for i, g in enumerate(groups) for _ in g], dtype=np.intp)
    rater = np.array([j for g in groups for j in range(len(g))], dtype=np.intp)
    value = np.array([x for g in groups for x in g], dtype=float)
    # ANOVA by hand, exactly
    n = [len(g) for g in groups]
    big_n, big_g = sum(n), len(groups)
    total = Fraction(sum(value.astype(int).tolist()))
    ssb = sum(Fraction(sum(g)) ** 2 / len(g) for g in groups) - total**2 / big_n
    ssw = sum(sum((x - Fraction(sum(g), len(g))) ** 2 for x in g) for g in groups)
    msb, msw = ssb / (big_g - 1), ssw / (big_n - big_g)
    k0 = (big_n - Fraction(sum(x * x for x in n), big_n)) / (big_g - 1)
    expected = (msb - msw) / (msb + (k0 - 1) * msw)
    c = compute(Ratings(unit, rater, value))
    assert c.k0 == pytest.approx(float(k0)) == pytest.approx(16 / 7)
    assert c.value("icc1_oneway") == pytest.approx(float(expected))
    assert not c.crossed and c.value("icc1_1") is None
    assert "not fully crossed" in (c.estimates["icc1_1"].reason or "")


# -- invariances and degenerate data ---------------------------------------------------------


def test_identical_reviewers_agree_perfectly() -> None:
    data = np.array([[1.0, 0.75, 0.5, 0.0, 1.0], [1.0, 0.75, 0.5, 0.0, 1.0], [1.0, 0.75, 0.5, 0.0, 1.0]])
    v = values(Ratings.from_matrix(data, categorical=True))
    for key in (*ALPHA_KEYS, "fleiss_kappa", *ICC_KEYS):
        assert v[key] == pytest.approx(1.0), key


matrices = s.integers(2, 5).flatmap(
    lambda raters: s.integers(2, 12).flatmap(
        lambda units: s.lists(
            s.lists(s.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, NAN]), min_size=units, max_size=units),
            min_size=raters,
            max_size=raters,
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(data=matrices, seed=s.integers(0, 2**32 - 1))
def test_alpha_invariant_to_order_of_reviewers_and_units(data: list[list[float]], seed: int) -> None:
    matrix = np.array(data)
    rng = np.random.default_rng(seed)
    shuffled = matrix[rng.permutation(matrix.shape[0])][:, rng.permutation(matrix.shape[1])]
    a, b = values(Ratings.from_matrix(matrix)), values(Ratings.from_matrix(shuffled))
    for key in ALPHA_KEYS:
        assert (a[key] is None) == (b[key] is None), key
        if a[key] is not None:
            assert a[key] == pytest.approx(b[key], abs=1e-12), key


@settings(max_examples=60, deadline=None)
@given(data=matrices)
def test_alpha_matches_krippendorff_package(data: list[list[float]]) -> None:
    krippendorff = pytest.importorskip("krippendorff")  # test-only oracle (dev extra)
    matrix = np.array(data)
    ours = values(Ratings.from_matrix(matrix))
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    observed = matrix[:, pairable]
    if len(np.unique(observed[~np.isnan(observed)])) < 2:  # the package refuses one value; ours is None
        assert all(ours[k] is None for k in ALPHA_KEYS)
        return
    for level in ("nominal", "ordinal", "interval", "ratio"):
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert ours[f"alpha_{level}"] == pytest.approx(expected, abs=1e-9), level


def test_too_few_ratings_give_null_and_reason_never_nan() -> None:
    cases = {
        "empty": Ratings(np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0)),
        "one rating per unit": Ratings.from_matrix([[1.0, 0.5, NAN], [NAN, NAN, 0.0]]),
        "one value everywhere": Ratings.from_matrix([[0.5, 0.5], [0.5, 0.5]], categorical=True),
        "one unit": Ratings.from_matrix([[1.0], [0.5]]),
    }
    for name, ratings in cases.items():
        c = compute(ratings, plan=BootstrapPlan(50, 0))
        for key, est in c.estimates.items():
            assert est.value is None or np.isfinite(est.value), (name, key)
            if est.value is None:
                assert est.reason, (name, key)
    c = compute(cases["one rating per unit"])
    assert c.estimates["alpha_interval"].reason == "no unit has 2 or more ratings"
    assert c.estimates["icc1_oneway"].reason == "fewer than 2 units with 2 or more ratings"
    assert (compute(cases["one value everywhere"]).estimates["alpha_nominal"].reason or "").startswith("no variation")
    assert compute(cases["one value everywhere"]).estimates["fleiss_kappa"].reason


# -- bootstrap -------------------------------------------------------------------------------


def test_bootstrap_is_seeded_and_reproducible() -> None:
    ratings = Ratings.from_matrix(KRIPPENDORFF, categorical=True)
    a = compute(ratings, plan=BootstrapPlan(300, 7))
    b = compute(ratings, plan=BootstrapPlan(300, 7))
    c = compute(ratings, plan=BootstrapPlan(300, 8))
    assert a == b
    assert a.estimates["alpha_interval"].ci != c.estimates["alpha_interval"].ci
    for key in ("alpha_interval", "alpha_ordinal", "icc1_oneway", "fleiss_kappa"):
        ci = a.estimates[key].ci
        assert ci is not None and ci[0] <= ci[1] <= 1.0, key


def test_bootstrap_replicate_equals_the_resampled_data() -> None:
    rng = np.random.default_rng(3)
    crossed = Ratings.from_matrix(SHROUT_FLEISS.T, categorical=True)
    for ratings, n_units in ((crossed, 6), (Ratings.from_matrix(KRIPPENDORFF, categorical=True), 11)):
        for _ in range(5):
            draw = rng.integers(0, n_units, n_units)
            pairable = np.flatnonzero(np.bincount(ratings.unit) >= 2)
            rows = [np.flatnonzero(ratings.unit == pairable[d]) for d in draw]
            pick = np.concatenate(rows)
            unit = np.concatenate([np.full(len(r), i, dtype=np.intp) for i, r in enumerate(rows)])
            assert ratings.category is not None
            resampled = Ratings(unit, ratings.rater[pick], ratings.value[pick], ratings.category[pick], ratings.stratum)
            direct = values(resampled)
            for key, value in coef.replicate(ratings, draw).items():
                if value is None:
                    assert direct[key] is None, key
                else:
                    assert direct[key] == pytest.approx(value, abs=1e-9), key


def test_bootstrap_switched_off_and_too_few_units() -> None:
    c = compute(Ratings.from_matrix(KRIPPENDORFF), plan=BootstrapPlan(0, 0))
    assert c.estimates["alpha_interval"].ci is None
    assert c.estimates["alpha_interval"].ci_reason == "bootstrap switched off"
    small = compute(Ratings.from_matrix(KRIPPENDORFF[:, :4]), plan=BootstrapPlan(100, 0))
    assert "fewer than 5 units" in (small.estimates["alpha_interval"].ci_reason or "")


def test_ordinal_without_bootstrap_features_when_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimators, "ORDINAL_FEATURE_LIMIT", 0)
    c = compute(Ratings.from_matrix(KRIPPENDORFF), plan=BootstrapPlan(100, 0))
    assert round(c.value("alpha_ordinal") or 0, 3) == 0.815
    assert c.estimates["alpha_ordinal"].ci is None
    assert "too many distinct values" in (c.estimates["alpha_ordinal"].ci_reason or "")
    assert c.estimates["alpha_interval"].ci is not None


# -- from the score table ---------------------------------------------------------------------

Row = tuple[str, str, str, str, str]


def sheet(inst: str, reviewer: str, level: str, points: str = "2", na: bool = False) -> list[Row]:
    """One reviewer's complete scores for an institution of service type a (2.1.2 does not apply)."""
    rows: list[Row] = []
    for stage in ("document", "onsite"):
        rows += [(inst, reviewer, stage, "1.1.1", level), (inst, reviewer, stage, "2.1.1", "N/A" if na else level)]
    rows.append((inst, reviewer, "onsite", "1.1.2", points))
    return rows


def varied(n: int = 8) -> list[Row]:
    levels = ["상", "중", "하"]
    rows: list[Row] = []
    for i in range(n):
        for j, reviewer in enumerate(("R1", "R2", "R3")):
            rows += sheet(f"P{i}", reviewer, levels[(i + (j == 2)) % 3], str((i + j) % 5 / 2))
    return rows


def test_units_are_institution_indicator_stage_and_na_is_not_a_rating() -> None:
    rows = varied(6)
    rows += [("P0", "R4", "document", "2.1.1", "N/A")]  # an N/A mark: no rating
    a = compute_agreement(R, table(R, rows), plan=BootstrapPlan(0))
    # 6 institutions x (2 + 2 + 1) units, 3 ratings each
    assert (a.overall.n_units, a.overall.n_ratings, a.overall.n_reviewers) == (30, 90, 3)
    assert a.overall.crossed
    by = {i.indicator_id: i for i in a.by_indicator}
    assert by["1.1.2"].coefficients.n_units == 6 and not by["1.1.2"].level_scale
    assert by["1.1.2"].coefficients.estimates["fleiss_kappa"].reason == "no ratings on a level scale"
    assert by["1.1.1"].coefficients.value("fleiss_kappa") is not None
    assert by["2.1.2"].coefficients.n_units == 0 and by["2.1.2"].coefficients.value("alpha_interval") is None
    reviewers = {r.reviewer_id: r for r in a.by_reviewer}
    assert (reviewers["R4"].n_scores, reviewers["R4"].n_na, reviewers["R4"].n_shared) == (0, 1, 0)
    assert "mean_deviation" in reviewers["R4"].reasons


def test_crossed_icc_needs_every_reviewer_on_every_unit() -> None:
    rows = varied(6)
    full = compute_agreement(R, table(R, rows), plan=BootstrapPlan(0))
    assert full.overall.value("icc2_1") is not None
    rows = [r for r in rows if not (r[0] == "P0" and r[1] == "R3" and r[3] == "1.1.2")]
    partial = compute_agreement(R, table(R, rows), plan=BootstrapPlan(0))
    assert not partial.overall.crossed
    reason = partial.overall.estimates["icc2_1"].reason or ""
    assert partial.overall.value("icc2_1") is None and "1 of 30 units" in reason
    assert partial.overall.value("icc1_oneway") is not None


def test_table_order_and_reviewer_names_do_not_matter() -> None:
    rows = varied(8)
    rng = np.random.default_rng(0)
    shuffled = [rows[i] for i in rng.permutation(len(rows))]
    renamed = [(i, {"R1": "Z9", "R2": "A0", "R3": "M5"}[r], s_, ind, v) for i, r, s_, ind, v in shuffled]
    a = compute_agreement(R, table(R, rows), plan=BootstrapPlan(0)).to_json_dict()
    b = compute_agreement(R, table(R, renamed), plan=BootstrapPlan(0)).to_json_dict()
    assert a["overall"] == b["overall"]
    assert a["by_indicator"] == b["by_indicator"]


def test_spread_flags_match_the_scoring_engine() -> None:
    t = table(R, varied(8))
    a = compute_agreement(R, t, plan=BootstrapPlan(0))
    limit = R.disagreement.max_spread
    assert limit is not None
    expected = dict.fromkeys(R.indicators, 0)  # (institution, stage) groups of 2+ numbers the engine flags
    for inst in score(R, t, issued=date(2024, 1, 1)).institutions:
        for ind in inst.indicators:
            expected[ind.indicator_id] += sum(
                1
                for s in ind.stages
                if s.reviewers - s.na >= 2 and s.spread is not None and round_half_up(s.spread, 2) > limit
            )
    assert {i.indicator_id: i.spread.flagged for i in a.by_indicator} == expected
    assert a.overall_spread.flagged == sum(expected.values()) > 0
    assert a.overall_spread.limit == 0.5


def test_reviewer_deviation_and_consensus_grade_by_hand() -> None:
    # one institution and stage, 3 reviewers, two 4-point indicators: 1.1.1 = 상 상 중, 2.1.1 = 중 중 중
    rows = [
        ("P1", "R1", "document", "1.1.1", "상"),
        ("P1", "R2", "document", "1.1.1", "상"),
        ("P1", "R3", "document", "1.1.1", "중"),
        ("P1", "R1", "document", "2.1.1", "중"),
        ("P1", "R2", "document", "2.1.1", "중"),
        ("P1", "R3", "document", "2.1.1", "중"),
    ]
    a = compute_agreement(R, table(R, rows), plan=BootstrapPlan(0))
    r = {x.reviewer_id: x for x in a.by_reviewer}
    # R3: 0.5 - 1.0 on 1.1.1, 0 on 2.1.1; R1: 1.0 - 0.75, 0
    assert r["R3"].mean_deviation == pytest.approx(-0.25)
    assert r["R1"].mean_deviation == pytest.approx(0.125)
    assert r["R3"].se is None and "fewer than 2 institutions" in r["R3"].reasons["se"]
    # var(100, 100, 50) = 5000/9; R1 and R2 are the best sheets (tied); R3's distance to them:
    # 4 * 50^3 / (5 * 5000/9) / (4 + 4) = 22.5 -> grade 77.5
    assert r["R1"].consensus_grade == pytest.approx(100.0)
    assert r["R2"].consensus_grade == pytest.approx(100.0)
    assert r["R3"].consensus_grade == pytest.approx(77.5)
    assert r["R3"].n_sheets == 1


def test_severe_reviewer_is_detected_with_clustered_se() -> None:
    rows: list[Row] = []
    for i in range(10):
        high = "상" if i % 2 else "중"
        rows += sheet(f"P{i}", "R1", high) + sheet(f"P{i}", "R2", high) + sheet(f"P{i}", "R3", "하")
    r = {x.reviewer_id: x for x in compute_agreement(R, table(R, rows), plan=BootstrapPlan(0)).by_reviewer}
    assert r["R3"].mean_deviation is not None and r["R3"].mean_deviation < 0
    assert r["R3"].tendency == "severe"
    assert r["R1"].mean_deviation is not None and r["R1"].mean_deviation > 0
    assert r["R3"].consensus_grade is not None and r["R1"].consensus_grade is not None
    assert r["R3"].consensus_grade < r["R1"].consensus_grade


def test_leave_one_reviewer_out_reports_decision_changes() -> None:
    rows = sheet("P1", "R1", "상") + sheet("P1", "R2", "상") + sheet("P1", "R3", "하", points="0")
    rows += sheet("P2", "R1", "상") + sheet("P2", "R2", "상") + sheet("P2", "R4", "상")
    insts = {"P1": Inst("P1", "a", {"years": "5"}), "P2": Inst("P2", "a", {"years": "5"})}
    t = table(R, rows)
    a = compute_agreement(R, t, institutions=insts, plan=BootstrapPlan(0))
    scored = {
        i.institution_id: i.decision for i in score(R, t, issued=date(2023, 12, 5), institutions=insts).institutions
    }
    loo = {(x.institution_id, x.reviewer_id): x for x in a.leave_one_out}
    assert set(loo) == {("P1", "R1"), ("P1", "R2"), ("P1", "R3"), ("P2", "R1"), ("P2", "R2"), ("P2", "R4")}
    assert all(x.decision == scored[x.institution_id] for x in loo.values())
    assert scored["P1"] == "not_certified"
    assert loo["P1", "R3"].decision_without == "certified" and loo["P1", "R3"].changes
    assert not loo["P1", "R1"].changes and not loo["P2", "R4"].changes
    assert loo["P1", "R3"].total_without == 100
    entry = next(e for e in a.to_json_dict()["leave_one_out"] if e["reviewer_id"] == "R3")
    assert entry == {
        "institution_id": "P1",
        "reviewer_id": "R3",
        "decision": "not_certified",
        "decision_without": "certified",
        "changes": True,
        "total": 66.67,
        "total_without": 100.0,
    }


def test_leave_one_out_compares_with_the_runs_own_decisions_when_given() -> None:
    rows = sheet("P1", "R1", "상") + sheet("P1", "R2", "상") + sheet("P1", "R3", "하", points="0")
    rows += sheet("P2", "R1", "상") + sheet("P2", "R2", "상") + sheet("P2", "R4", "상")
    insts = {"P1": Inst("P1", "a", {"years": "5"}), "P2": Inst("P2", "a", {"years": "5"})}
    t = table(R, rows)
    results = score(R, t, issued=date(2023, 12, 5), institutions=insts).institutions
    decided = {i.institution_id: i for i in results}
    plain = compute_agreement(R, t, institutions=insts, plan=BootstrapPlan(0), issued=date(2023, 12, 5))
    given = compute_agreement(
        R, t, institutions=insts, plan=BootstrapPlan(0), issued=date(2023, 12, 5), decided=decided
    )
    assert given.leave_one_out == plain.leave_one_out  # the same decisions, without scoring them again
    other = {"P1": decided["P2"], "P2": decided["P2"]}  # taken as they come, not recomputed
    p1 = next(
        x for x in compute_agreement(R, t, institutions=insts, decided=other).leave_one_out if x.institution_id == "P1"
    )
    assert (p1.decision, p1.total) == (decided["P2"].decision, decided["P2"].total)


def test_leaving_a_reviewer_out_keeps_the_consensus_values() -> None:
    # Without R3, P1 passes on its reviewers' scores; an agreed 하 on 1.1.1 (under its floor) stays.
    rows = sheet("P1", "R1", "상") + sheet("P1", "R2", "상") + sheet("P1", "R3", "하", points="0")
    insts = {"P1": Inst("P1", "a", {"years": "5"})}
    agreed = {("P1", "1.1.1"): Consensus("하", False, Fraction(0), "why", "committee", "c.csv:2", True, None)}
    a = compute_agreement(R, table(R, rows), institutions=insts, plan=BootstrapPlan(0), consensus=agreed)
    loo = {x.reviewer_id: x for x in a.leave_one_out}
    assert {x.decision_without for x in loo.values()} == {"not_certified"}
    plain = compute_agreement(R, table(R, rows), institutions=insts, plan=BootstrapPlan(0))
    assert next(x for x in plain.leave_one_out if x.reviewer_id == "R3").decision_without == "certified"


def test_a_lone_reviewer_gives_nulls_with_reasons_and_valid_json() -> None:
    insts = {"P1": Inst("P1", "a", {"years": "5"})}
    a = compute_agreement(R, table(R, sheet("P1", "R1", "상")), institutions=insts, plan=BootstrapPlan(100, 0))
    doc = a.to_json_dict()
    json.dumps(doc, allow_nan=False)
    overall = doc["overall"]
    for key in ("alpha_nominal", "alpha_ordinal", "alpha_interval", "alpha_ratio", "fleiss_kappa"):
        assert overall[key] is None and overall["reasons"][key]
    assert all(v is None for v in overall["icc"].values())
    assert set(overall["reasons"]) >= set(overall["icc"])
    assert doc["by_reviewer"][0]["reasons"]["consensus_grade"] == "no sheet shared with a co-reviewer"
    (only,) = doc["leave_one_out"]  # without its only reviewer the institution is incomplete
    assert (only["decision"], only["decision_without"], only["changes"]) == ("certified", "incomplete", True)
    empty = compute_agreement(R, st.empty(), plan=BootstrapPlan(10, 0)).to_json_dict()
    json.dumps(empty, allow_nan=False)
    assert empty["overall"]["n_units"] == 0 and empty["by_reviewer"] == [] and empty["leave_one_out"] == []


def test_json_contract_keys() -> None:
    doc = compute_agreement(R, table(R, varied(8)), plan=BootstrapPlan(50, 1)).to_json_dict()
    json.dumps(doc, allow_nan=False)
    overall = doc["overall"]
    assert set(overall) >= {
        "alpha_nominal",
        "alpha_ordinal",
        "alpha_interval",
        "alpha_ratio",
        "fleiss_kappa",
        "icc",
        "ci",
        "reasons",
        "n_units",
        "n_reviewers",
    }
    assert set(overall["icc"]) == {"icc1_1", "icc2_1", "icc3_1", "icc1_k", "icc2_k", "icc3_k", "icc1_oneway"}
    assert set(overall["ci"]["alpha_interval"]) == {"low", "high"} and overall["ci"]["icc1_oneway"] is not None
    assert [i["indicator_id"] for i in doc["by_indicator"]] == list(R.indicators)
    assert set(doc["by_indicator"][0]) >= {"alpha_interval", "icc", "spread", "fleiss_kappa", "ci", "reasons"}
    assert set(doc["by_indicator"][0]["spread"]) == {"units", "mean", "max", "flagged", "limit"}
    assert set(doc["by_reviewer"][0]) >= {"reviewer_id", "n_scores", "mean_deviation", "se", "consensus_grade"}
    assert set(doc["leave_one_out"][0]) >= {"institution_id", "reviewer_id", "decision_without", "changes"}
