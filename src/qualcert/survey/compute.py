"""The survey arithmetic: pure functions over the survey definition and the respondents, exact Fractions.

The contract (docs/survey.md):

- an answer x on the scale min..max scores (x − min)/(max − min) × 100; a reversed
  question's answer first becomes max + min − x;
- a respondent counts when they answered at least ``min_answered`` of the index
  questions (those in a dimension); the others are excluded and counted;
- a respondent's dimension score is the mean of their answered items in it; an
  institution's dimension score is the mean over its counted respondents who
  answered in that dimension;
- the institution's customer index is the weighted mean of its dimension scores
  (weights renormalised over the dimensions it has; equal by default);
  ``reliable`` when it has at least ``min_respondents`` counted respondents;
- a group's index is the unweighted mean of its institutions' indices;
- the composite is (customer × index + operational × total) / (customer + operational);
- deltas are index − baseline and index − benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from qualcert.errors import Location, Problem
from qualcert.rubric.model import name_text
from qualcert.survey.model import Survey
from qualcert.survey.read import Baseline, Respondent
from qualcert.survey.results import (
    BLANK_GROUP,
    Deltas,
    DimensionScore,
    DimensionSummary,
    GroupSurvey,
    InstitutionSurvey,
    QuestionStat,
    QuestionSummary,
    Reliability,
    SurveyResults,
)


@dataclass(frozen=True, slots=True)
class InstitutionInfo:
    """What the roster says about an institution: its name and its group (the ``--by`` column)."""

    institution_id: str
    name: str | None = None
    group: str | None = None


def mean(values: Iterable[Fraction]) -> Fraction | None:
    """The exact mean, or None of nothing."""
    items = list(values)
    return sum(items, Fraction(0)) / len(items) if items else None


def weighted_mean(pairs: Iterable[tuple[Fraction, Fraction | None]]) -> Fraction | None:
    """Σ w·x / Σ w over the pairs whose value is not None (weights renormalised), or None."""
    present = [(w, x) for w, x in pairs if x is not None]
    total = sum((w for w, _ in present), Fraction(0))
    return sum((w * x for w, x in present), Fraction(0)) / total if total else None


def cronbach_alpha(rows: Sequence[Sequence[int | Fraction]]) -> Fraction | None:
    """Cronbach's alpha of complete rows (respondents × items): k/(k−1) × (1 − Σ var(item) / var(total)).

    None with fewer than 2 items or 2 rows, or when the totals do not vary. Population
    and sample variances give the same alpha (the n/(n−1) factors cancel).
    """
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        return None

    def scaled_variance(values: Sequence[int | Fraction]) -> int | Fraction:
        """n² × the population variance, n Σv² − (Σv)²: integer arithmetic for integer answers."""
        total = sum(values)
        return n * sum(v * v for v in values) - total * total

    total = scaled_variance([sum(row) for row in rows])
    if total == 0:
        return None
    items = sum(scaled_variance(column) for column in zip(*rows, strict=True))
    return Fraction(k, k - 1) * (1 - Fraction(items) / Fraction(total))


def _deltas(value: Fraction | None, baseline: Fraction | Decimal | None, benchmark: Decimal | None) -> Deltas:
    return Deltas(
        baseline=baseline,
        vs_baseline=None if value is None or baseline is None else value - Fraction(baseline),
        benchmark=benchmark,
        vs_benchmark=None if value is None or benchmark is None else value - Fraction(benchmark),
    )


class _Scorer:
    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.questions = survey.questions
        self.span = survey.scale.max - survey.scale.min
        # integer points per answer (score = points / span × 100), so sums stay in integers
        self.points = [{x: survey.item_points(x, q.reverse) for x in survey.scale.points} for q in survey.questions]
        self.index_positions = [i for i, q in enumerate(survey.questions) if q.dimension is not None]
        self.dimension_positions = [
            [i for i, q in enumerate(survey.questions) if q.dimension == d.id] for d in survey.dimensions
        ]
        self.weights = [survey.weight(d) for d in survey.dimensions]
        self.min_answered = Fraction(survey.min_answered)
        self.top = survey.scale.max - survey.top_box + 1

    def counts(self, respondent: Respondent) -> bool:
        answered = sum(respondent.answers[i] is not None for i in self.index_positions)
        return Fraction(answered, len(self.index_positions)) >= self.min_answered

    def dimension_scores(self, respondents: Sequence[Respondent]) -> list[DimensionScore]:
        """Per dimension, the mean over respondents of each one's mean item score (exact).

        A respondent's mean is ``points / (answered × span) × 100``; summing the points of the
        respondents who answered the same number of items first keeps the arithmetic in integers.
        """
        scores = []
        for d, positions in enumerate(self.dimension_positions):
            by_count: dict[int, int] = {}
            answered = 0
            for respondent in respondents:
                given = [self.points[i][x] for i in positions if (x := respondent.answers[i]) is not None]
                if given:
                    by_count[len(given)] = by_count.get(len(given), 0) + sum(given)
                    answered += 1
            total = sum((Fraction(points, count) for count, points in by_count.items()), Fraction(0))
            score = total * 100 / (self.span * answered) if answered else None
            scores.append(DimensionScore(self.survey.dimensions[d].id, score, answered))
        return scores

    def question_stats(self, respondents: Sequence[Respondent]) -> tuple[QuestionStat, ...]:
        stats = []
        for i, q in enumerate(self.questions):
            given = [x for r in respondents if (x := r.answers[i]) is not None]
            top = sum(x >= self.top for x in given)
            points = sum(self.points[i][x] for x in given)
            stats.append(
                QuestionStat(
                    q.id,
                    len(given),
                    Fraction(100 * points, self.span * len(given)) if given else None,
                    Fraction(top, len(given)) if given else None,
                )
            )
        return tuple(stats)


def _institution(
    scorer: _Scorer, info: InstitutionInfo, respondents: Sequence[Respondent]
) -> tuple[InstitutionSurvey, list[Respondent]]:
    survey = scorer.survey
    counted = [r for r in respondents if scorer.counts(r)]
    dimensions = scorer.dimension_scores(counted)
    index = weighted_mean(zip(scorer.weights, (d.score for d in dimensions), strict=True))
    result = InstitutionSurvey(
        institution_id=info.institution_id,
        name=info.name,
        group=info.group,
        respondents=len(counted),
        excluded_respondents=len(respondents) - len(counted),
        index=index,
        reliable=len(counted) >= survey.min_respondents,
        dimensions=tuple(dimensions),
        questions=scorer.question_stats(counted),
    )
    return result, counted


def _group(survey: Survey, name: str, members: Sequence[InstitutionSurvey]) -> GroupSurvey:
    scored = [m for m in members if m.index is not None]
    dimensions = []
    for d, dimension in enumerate(survey.dimensions):
        given = [s for m in members if (s := m.dimensions[d].score) is not None]
        dimensions.append(DimensionScore(dimension.id, mean(given), len(given)))
    composites = [m.composite for m in members if m.composite is not None]
    return GroupSurvey(
        group=name,
        institutions=len(scored),
        reliable_institutions=sum(m.reliable for m in scored),
        index=mean(m.index for m in scored if m.index is not None),
        dimensions=tuple(dimensions),
        composite=mean(composites),
    )


def compute_survey(
    survey: Survey,
    respondents: Sequence[Respondent],
    *,
    institutions: Sequence[InstitutionInfo] | None = None,
    by: str | None = None,
    operational: Mapping[str, Decimal | None] | None = None,
    baseline: Baseline | None = None,
    benchmark: Decimal | None = None,
) -> SurveyResults:
    """Every number of a survey run. ``institutions`` (from the roster) gives the order, names and groups;
    without it the institutions are those of the responses, in the order they first appear."""
    scorer = _Scorer(survey)
    by_institution: dict[str, list[Respondent]] = {}
    for respondent in respondents:
        by_institution.setdefault(respondent.institution_id, []).append(respondent)
    infos = list(institutions) if institutions is not None else [InstitutionInfo(i) for i in by_institution]
    known = {info.institution_id for info in infos}
    infos += [InstitutionInfo(i) for i in by_institution if i not in known]  # callers validate against the roster
    warnings: list[Problem] = []
    results: list[InstitutionSurvey] = []
    counted: list[Respondent] = []
    combine = (Fraction(survey.combine.customer), Fraction(survey.combine.operational))
    for info in infos:
        group = None if by is None else (info.group or BLANK_GROUP)
        result, used = _institution(
            scorer, InstitutionInfo(info.institution_id, info.name, group), by_institution.get(info.institution_id, [])
        )
        counted += used
        if info.institution_id not in by_institution:
            warnings.append(
                Problem(
                    "no-responses", f"institution {info.institution_id} has no survey responses", Location(), "warning"
                )
            )
        op: Decimal | None = None
        composite: Fraction | None = None
        if operational is not None:
            op = operational.get(info.institution_id)
            if info.institution_id not in operational:
                message = f"institution {info.institution_id} has no operational score; no composite"
                warnings.append(Problem("no-operational-score", message, Location(), "warning"))
            if op is not None and result.index is not None:
                composite = (combine[0] * result.index + combine[1] * Fraction(op)) / (combine[0] + combine[1])
        base = baseline.institutions.get(info.institution_id) if baseline is not None else None
        deltas = _deltas(result.index, base, benchmark)
        results.append(replace(result, operational=op, composite=composite, deltas=deltas))
    groups: list[GroupSurvey] = []
    if by is not None:
        members: dict[str, list[InstitutionSurvey]] = {}
        for result in results:
            members.setdefault(result.group or BLANK_GROUP, []).append(result)
        for name, group_members in members.items():
            summary = _group(survey, name, group_members)
            base = baseline.groups.get(name) if baseline is not None else None
            groups.append(replace(summary, deltas=_deltas(summary.index, base, benchmark)))
    overall = _group(survey, "전체", results)
    overall_base: Fraction | Decimal | None = None
    if baseline is not None:  # last year's overall index, or the mean of last year's institution indices
        overall_base = baseline.overall
        if overall_base is None:
            overall_base = mean(Fraction(v) for v in baseline.institutions.values() if v is not None)
    overall = replace(overall, deltas=_deltas(overall.index, overall_base, benchmark))
    summaries = []
    for d, dimension in enumerate(survey.dimensions):
        positions = scorer.dimension_positions[d]
        rows = [[scorer.points[i][x] for i in positions if (x := r.answers[i]) is not None] for r in counted]
        complete = [row for row in rows if len(row) == len(positions)]
        reliability = Reliability(dimension.id, len(positions), len(complete), cronbach_alpha(complete))
        summaries.append(
            DimensionSummary(
                dimension.id,
                name_text(dimension.name) if dimension.name is not None else dimension.id,
                scorer.weights[d],
                len(positions),
                overall.dimensions[d].score,
                reliability,
            )
        )
    question_stats = scorer.question_stats(counted)
    questions = tuple(
        QuestionSummary(q.id, q.text, q.dimension, q.reverse, question_stats[i]) for i, q in enumerate(survey.questions)
    )
    return SurveyResults(
        survey_id=survey.id,
        title=name_text(survey.title),
        version=survey.version,
        sha256=survey.sha256,
        scale=(survey.scale.min, survey.scale.max),
        top_box=survey.top_box,
        by=by,
        benchmark=benchmark,
        combine=combine if operational is not None else None,
        institutions=tuple(results),
        groups=tuple(groups),
        overall=overall,
        dimensions=tuple(summaries),
        questions=questions,
        problems=tuple(warnings),
    )
