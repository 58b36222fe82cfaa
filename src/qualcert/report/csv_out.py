"""One row per institution, UTF-8 with BOM so that Excel shows Korean; formula-guarded text."""

from __future__ import annotations

import csv
from pathlib import Path

from qualcert.report.summary import HEADERS, domain_headers, domain_percents, guard, summary_row
from qualcert.results import Results


def write_csv(results: Results, path: Path, *, lang: str = "ko") -> None:
    p = results.rubric.precision
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS[lang] + domain_headers(results, lang))
        for inst in results.institutions:
            row = summary_row(inst, p, lang) + domain_percents(inst, p)
            writer.writerow(["" if v is None else guard(v) if isinstance(v, str) else v for v in row])
