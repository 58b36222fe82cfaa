"""The layout of qualcert's JSON documents: a line per key, a line per entry of the long lists.

Compact lines keep a national round's document readable with grep and diff and leave the work
to the C encoder (``indent`` would force the pure-Python one).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any


def keyed_lines(
    doc: Mapping[str, Any], indent: int, listed: Collection[str] | None = None, *, allow_nan: bool = False
) -> str:
    """``"key": value`` lines at ``indent`` spaces, joined by ``",\\n"``. A non-empty list (of the keys
    ``listed``; of every key when None) is opened on its key's line and has one entry per line, two
    spaces further in. The caller adds the braces around."""
    pad, inner = " " * indent, " " * (indent + 2)

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=allow_nan)

    lines = []
    for key, value in doc.items():
        if isinstance(value, list) and value and (listed is None or key in listed):
            entries = ",\n".join(f"{inner}{dumps(item)}" for item in value)
            lines.append(f"{pad}{dumps(key)}: [\n{entries}\n{pad}]")
        else:
            lines.append(f"{pad}{dumps(key)}: {dumps(value)}")
    return ",\n".join(lines)
