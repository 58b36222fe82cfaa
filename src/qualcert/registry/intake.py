"""A `score --json` file as the register reads it: checked field by field, and hashed.

The run hash is the SHA-256 of the canonical JSON (sorted keys, no spaces, institutions
sorted by id, numbers as floats) of the decisions part only: rubric id/version/sha256,
issue date, and per institution its name, service type, decision, total, grade, validity
and domain scores. Run times, file paths and warnings are left out, so scoring the same
inputs twice gives the same hash and recording it twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from qualcert.errors import Location, Problem
from qualcert.registry.model import DomainEntry, InstitutionEntry, RegisterError, RunDoc

SHA256 = re.compile(r"^[0-9a-f]{64}$")
REQUIRED = ("rubric", "issued", "institutions")
NOT_SCORE_JSON = "not-score-json"


def load_results_file(path: str | Path) -> RunDoc:
    """Read and check a `qualcert score --json` file."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RegisterError([Problem("file-not-found", "no such file", Location(file=where))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = Problem(NOT_SCORE_JSON, f"cannot read it as UTF-8 text ({exc})", Location(file=where))
        raise RegisterError([problem]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(
            NOT_SCORE_JSON,
            f"not JSON ({exc.msg}); expected the file written by `qualcert score --json`",
            Location(file=where, line=exc.lineno, col=exc.colno),
        )
        raise RegisterError([problem]) from None
    return parse_results(doc, source=where)


def parse_results(doc: Any, *, source: str | None = None) -> RunDoc:
    """Check a `score --json` document (already parsed) and return its decisions with their run hash.

    Every problem is collected and raised at once as a :class:`RegisterError`.
    """
    where = Location(file=source or "<results>")
    if not isinstance(doc, Mapping) or any(k not in doc for k in REQUIRED):
        missing = [k for k in REQUIRED if not isinstance(doc, Mapping) or k not in doc]
        raise RegisterError(
            [
                Problem(
                    NOT_SCORE_JSON,
                    "not a `qualcert score --json` output: expected a JSON object with "
                    + ", ".join(REQUIRED)
                    + f" (missing: {', '.join(missing)})",
                    where,
                )
            ]
        )
    problems: list[str] = []
    rubric = doc["rubric"]
    rubric_id = rubric_version = sha = ""
    if not isinstance(rubric, Mapping):
        problems.append("rubric: expected an object with id, version and sha256")
    else:
        rubric_id = _text(rubric.get("id"), "rubric.id", problems)
        rubric_version = _text(rubric.get("version"), "rubric.version", problems)
        raw_sha = rubric.get("sha256")
        if isinstance(raw_sha, str) and SHA256.match(raw_sha):
            sha = raw_sha
        else:
            problems.append(f"rubric.sha256: expected 64 lowercase hex digits, found {raw_sha!r}")
    issued = _date(doc["issued"], "issued", problems, required=True)
    entries: list[InstitutionEntry] = []
    raw = doc["institutions"]
    if not isinstance(raw, list):
        problems.append("institutions: expected a list")
        raw = []
    seen: set[str] = set()
    for k, inst in enumerate(raw):
        entry = _institution(inst, f"institutions[{k}]", problems)
        if entry is None:
            continue
        if entry.institution_id in seen:
            problems.append(f"institutions[{k}]: institution {entry.institution_id!r} appears twice")
        seen.add(entry.institution_id)
        entries.append(entry)
    if problems:
        raise RegisterError([Problem(NOT_SCORE_JSON, message, where) for message in problems])
    assert issued is not None  # a missing date is a problem above
    entries.sort(key=lambda e: e.institution_id)
    return RunDoc(
        rubric_id=rubric_id,
        rubric_version=rubric_version,
        rubric_sha256=sha,
        issued=issued,
        institutions=tuple(entries),
        run_hash=run_hash(rubric_id, rubric_version, sha, issued, entries),
        inputs=list(doc.get("inputs") or []),
        roster=doc.get("roster"),
        run=doc.get("run"),
        source=source,
    )


def run_hash(rubric_id: str, version: str, sha: str, issued: date, entries: list[InstitutionEntry]) -> str:
    canonical = {
        "rubric": {"id": rubric_id, "version": version, "sha256": sha},
        "issued": issued.isoformat(),
        "institutions": [
            {
                "institution_id": e.institution_id,
                "name": e.name,
                "service_type": e.service_type,
                "decision": e.decision,
                "total": e.total,
                "grade": e.grade,
                "valid_from": None if e.valid_from is None else e.valid_from.isoformat(),
                "valid_until": None if e.valid_until is None else e.valid_until.isoformat(),
                "domains": [
                    {"domain_id": d.domain_id, "score": d.score, "max": d.max, "percent": d.percent} for d in e.domains
                ],
            }
            for e in sorted(entries, key=lambda e: e.institution_id)
        ],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------------------
# field checks: each appends a message naming the JSON path and returns a usable value


def _institution(inst: Any, path: str, problems: list[str]) -> InstitutionEntry | None:
    if not isinstance(inst, Mapping):
        problems.append(f"{path}: expected an object")
        return None
    before = len(problems)
    iid = _text(inst.get("institution_id"), f"{path}.institution_id", problems)
    label = f"{path} ({iid})" if iid else path
    name = _optional_text(inst.get("name"), f"{label}.name", problems)
    service_type = _optional_text(inst.get("service_type"), f"{label}.service_type", problems)
    decision = _text(inst.get("decision"), f"{label}.decision", problems)
    total = _number(inst.get("total"), f"{label}.total", problems)
    grade = _optional_text(inst.get("grade"), f"{label}.grade", problems)
    valid_from = _date(inst.get("valid_from"), f"{label}.valid_from", problems)
    valid_until = _date(inst.get("valid_until"), f"{label}.valid_until", problems)
    if (valid_from is None) != (valid_until is None) and len(problems) == before:
        problems.append(f"{label}: valid_from and valid_until must both be set or both be null")
    elif valid_from is not None and valid_until is not None and valid_until < valid_from:
        problems.append(f"{label}: valid_until {valid_until} is before valid_from {valid_from}")
    domains: list[DomainEntry] = []
    raw_domains = inst.get("domains", [])
    if not isinstance(raw_domains, list):
        problems.append(f"{label}.domains: expected a list")
        raw_domains = []
    seen: set[str] = set()
    for k, dom in enumerate(raw_domains):
        dpath = f"{label}.domains[{k}]"
        if not isinstance(dom, Mapping):
            problems.append(f"{dpath}: expected an object")
            continue
        did = _text(dom.get("domain_id"), f"{dpath}.domain_id", problems)
        if did in seen:
            problems.append(f"{dpath}: domain {did!r} appears twice")
        seen.add(did)
        domains.append(
            DomainEntry(
                did,
                _number(dom.get("score"), f"{dpath}.score", problems),
                _number(dom.get("max"), f"{dpath}.max", problems),
                _number(dom.get("percent"), f"{dpath}.percent", problems),
            )
        )
    reasons = inst.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        problems.append(f"{label}.reasons: expected a list of strings")
        reasons = []
    if len(problems) > before:
        return None
    return InstitutionEntry(
        iid, name, service_type, decision, total, grade, valid_from, valid_until, tuple(domains), tuple(reasons)
    )


def _text(value: Any, path: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{path}: expected a non-empty string, found {value!r}")
        return ""
    return value


def _optional_text(value: Any, path: str, problems: list[str]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    problems.append(f"{path}: expected a string or null, found {value!r}")
    return None


def _number(value: Any, path: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{path}: expected a number or null, found {value!r}")
        return None
    return float(value)


def _date(value: Any, path: str, problems: list[str], *, required: bool = False) -> date | None:
    if value is None and not required:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"{path}: expected a date YYYY-MM-DD{'' if required else ' or null'}, found {value!r}")
    return None
