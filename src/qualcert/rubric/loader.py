"""Rubric YAML → :class:`Rubric`, with every problem located at its YAML line.

PyYAML's C loader composes a node tree (each node knows its line and column),
which we construct ourselves so that floats become exact ``Decimal`` values and
duplicate keys are caught instead of silently keeping the last one
(LIBRARIES.md §4). Pydantic errors and cross-field problems carry a ``loc``
path that :func:`locate` maps back to the node that caused them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from qualcert.errors import Location, Problem, RubricError
from qualcert.rubric.checks import check_rubric
from qualcert.rubric.model import SCHEMA_ID, Rubric

Loc = Sequence[str | int]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Located(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.code, self.message, self.node = code, message, node


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    """Build Python values from the node tree; floats become Decimal from their text."""
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Located("yaml-merge-key", "merge keys (<<) are not supported in rubrics", key_node)
            key = _construct(key_node, loader)
            if not isinstance(key, str | int | bool | Decimal | None):
                raise _Located("yaml-key", "mapping keys must be plain scalars", key_node)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise _Located("yaml-duplicate-key", f"duplicate key {key!r} (first at line {first})", key_node)
            seen[key] = key_node
            result[key] = _construct(value_node, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, loader) for child in node.value]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag == "tag:yaml.org,2002:float":
        text = node.value.replace("_", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise _Located("yaml-number", f"{node.value!r} is not a finite decimal number", node) from None
        if not value.is_finite():
            raise _Located("yaml-number", f"{node.value!r} is not a finite decimal number", node)
        return value
    return loader.construct_object(node, deep=True)


def _parse(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        return _construct(node, loader), node
    finally:
        loader.dispose()


def locate(root: yaml.Node | None, loc: Loc, *, key: bool = False) -> tuple[int, int]:
    """The 1-based (line, column) of the node at ``loc`` (or of its nearest existing parent).

    With ``key=True`` a path that ends in a mapping key points at the key rather
    than its value (used for unknown keys). Pydantic adds union branch names such
    as ``'levels'`` for discriminated unions; parts that do not match are skipped.
    """
    if root is None:
        return 1, 1
    node, best = root, root
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if hit is None:
                continue  # a discriminator tag or a missing key: keep the parent
            node = hit[0] if (last and key) else hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                continue
            node = node.value[part]
        else:
            continue
        best = node
    return best.start_mark.line + 1, best.start_mark.column + 1


def _value_at(data: Any, loc: Sequence[str | int]) -> Any:
    """The raw YAML value at ``loc`` (as far as the path exists)."""
    for part in loc:
        found = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        )
        if found:
            data = data[part]
    return data


def _pydantic_problems(err: ValidationError, data: Any, root: yaml.Node | None, file: str) -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        # A name is `str | LocalName`: report only the branch the user meant (a mapping means LocalName).
        branch = next((p for p in e["loc"] if p in ("str", "LocalName")), None)
        if branch is not None:
            given_map = isinstance(_value_at(data, e["loc"][: e["loc"].index(branch)]), dict)
            if given_map != (branch == "LocalName"):
                continue
        loc = _without_tags(e["loc"])
        path = ".".join(str(p) for p in loc) or "<document>"
        kind = e["type"]
        if kind == "extra_forbidden":
            code, message = "unknown-key", f"{path}: unknown key (check the spelling)"
        elif kind == "missing":
            code, message = "missing-key", f"{path}: required key is missing"
        elif kind == "literal_error" and loc and loc[-1] == "schema":
            code, message = "schema-id", f"schema: must be {SCHEMA_ID!r}, got {e.get('input')!r}"
        elif kind == "string_type" and isinstance(e.get("input"), int | Decimal | bool):
            code = "invalid-value"
            message = (
                f"{path}: must be text, but YAML read {e['input']} as a "
                f"{'yes/no value' if isinstance(e['input'], bool) else 'number'}; put it in quotes"
            )
        else:
            code = "invalid-value"
            given = e.get("input")
            shown = f" (got {given})" if isinstance(given, str | int | Decimal | bool) else ""
            message = f"{path}: {e['msg']}{shown}"
        line, col = locate(root, loc, key=kind == "extra_forbidden")
        problems.append(Problem(code, message, Location(file=file, line=line, col=col)))
    return problems


def _without_tags(loc: tuple[int | str, ...]) -> list[int | str]:
    """Drop the union branch names pydantic inserts: a scale's kind, and str/LocalName of a name."""
    return [
        p
        for i, p in enumerate(loc)
        if p not in ("str", "LocalName") and not (i >= 2 and loc[i - 2] == "scales" and p in ("levels", "points"))
    ]


def parse_rubric(text: str, file: str = "<rubric>") -> Rubric:
    """Parse and validate rubric text; raise :class:`RubricError` with every problem located."""
    try:
        data, root = _parse(text, file)
    except _Located as exc:
        mark = exc.node.start_mark
        raise RubricError([Problem(exc.code, exc.message, Location(file, mark.line + 1, mark.column + 1))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m)
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            message += " (this line has a tab; YAML indents with spaces only)"
        raise RubricError([Problem("yaml-syntax", f"not valid YAML: {message}", Location(file, line, col))]) from None
    except yaml.YAMLError as exc:
        raise RubricError([Problem("yaml-syntax", f"not valid YAML: {exc}", Location(file))]) from None

    if data is None:
        raise RubricError([Problem("empty", "the rubric file is empty", Location(file, 1, 1))])
    if not isinstance(data, dict):
        line, col = locate(root, [])
        raise RubricError(
            [
                Problem(
                    "not-a-mapping",
                    "a rubric must be a YAML mapping (key: value)",
                    Location(file, line, col),
                )
            ]
        )

    problems = []
    rubric: Rubric | None = None
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err, data, root, file)
    for loc, code, message in check_rubric(data):
        line, col = locate(root, loc)
        problems.append(Problem(code, message, Location(file, line, col)))
    if problems or rubric is None:
        problems.sort(key=lambda p: (p.location.line or 0, p.location.col or 0))
        raise RubricError(problems)
    return rubric


def load_rubric(path: str | Path) -> Rubric:
    """Load a rubric file; its path and sha256 are kept on the result."""
    path = Path(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RubricError([Problem("not-found", "no such rubric file", Location(file))]) from None
    except OSError as exc:
        raise RubricError([Problem("unreadable", f"cannot read the rubric: {exc.strerror}", Location(file))]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RubricError(
            [
                Problem(
                    "encoding",
                    f"a rubric must be UTF-8 text (bad byte at offset {exc.start})",
                    Location(file),
                )
            ]
        ) from None
    rubric = parse_rubric(text, file)
    rubric._path = file
    rubric._sha256 = hashlib.sha256(raw).hexdigest()
    return rubric
