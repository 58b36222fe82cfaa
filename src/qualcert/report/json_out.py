"""The `score --json` document.

Top-level keys are indented; each institution is one compact line, which keeps a
national round's JSON readable with grep/diff and lets the C encoder do the work
(`indent` would force the pure-Python encoder: 3.2 s instead of 0.6 s for 2,000
institutions).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qualcert.results import Results


def render_json(results: Results) -> str:
    doc = results.to_json_dict()
    institutions = doc.pop("institutions")
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in doc.items()]
    texts: dict[int, str] = {}
    body = ",\n".join(f"    {_institution(inst, texts)}" for inst in institutions)
    lines.insert(2, f'  "institutions": [\n{body}\n  ]' if institutions else '  "institutions": []')
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _institution(inst: dict[str, Any], texts: dict[int, str]) -> str:
    """``json.dumps(inst)``, with each indicator's text made once: the engine shares equal indicator results
    between institutions, and so does :meth:`Results.to_json_dict` their dicts (``texts``: by ``id``)."""
    *_, last = inst
    if last != "indicators":  # the spliced text below must stay in key order
        return json.dumps(inst, ensure_ascii=False)
    head = json.dumps({k: v for k, v in inst.items() if k != "indicators"}, ensure_ascii=False)
    parts = []
    for indicator in inst["indicators"]:
        text = texts.get(id(indicator))
        if text is None:
            text = texts[id(indicator)] = json.dumps(indicator, ensure_ascii=False)
        parts.append(text)
    return f'{head[:-1]}, "indicators": [{", ".join(parts)}]}}'


def write_json(results: Results, path: Path) -> None:
    path.write_text(render_json(results), encoding="utf-8")
