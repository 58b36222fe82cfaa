"""Eligibility, grade, decision, reasons and margins for one institution.

Decision order (DESIGN.md): ``ineligible`` when an eligibility rule fails;
``incomplete`` when a required score (or an eligibility value) is missing;
otherwise ``certified`` when the total, every domain minimum and every
indicator floor hold, else ``not_certified``; a rubric without any pass rule
decides ``graded``. Every comparison uses values rounded half-up to the
rubric's precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from qualcert.numeric import exact, fmt, round_half_up
from qualcert.results import AreaResult, DecisionCode, EligibilityCheck, IndicatorResult, Margin, Reason
from qualcert.rubric import Rubric, name_text
from qualcert.rubric.model import STAGE_NAMES, Domain, EligibilityRule

_ZERO = Fraction(0)


@dataclass(frozen=True)
class Judgement:
    decision: DecisionCode
    grade: str | None
    reasons: tuple[Reason, ...]  # decisive first
    checks: tuple[Reason, ...]  # every rule evaluated
    eligibility: tuple[EligibilityCheck, ...]
    margins: tuple[Margin, ...]
    points_to_certify: Fraction | None


def _d(value: Decimal) -> str:
    """A rubric threshold as written: 80 → '80', 0.5 → '0.5'."""
    return f"{value.normalize():f}"


def check_eligibility(rule: EligibilityRule, raw: str) -> tuple[EligibilityCheck, Reason]:
    field = rule.field
    if raw == "":
        return EligibilityCheck(field, raw, None), Reason(
            "eligibility",
            False,
            field,
            None,
            None,
            f"eligibility {field}: no value in the roster",
            f"자격요건 {field}: 명부에 값이 없음",
        )
    if rule.one_of is not None:
        accepted = [str(v).casefold() for v in rule.one_of]
        ok = raw.casefold() in accepted
        shown = ", ".join(str(v) for v in rule.one_of)
        sign = "is one of" if ok else "is not one of"
        return EligibilityCheck(field, raw, ok), Reason(
            "eligibility",
            ok,
            field,
            raw,
            shown,
            f"eligibility {field}: {raw} {sign} {shown}",
            f"자격요건 {field}: {raw} {'∈' if ok else '∉'} {{{shown}}}",
        )
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return EligibilityCheck(field, raw, None), Reason(
            "eligibility",
            False,
            field,
            raw,
            None,
            f"eligibility {field}: {raw!r} is not a number",
            f"자격요건 {field}: {raw!r}은(는) 숫자가 아님",
        )
    if rule.min is not None and value < rule.min:
        return EligibilityCheck(field, raw, False), Reason(
            "eligibility",
            False,
            field,
            value,
            rule.min,
            f"eligibility {field}: {raw} < {_d(rule.min)} minimum",
            f"자격요건 {field}: {raw} < 최소 {_d(rule.min)}",
        )
    if rule.max is not None and value > rule.max:
        return EligibilityCheck(field, raw, False), Reason(
            "eligibility",
            False,
            field,
            value,
            rule.max,
            f"eligibility {field}: {raw} > {_d(rule.max)} maximum",
            f"자격요건 {field}: {raw} > 최대 {_d(rule.max)}",
        )
    bounds = " and ".join(
        text
        for text in (
            f"≥ {_d(rule.min)}" if rule.min is not None else "",
            f"≤ {_d(rule.max)}" if rule.max is not None else "",
        )
        if text
    )
    threshold = rule.min if rule.min is not None else rule.max
    return EligibilityCheck(field, raw, True), Reason(
        "eligibility",
        True,
        field,
        value,
        threshold,
        f"eligibility {field}: {raw} {bounds}",
        f"자격요건 {field}: {raw} {bounds}",
    )


def grade_of(rubric: Rubric, total: Fraction | None) -> str | None:
    if total is None or not rubric.decision.grades:
        return None
    rounded = round_half_up(total, rubric.precision)
    return next((band.grade for band in rubric.decision.grades if rounded >= band.min), None)


@lru_cache(maxsize=1024)  # thresholds are the rubric's few numbers
def _grid_threshold(threshold: Fraction, precision: int) -> Fraction:
    """The least value that passes ``round_half_up(x) >= threshold``: one half-unit below the grid point."""
    unit = Fraction(1, 10**precision)
    steps = -(-threshold // unit)  # ceil: thresholds off the grid move up to the next grid point
    return steps * unit - unit / 2


def _margin(
    rule: str,
    subject: str | None,
    value: Fraction,
    threshold: Fraction,
    scale: Fraction,
    have: Fraction,
    precision: int,
) -> Margin:
    """``value`` (rounded) against ``threshold``; ``points_needed`` converts with points = value × scale."""
    rounded = round_half_up(value, precision)
    needed = max(Fraction(0), _grid_threshold(threshold, precision) * scale - have)
    limit = Decimal(threshold.numerator) / Decimal(threshold.denominator)
    return Margin(rule, subject, rounded, limit, rounded - limit, needed)


def check_floor(rubric: Rubric, ind: IndicatorResult) -> tuple[Margin, Reason] | None:
    """An indicator's floor: its score against the floor's share of its points (None when no floor applies)."""
    floor = rubric.indicators[ind.indicator_id].floor
    if floor is None or not ind.applicable or ind.score is None:
        return None
    p, score, need = rubric.precision, ind.score, exact(floor) * ind.points
    m = _margin("floor", ind.indicator_id, score, need, Fraction(1), score, p)
    ok = m.margin >= 0
    sign = "≥" if ok else "<"
    return m, Reason(
        "floor",
        ok,
        ind.indicator_id,
        m.value,
        m.threshold,
        f"indicator {ind.indicator_id} floor: {fmt(score, p)} {sign} {fmt(need, p)} points",
        f"지표 {ind.indicator_id} 최저기준: {fmt(score, p)} {sign} {fmt(need, p)}점",
    )


def check_domain(rubric: Rubric, domain: Domain, area: AreaResult) -> tuple[Reason, Margin | None] | None:
    """A domain's minimum percent (None when it has none; no margin when nothing in it applies)."""
    if area.minimum is None:
        return None
    p = rubric.precision
    label_en, label_ko = name_text(domain.name, "en"), name_text(domain.name, "ko")
    if area.percent is None:
        return Reason(
            "domain_min",
            True,
            area.id,
            None,
            area.minimum,
            f"domain {area.id} {label_en}: no applicable indicator, minimum not applied",
            f"영역 {area.id} {label_ko}: 해당 지표 없음, 기준 미적용",
        ), None
    m = _margin("domain_min", area.id, area.percent, exact(area.minimum), area.max / 100, area.score, p)
    ok = m.margin >= 0
    return Reason(
        "domain_min",
        ok,
        area.id,
        m.value,
        area.minimum,
        f"domain {area.id} {label_en}: {fmt(area.percent, p)}% {'≥' if ok else '<'} {_d(area.minimum)}% minimum",
        f"영역 {area.id} {label_ko}: {fmt(area.percent, p)}% {'≥' if ok else '<'} 기준 {_d(area.minimum)}%",
    ), m


@dataclass(frozen=True, slots=True)
class TotalCheck:
    """What the total alone decides: its percent, the total minimum and the grade."""

    total: Fraction | None  # percent of the applicable maximum; None when nothing applies
    rule: tuple[Reason, Margin] | None  # the total minimum, when the rubric has one
    grade: str | None
    grade_reason: Reason | None


def check_total(rubric: Rubric, score: Fraction, maximum: Fraction) -> TotalCheck:
    p = rubric.precision
    total = score / maximum * 100 if maximum else None
    rule = None
    if total is not None and rubric.decision.total_min is not None:
        m = _margin("total_min", None, total, exact(rubric.decision.total_min), maximum / 100, score, p)
        ok = m.margin >= 0
        rule = (
            Reason(
                "total_min",
                ok,
                None,
                m.value,
                rubric.decision.total_min,
                f"total {fmt(total, p)}% {'≥' if ok else '<'} {_d(rubric.decision.total_min)}% minimum",
                f"총점 {fmt(total, p)}% {'≥' if ok else '<'} 기준 {_d(rubric.decision.total_min)}%",
            ),
            m,
        )
    grade = grade_of(rubric, total)
    grade_reason = None
    if grade is not None and total is not None:
        band = next(b for b in rubric.decision.grades if b.grade == grade)
        grade_reason = Reason(
            "grade",
            True,
            grade,
            round_half_up(total, p),
            band.min,
            f"grade {grade}: total {fmt(total, p)}% ≥ {_d(band.min)}",
            f"등급 {grade}: 총점 {fmt(total, p)}% ≥ {_d(band.min)}",
        )
    return TotalCheck(total, rule, grade, grade_reason)


def _incomplete_reasons(missing: Sequence[IndicatorResult]) -> list[Reason]:
    by_stage: dict[tuple[str, ...], list[str]] = {}
    for ind in missing:
        by_stage.setdefault(ind.missing_stages, []).append(ind.indicator_id)
    reasons = []
    for stages, ids in by_stage.items():
        en_stage = " and ".join(STAGE_NAMES[s]["en"] for s in stages) + (" stage" if len(stages) == 1 else " stages")
        ko_stage = "·".join(STAGE_NAMES[s]["ko"] for s in stages)
        n = len(ids)
        listed = ", ".join(ids)
        reasons.append(
            Reason(
                "incomplete",
                False,
                listed,
                str(n),
                None,
                f"incomplete: {n} indicator{'s' if n != 1 else ''} without any score at {en_stage} ({listed})",
                f"미완료: {ko_stage} 단계 점수가 없는 지표 {n}개 ({listed})",
            )
        )
    return reasons


def judge(
    rubric: Rubric,
    eligible: Sequence[tuple[EligibilityCheck, Reason]],
    maximum: Fraction,
    total: TotalCheck,
    domains: Sequence[tuple[AreaResult, tuple[Reason, Margin | None] | None]],
    indicators: Sequence[tuple[IndicatorResult, tuple[Margin, Reason] | None]],
) -> Judgement:
    """The decision from the rules already checked (:func:`check_eligibility`, :func:`check_total`,
    :func:`check_domain`, :func:`check_floor`: a caller checks each distinct value once and shares it)."""
    eligibility = [check for check, _ in eligible]
    elig_reasons = [reason for _, reason in eligible]
    rules: list[Reason] = []
    margins: list[Margin] = []
    if total.rule is not None:
        rules.append(total.rule[0])
        margins.append(total.rule[1])
    for _, checked in domains:
        if checked is not None:
            rules.append(checked[0])
            if checked[1] is not None:
                margins.append(checked[1])
    for _, floor in indicators:
        if floor is not None:
            margins.append(floor[0])
            rules.append(floor[1])

    grade = total.grade
    missing = _incomplete_reasons([ind for ind, _ in indicators if ind.missing])
    if not maximum:
        missing.append(
            Reason(
                "incomplete",
                False,
                None,
                None,
                None,
                "incomplete: no applicable indicator (all excluded or N/A), nothing to judge",
                "미완료: 적용되는 지표가 없음 (모두 제외 또는 해당없음)",
            )
        )
    incomplete = missing + [r for r, c in zip(elig_reasons, eligibility, strict=True) if c.passed is None]
    failed_elig = [r for r, c in zip(elig_reasons, eligibility, strict=True) if c.passed is False]
    failed = [r for r in rules if not r.passed]
    decision: DecisionCode
    if failed_elig:
        decision, decisive = "ineligible", failed_elig
    elif incomplete:
        decision, decisive, grade = "incomplete", incomplete, None
    elif not rubric.has_pass_rule:
        decision, decisive = "graded", []
    elif failed:
        decision, decisive = "not_certified", failed
    else:
        decision, decisive = "certified", [r for r in rules if r.rule == "total_min"] or rules[:1]
    if grade is not None and total.grade_reason is not None:
        rules.append(total.grade_reason)
        if decision == "graded":
            decisive = [total.grade_reason]
    checks = tuple(elig_reasons + missing + rules)
    first = {id(r) for r in decisive}  # decisive reasons are objects of ``checks``
    ordered = tuple(decisive) + tuple(r for r in checks if id(r) not in first)

    points_to_certify = None
    if decision == "not_certified":
        points_to_certify = _points_to_certify(total, domains, indicators)
    return Judgement(decision, grade, tuple(decisive), ordered, tuple(eligibility), tuple(margins), points_to_certify)


def _points_to_certify(
    total: TotalCheck,
    domains: Sequence[tuple[AreaResult, tuple[Reason, Margin | None] | None]],
    indicators: Sequence[tuple[IndicatorResult, tuple[Margin, Reason] | None]],
) -> Fraction:
    """The fewest points that would pass every rule: the total's need, or the sum over domains of the
    larger of the domain minimum's need and its indicators' floor needs, whichever is more."""
    needs: dict[str, list[Fraction]] = {}  # per domain: its minimum's need, then its floors' needs
    for area, checked in domains:
        if checked is not None and checked[1] is not None and checked[1].points_needed:
            needs[area.id] = [checked[1].points_needed, _ZERO]
    for ind, floor in indicators:
        if floor is not None and floor[0].points_needed:
            needs.setdefault(ind.domain_id, [_ZERO, _ZERO])[1] += floor[0].points_needed
    per_domain = sum((max(pair) for pair in needs.values()), _ZERO)
    total_need = total.rule[1].points_needed if total.rule is not None else _ZERO
    return max(total_need, per_domain)
