"""The `score --json` document.

Top-level keys are indented; each institution is one compact line, which keeps a
national round's JSON readable with grep/diff and lets the C encoder do the work
(`indent` would force the pure-Python encoder: 3.2 s instead of 0.6 s for 2,000
institutions).
"""

from __future__ import annotations

import json
from pathlib import Path

from qualcert.results import Results


def render_json(results: Results) -> str:
    doc = results.to_json_dict()
    institutions = doc.pop("institutions")
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items()]
    body = ",\n".join(f"    {json.dumps(inst, ensure_ascii=False)}" for inst in institutions)
    lines.insert(2, f'  "institutions": [\n{body}\n  ]' if institutions else '  "institutions": []')
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_json(results: Results, path: Path) -> None:
    path.write_text(render_json(results), encoding="utf-8")
