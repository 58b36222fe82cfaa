"""The `score --json` document."""

from __future__ import annotations

import json
from pathlib import Path

from qualcert.results import Results


def render_json(results: Results) -> str:
    return json.dumps(results.to_json_dict(), ensure_ascii=False, indent=2) + "\n"


def write_json(results: Results, path: Path) -> None:
    path.write_text(render_json(results), encoding="utf-8")
