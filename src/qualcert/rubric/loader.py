"""Rubric YAML → :class:`Rubric`, with every problem located at its YAML line.

PyYAML's C loader composes a node tree (each node knows its line and column),
which we construct ourselves so that floats become exact ``Decimal`` values and
duplicate keys are caught instead of silently keeping the last one
(LIBRARIES.md §4). Pydantic errors and cross-field problems carry a ``loc``
path that :func:`locate` maps back to the node that caused them.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from qualcert.errors import InputError, Location, Problem, RubricError
from qualcert.rubric.checks import check_rubric
from qualcert.rubric.model import Rubric

Loc = Sequence[str | int]
M = TypeVar("M", bound=BaseModel)
# cross-field rules over the raw YAML data: (data, where) -> (loc, code, message); ``where`` names a loc in messages
Checks = Callable[[dict[str, Any], Callable[[Loc], str]], Iterable[tuple[Loc, str, str]]]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Located(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.code, self.message, self.node = code, message, node


_YAML = "tag:yaml.org,2002:"
_PLAIN_SCALARS = {_YAML + t for t in ("null", "bool", "int", "float", "str", "timestamp")}
MAX_VALUES = 100_000  # a rubric is a few thousand values; aliases must not expand it past this
MAX_EXPONENT = 20  # numbers beyond 1e±20 are typos (and would overflow exact arithmetic)


class _Builder:
    """Build Python values from the node tree, collecting every YAML-level problem.

    Floats become Decimal from their text; duplicate keys are caught instead of
    silently keeping the last one; only plain YAML values are accepted (no tags
    such as ``!!python/object``, no merge keys, no recursive aliases).
    """

    def __init__(self, loader: yaml.SafeLoader, kind: str = "rubric") -> None:
        self.loader = loader
        self.kind = kind  # what the document is, for messages ("rubric", "survey definition")
        self.problems: list[_Located] = []
        self.count = 0
        self.open: set[int] = set()  # nodes being built: an alias back to one of them is a cycle

    def problem(self, code: str, message: str, node: yaml.Node) -> None:
        self.problems.append(_Located(code, message, node))

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Located(
                "yaml-size", f"the {self.kind} expands to more than {MAX_VALUES} values (nested aliases?)", node
            )
        if id(node) in self.open:
            self.problem("yaml-alias", "an alias refers back to a value that contains it (a cycle)", node)
            return None
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag != _YAML + ("map" if isinstance(node, yaml.MappingNode) else "seq"):
                return self.bad_tag(node)
            self.open.add(id(node))
            try:
                return self.mapping(node) if isinstance(node, yaml.MappingNode) else [self.build(c) for c in node.value]
            finally:
                self.open.discard(id(node))
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def bad_tag(self, node: yaml.Node) -> None:
        tag = node.tag.replace(_YAML, "!!")
        self.problem("yaml-tag", f"the tag {tag} is not allowed in a {self.kind} (plain YAML values only)", node)

    def mapping(self, node: yaml.MappingNode) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                self.problem("yaml-merge-key", f"merge keys (<<) are not supported in {self.kind}s", key_node)
                continue
            before = len(self.problems)
            key = self.build(key_node)
            if len(self.problems) > before:
                continue
            if not isinstance(key, str):
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem("yaml-key", "mapping keys must be plain text", key_node)
                    continue
                kind = (
                    "a yes/no value"
                    if isinstance(key, bool)
                    else "a number"
                    if isinstance(key, int | Decimal)
                    else "empty (null)"
                    if key is None
                    else "a date"
                )
                self.problem(
                    "yaml-key",
                    f"key {key_node.value!r} must be text, but YAML reads it as {kind}; put it in quotes",
                    key_node,
                )
                key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.problem("yaml-duplicate-key", f"duplicate key {key!r} (first at line {first})", key_node)
                continue
            seen[key] = key_node
            result[key] = self.build(value_node)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _PLAIN_SCALARS:
            return self.bad_tag(node)
        value: Any
        if node.tag == _YAML + "float":
            try:
                value = Decimal(node.value.replace("_", ""))
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                self.problem("yaml-number", f"{node.value!r} is not a finite decimal number", node)
                return None
        else:
            try:
                value = self.loader.construct_object(node, deep=True)
            except ValueError as exc:  # an integer of thousands of digits, a date such as 2023-02-30
                self.problem("yaml-value", f"cannot read {node.value[:40]!r}: {exc}", node)
                return None
        number = isinstance(value, int | Decimal) and not isinstance(value, bool) and value
        if number and not -MAX_EXPONENT <= Decimal(value).adjusted() <= MAX_EXPONENT:
            self.problem("yaml-number", f"{node.value[:40]!r} is too large or too small for a {self.kind}", node)
            return None
        return value


def _parse(text: str, kind: str = "rubric") -> tuple[Any, yaml.Node | None, list[_Located]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, []
        builder = _Builder(loader, kind)
        return builder.build(node), node, builder.problems
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
            expected = e.get("ctx", {}).get("expected", "")
            code, message = "schema-id", f"schema: must be {expected}, got {e.get('input')!r}"
        elif kind == "string_type" and isinstance(e.get("input"), int | Decimal | bool | date):
            code = "invalid-value"
            given = e["input"]
            what = "yes/no value" if isinstance(given, bool) else "date" if isinstance(given, date) else "number"
            message = f"{path}: must be text, but YAML read {given} as a {what}; put it in quotes"
        else:
            code = "invalid-value"
            given = e.get("input")
            shown = f" (got {given!r})" if isinstance(given, str) else ""
            shown = f" (got {given})" if isinstance(given, int | Decimal | bool) else shown
            if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":  # the Id pattern: no edge spaces
                message = f"{path}: an id must not start or end with a space{shown}"
            else:
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


def parse_yaml_model(
    text: str,
    file: str,
    model: type[M],
    *,
    checks: Checks | None = None,
    error: type[InputError] = RubricError,
    kind: str = "rubric",
) -> M:
    """Parse YAML text into ``model``; raise ``error`` with every problem located at file:line:col.

    The one mechanism behind rubrics and survey definitions: YAML-level problems (syntax, duplicate keys,
    tags), pydantic errors and the ``checks`` (cross-field rules over the raw data) are all collected,
    sorted by line and raised at once. ``kind`` names the document in messages.
    """
    try:
        data, root, located = _parse(text, kind)
    except _Located as exc:
        located = [exc]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        context = exc.context or ""
        start = exc.context_mark
        if (
            context
            and start is not None
            and mark is not None
            and (start.line, start.column) != (mark.line, mark.column)
        ):
            context += f" (started at line {start.line + 1}, column {start.column + 1})"  # an unclosed [ { or quote
        message = " ".join(m for m in (context, exc.problem) if m)
        lines = text.splitlines()
        if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
            message += " (this line has a tab; YAML indents with spaces only)"
        raise error([Problem("yaml-syntax", f"not valid YAML: {message}", Location(file, line, col))]) from None
    except yaml.reader.ReaderError as exc:  # a control character; its first occurrence is where reading stopped
        at = max(text.find(chr(exc.character)), 0)  # (libyaml's exc.position counts bytes, not characters)
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        message = f"not valid YAML: {exc.reason} (U+{exc.character:04X})"
        raise error([Problem("yaml-syntax", message, Location(file, line, col))]) from None
    except yaml.YAMLError as exc:
        raise error([Problem("yaml-syntax", f"not valid YAML: {exc}", Location(file))]) from None
    if located:
        raise error(
            sorted(
                (
                    Problem(e.code, e.message, Location(file, e.node.start_mark.line + 1, e.node.start_mark.column + 1))
                    for e in located
                ),
                key=lambda p: (p.location.line or 0, p.location.col or 0),
            )
        )

    if data is None:
        raise error([Problem("empty", f"the {kind} file is empty", Location(file, 1, 1))])
    if not isinstance(data, dict):
        line, col = locate(root, [])
        raise error(
            [
                Problem(
                    "not-a-mapping",
                    f"a {kind} must be a YAML mapping (key: value)",
                    Location(file, line, col),
                )
            ]
        )

    problems = []
    result: M | None = None
    try:
        result = model.model_validate(data)
    except ValidationError as err:
        problems += _pydantic_problems(err, data, root, file)
    for loc, code, message in checks(data, lambda loc: f"line {locate(root, loc)[0]}") if checks else ():
        line, col = locate(root, loc)
        problems.append(Problem(code, message, Location(file, line, col)))
    if problems or result is None:
        problems.sort(key=lambda p: (p.location.line or 0, p.location.col or 0))
        raise error(problems)
    return result


def parse_rubric(text: str, file: str = "<rubric>") -> Rubric:
    """Parse and validate rubric text; raise :class:`RubricError` with every problem located."""
    return parse_yaml_model(text, file, Rubric, checks=check_rubric)


def read_yaml_file(path: Path, *, error: type[InputError] = RubricError, kind: str = "rubric") -> tuple[str, bytes]:
    """(text, bytes) of a UTF-8 YAML file (a BOM is fine); ``error`` names the file, or the line of a bad byte."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error([Problem("not-found", f"no such {kind} file", Location(file))]) from None
    except OSError as exc:
        raise error([Problem("unreadable", f"cannot read the {kind}: {exc.strerror}", Location(file))]) from None
    try:
        return raw.decode("utf-8-sig"), raw
    except UnicodeDecodeError as exc:  # the bytes before the bad one are valid UTF-8: locate it by line and column
        body = raw.removeprefix(codecs.BOM_UTF8)  # the decoder's offsets do not count the BOM
        before = body[: exc.start].decode("utf-8").splitlines(keepends=True) or [""]
        line, col = len(before), len(before[-1]) + 1
        if before[-1].endswith(("\n", "\r")):
            line, col = line + 1, 1
        message = f"a {kind} must be UTF-8 text (byte 0x{body[exc.start]:02X} is not; save the file as UTF-8)"
        raise error([Problem("encoding", message, Location(file, line, col))]) from None


def load_rubric(path: str | Path) -> Rubric:
    """Load a rubric file; its path and sha256 are kept on the result."""
    path = Path(path)
    text, raw = read_yaml_file(path)
    rubric = parse_rubric(text, str(path))
    rubric._path = str(path)
    rubric._sha256 = hashlib.sha256(raw).hexdigest()
    return rubric
