"""Cross-field rules of the rubric format, one function per rule.

The rules read the raw YAML data (plain dicts and lists), not the pydantic
model, so they run even when some field has the wrong type: a rubric with ten
mistakes gets ten messages in one pass. A value of the wrong type is skipped
here (pydantic reports it). Each rule yields ``(loc, code, message)``; ``loc``
is the YAML path of the offending value, which the loader turns into a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from qualcert.rubric.model import DEFAULT_STAGE_WEIGHTS

Loc = tuple[str | int, ...]
Finding = tuple[Sequence[str | int], str, str]
Where = Callable[[Loc], str]  # describes a location in messages ("line 12" from the loader)
RESERVED_NA = {"n/a", "na", "해당없음"}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    return Decimal(value) if isinstance(value, int | Decimal) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _levels(data: dict[str, Any]) -> Iterator[tuple[str, Loc, dict[str, Any], str | None]]:
    """Every domain, item and indicator (even under a parent with no children): kind, loc, node, parent id."""
    for d, dom in enumerate(_list(data.get("domains"))):
        dom, dloc = _dict(dom), ("domains", d)
        yield "domain", dloc, dom, None
        for i, item in enumerate(_list(dom.get("items"))):
            item, iloc = _dict(item), (*dloc, "items", i)
            yield "item", iloc, item, _text(dom.get("id"))
            for k, ind in enumerate(_list(item.get("indicators"))):
                yield "indicator", (*iloc, "indicators", k), _dict(ind), _text(item.get("id"))


def _duplicate_ids(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    seen: dict[tuple[str, str], Loc] = {}
    for kind, loc, node, _ in _levels(data):
        ident = _text(node.get("id"))
        if ident is None:
            continue
        if (kind, ident) in seen:
            yield (
                (*loc, "id"),
                "duplicate-id",
                f"{kind} id {ident!r} is used twice (first at {where((*seen[kind, ident], 'id'))})",
            )
        else:
            seen[kind, ident] = loc


def _dotted_prefixes(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    """When ids are dotted (1 / 1.1 / 1.1.1), each must extend its parent's id."""
    rows = [row for row in _levels(data) if row[0] != "domain"]
    if not any("." in (_text(node.get("id")) or "") for kind, _, node, _ in rows if kind == "item"):
        return
    for kind, loc, node, parent_id in rows:
        ident = _text(node.get("id"))
        if ident and parent_id and not ident.startswith(parent_id + "."):
            parent = "domain" if kind == "item" else "item"
            yield (
                (*loc, "id"),
                "id-prefix",
                f"{kind} id {ident!r} should start with its {parent}'s id {parent_id + '.'!r}",
            )


def _indicator_refs(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    scales = _dict(data.get("scales"))
    weights = _dict(data.get("stage_weights", DEFAULT_STAGE_WEIGHTS))
    declared = [s for s in _list(data.get("service_types")) if isinstance(s, str)]
    for kind, loc, ind, _ in _levels(data):
        if kind != "indicator":
            continue
        name = _text(ind.get("id")) or "?"
        scale_name = _text(ind.get("scale"))
        scale = _dict(scales.get(scale_name)) if scale_name is not None else {}
        if scale_name is not None and scale_name not in scales:
            known = ", ".join(sorted(map(str, scales))) or "none"
            yield (
                (*loc, "scale"),
                "unknown-scale",
                f"indicator {name}: no scale {scale_name!r} (declared: {known})",
            )
        points, step = _num(ind.get("points")), _num(scale.get("step"))
        if (
            scale.get("kind") == "points"
            and points is not None
            and step
            and step > 0
            and Fraction(points) % Fraction(step)
        ):
            yield (
                (*loc, "points"),
                "points-step",
                f"indicator {name}: points {points} is not a multiple of scale {scale_name!r} step {step}",
            )
        stages = _list(ind.get("stages"))
        for s, stage in enumerate(stages):
            if isinstance(stage, str) and stage in ("document", "onsite") and stage not in weights:
                yield (
                    (*loc, "stages", s),
                    "unweighted-stage",
                    f"indicator {name}: stage {stage!r} has no entry in stage_weights",
                )
            if stage in stages[:s]:
                yield (
                    (*loc, "stages", s),
                    "duplicate-stage",
                    f"indicator {name}: stage {stage!r} is listed twice",
                )
        for a, service in enumerate(_list(ind.get("applies_to"))):
            if isinstance(service, str) and service not in declared:
                yield (
                    (*loc, "applies_to", a),
                    "unknown-service-type",
                    f"indicator {name}: service type {service!r} is not in service_types "
                    f"({', '.join(declared) or 'none declared'})",
                )


def _scale_labels(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    for name, scale in _dict(data.get("scales")).items():
        labels = [str(k) for k in _dict(_dict(scale).get("levels"))]
        folded = [label.strip().casefold() for label in labels]
        for label, key in zip(labels, folded, strict=True):
            if key in RESERVED_NA:
                yield (
                    ("scales", name, "levels", label),
                    "reserved-label",
                    f"scale {name!r}: {label!r} is reserved for 'not applicable' (use allow_na on the indicator)",
                )
            elif folded.count(key) > 1 and label != labels[folded.index(key)]:
                yield (
                    ("scales", name, "levels", label),
                    "duplicate-label",
                    f"scale {name!r}: {label!r} differs from another label only in case or spaces",
                )


def _service_types(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    types = _list(data.get("service_types"))
    for s, service in enumerate(types):
        if service in types[:s]:
            yield (
                ("service_types", s),
                "duplicate-service-type",
                f"service type {service!r} is listed twice",
            )


def _grades(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    grades = [_dict(g) for g in _list(_dict(data.get("decision")).get("grades"))]
    names = [g.get("grade") for g in grades]
    for g, name in enumerate(names):
        if name is not None and name in names[:g]:
            yield (
                ("decision", "grades", g, "grade"),
                "duplicate-grade",
                f"grade {name!r} is listed twice",
            )
    mins = [_num(g.get("min")) for g in grades]
    for g in range(1, len(grades)):
        low, high = mins[g], mins[g - 1]
        if low is not None and high is not None and low >= high:
            yield (
                ("decision", "grades", g, "min"),
                "grade-order",
                f"grade bands go from the highest minimum down: {names[g]} min {low} "
                f"is not below {names[g - 1]} min {high}",
            )
    if mins and mins[-1] is not None and mins[-1] != 0:
        yield (
            ("decision", "grades", len(grades) - 1, "min"),
            "grade-gap",
            f"the lowest grade {names[-1]!r} must start at 0 so that every total gets a grade "
            f"(it starts at {mins[-1]})",
        )


def _eligibility(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    fields: list[Any] = []
    for e, rule in enumerate(_list(_dict(data.get("decision")).get("eligibility"))):
        rule, loc = _dict(rule), ("decision", "eligibility", e)
        field = rule.get("field")
        low, high = _num(rule.get("min")), _num(rule.get("max"))
        if "min" not in rule and "max" not in rule and "one_of" not in rule:
            yield (
                loc,
                "eligibility-empty",
                f"eligibility rule on {field!r} needs min, max or one_of",
            )
        if "one_of" in rule and ("min" in rule or "max" in rule):
            yield (
                loc,
                "eligibility-mixed",
                f"eligibility rule on {field!r}: use one_of or min/max, not both",
            )
        if low is not None and high is not None and low > high:
            yield (
                loc,
                "eligibility-range",
                f"eligibility rule on {field!r}: min {low} is above max {high}",
            )
        if isinstance(field, str) and field in {"institution_id", "name", "service_type"}:
            yield (
                (*loc, "field"),
                "eligibility-field",
                f"eligibility cannot test the roster's {field!r} column",
            )
        if field is not None and field in fields:
            yield (
                (*loc, "field"),
                "eligibility-duplicate",
                f"two eligibility rules test {field!r}; merge them",
            )
        fields.append(field)


def _stage_combine(data: dict[str, Any], where: Where) -> Iterator[Finding]:
    weights = _dict(data.get("stage_weights", DEFAULT_STAGE_WEIGHTS))
    if data.get("stage_combine") == "onsite" and "onsite" not in weights:
        yield (
            ("stage_combine",),
            "stage-combine",
            "stage_combine: onsite needs an onsite stage in stage_weights",
        )


RULES: tuple[Callable[[dict[str, Any], Where], Iterator[Finding]], ...] = (
    _duplicate_ids,
    _dotted_prefixes,
    _indicator_refs,
    _scale_labels,
    _service_types,
    _grades,
    _eligibility,
    _stage_combine,
)


def _path(loc: Loc) -> str:
    return ".".join(map(str, loc))


def check_rubric(data: dict[str, Any], where: Where = _path) -> list[Finding]:
    """Every cross-field problem in a rubric document (a YAML mapping); ``where`` names other places in messages."""
    return [finding for rule in RULES for finding in rule(data, where)]
