"""The result workbook alone (issue 9): `write_workbook` against xlsxwriter constant_memory writing the same cells.

    python bench/workbook.py [--data bench/data] [--repeat 5]

1. Scores the benchmark round once in-process (`run_score` on ``DATA/templates`` with
   ``DATA/roster.csv``, issued 2023-12-05, as `qualcert score` does) and pickles the
   Results to a cache file (reused while it is newer than this checkout's sources).
2. Writes the workbook once, reads back every cell it holds (per sheet: row, column,
   string or number, and its style index), and pickles that list: the baseline writes
   exactly these cells, strings as strings and numbers as numbers, with xlsxwriter in
   constant_memory mode and no formats, widths or anything else (issue 9's target).
   A second baseline, for reference only, writes the same cells the same way, each with a
   format where ours has one (as many distinct formats as ours): every cell of ours carries
   one (column formats become each cell's style), and xlsxwriter's cost of that is in ours.
3. Times, each in a fresh subprocess and interleaved (qualcert, baseline, formats,
   then the reverse order, ...), ``write_workbook(results, path)`` alone and each baseline
   alone: wall time (``perf_counter``) and process CPU time (``process_time``; the machine
   is shared, so CPU time is the steadier of the two). Medians of ``--repeat`` runs, and ratios.
4. Peak memory of the write: tracemalloc's peak during ``write_workbook`` (Python
   allocations; xlsxwriter is pure Python) in one more subprocess, and the growth of
   ``ru_maxrss`` over the write in the timed ones.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pickle
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("qualcert", "baseline", "formats")  # formats: the baseline's cells, each with a format where ours has one
RUBRIC = ROOT / "rubrics" / "ssqc-2023.yaml"
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

Cells = list[tuple[str, list[tuple[int, int, str | float, int]]]]  # (sheet name, [(row, col, value, style)])


def _status_mb(key: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process from /proc (Linux), in MB; 0 where unavailable."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return 0.0
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) / 1024 if m else 0.0


def _reset_peak() -> None:
    """Start the peak RSS (VmHWM) afresh, so that it measures the write, not the unpickling before it."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# ----------------------------------------------------------------------------------------------
# preparation (once)


def prepare_results(data: Path, cache: Path) -> None:
    from qualcert.pipeline import ScoreOptions, run_score

    start = time.perf_counter()
    results = run_score(
        RUBRIC,
        [data / "templates"],
        roster_path=data / "roster.csv",
        options=ScoreOptions(issued=date(2023, 12, 5)),
    )
    with cache.open("wb") as f:
        pickle.dump(results, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"scored {len(results.institutions)} institutions in {time.perf_counter() - start:.1f} s → {cache}")


def read_cells(path: Path) -> Cells:
    """Every cell with a value in the workbook at ``path``, per sheet in order: strings and numbers, and style index."""
    with zipfile.ZipFile(path) as z:
        strings: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            with z.open("xl/sharedStrings.xml") as f:
                for _, el in iterparse(f):
                    if el.tag == NS + "si":
                        strings.append("".join(t.text or "" for t in el.iter(NS + "t")))
                        el.clear()
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
        targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"', rels)}
        sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', book)
        out: Cells = []
        for name, rid in sheets:
            cells: list[tuple[int, int, str | float, int]] = []
            with z.open("xl/" + targets[rid]) as f:
                for _, el in iterparse(f):
                    if el.tag != NS + "c":
                        continue
                    ref, kind = el.get("r", ""), el.get("t")
                    v = el.find(NS + "v")
                    value: str | float | None = None
                    if kind == "s" and v is not None and v.text is not None:
                        value = strings[int(v.text)]
                    elif kind == "inlineStr":
                        value = "".join(t.text or "" for t in el.iter(NS + "t"))
                    elif kind == "str" and v is not None:
                        value = v.text or ""
                    elif v is not None and v.text is not None:
                        value = float(v.text)
                    if value is not None:
                        m = re.match(r"([A-Z]+)(\d+)", ref)
                        assert m is not None
                        col = 0
                        for ch in m.group(1):
                            col = col * 26 + ord(ch) - 64
                        cells.append((int(m.group(2)) - 1, col - 1, value, int(el.get("s", "0"))))
                    el.clear()
            out.append((name, cells))
    return out


def prepare_cells(results_cache: Path, cells_cache: Path, out: Path) -> None:
    from qualcert.report.workbook import write_workbook

    with results_cache.open("rb") as f:
        results = pickle.load(f)
    path = out / "probe.xlsx"
    write_workbook(results, path)
    cells = read_cells(path)
    with cells_cache.open("wb") as f:
        pickle.dump(cells, f, protocol=pickle.HIGHEST_PROTOCOL)


def describe(cells: Cells) -> str:
    lines = []
    total = Counter[str]()
    for name, entries in cells:
        kinds = Counter("s" if isinstance(v, str) else "n" for _, _, v, _ in entries)
        chars = sum(len(v) for _, _, v, _ in entries if isinstance(v, str))
        rows = len({r for r, _, _, _ in entries})
        total.update(kinds)
        total["chars"] += chars
        lines.append(
            f"  {name:<8} {rows:>7,} rows {kinds['s']:>9,} strings ({chars / max(kinds['s'], 1):5.1f} chars avg)"
            f" {kinds['n']:>9,} numbers"
        )
    lines.append(f"  {'all':<8} {'':>12} {total['s']:>9,} strings {'':>18} {total['n']:>9,} numbers")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# one timed run (in a subprocess)


def _timed(cache: Path, trace: bool, write: Callable[[Any], None]) -> dict[str, float]:
    """Load ``cache`` (untimed), then time ``write`` of it: wall, CPU, peak RSS and traced peak."""
    import gc
    import tracemalloc

    with cache.open("rb") as f:
        data = pickle.load(f)
    gc.collect()
    _reset_peak()
    rss = _status_mb("VmRSS")
    if trace:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    write(data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    return {"wall": wall, "cpu": cpu, "rss_before": rss, "rss_after": _status_mb("VmHWM"), "traced_peak": peak}


def time_qualcert(results_cache: Path, out: Path, trace: bool) -> dict[str, float]:
    from qualcert.report.workbook import write_workbook

    return _timed(results_cache, trace, lambda results: write_workbook(results, out / "r.xlsx"))


def time_baseline(cells_cache: Path, out: Path, trace: bool, formats: bool = False) -> dict[str, float]:
    """The same cells, xlsxwriter in constant_memory mode; with ``formats``, each with a format where ours has one."""
    import xlsxwriter
    from xlsxwriter.format import Format

    def write(cells: Cells) -> None:
        options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        book = xlsxwriter.Workbook(str(out / "base.xlsx"), {"constant_memory": True, **options})
        styles: dict[int, Format | None] = {0: None}

        def style(index: int) -> Format | None:  # one distinct format per style index of ours
            if index not in styles:
                styles[index] = book.add_format({"num_format": "0." + "0" * len(styles)})
            return styles[index]

        for name, entries in cells:
            ws = book.add_worksheet(name)
            write_string, write_number = ws.write_string, ws.write_number
            for r, c, value, s in entries:
                fmt = style(s) if formats else None
                if isinstance(value, str):
                    write_string(r, c, value, fmt)
                else:
                    write_number(r, c, value, fmt)
        book.close()

    return _timed(cells_cache, trace, write)


def child(kind: str, cache: Path, out: Path, trace: bool = False) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--cache", str(cache), "--out", str(out)]
        + (["--trace"] if trace else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{kind} run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------------------------


def _stale(cache: Path) -> bool:
    if not cache.exists():
        return True
    newest = max(p.stat().st_mtime for p in (ROOT / "src").rglob("*.py") if "report" not in p.parts)
    return cache.stat().st_mtime < newest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data", help="folder with templates/, roster.csv")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "qualcert-bench-workbook")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    results_cache, cells_cache = args.cache / "results.pickle", args.cache / "cells.pickle"

    if args.child == "qualcert":
        print(json.dumps(time_qualcert(results_cache, args.out, args.trace)))
        return
    if args.child:
        print(json.dumps(time_baseline(cells_cache, args.out, args.trace, formats=args.child == "formats")))
        return

    args.cache.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="qualcert-bench-wb-"))
    if _stale(results_cache):
        if not (args.data / "templates").is_dir():
            sys.exit(f"no benchmark data in {args.data}: run python bench/generate.py first")
        prepare_results(args.data, results_cache)
    prepare_cells(results_cache, cells_cache, out)  # always: the cells are what this checkout writes
    with cells_cache.open("rb") as f:
        print("cells written (the baseline writes the same):\n" + describe(pickle.load(f)))

    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    for k in range(args.repeat):
        for kind in KINDS if k % 2 == 0 else KINDS[::-1]:
            runs[kind].append(child(kind, args.cache, out))
    med = {kind: {m: statistics.median(r[m] for r in rs) for m in ("wall", "cpu")} for kind, rs in runs.items()}
    q, b, f = med["qualcert"], med["baseline"], med["formats"]
    print(f"median of {args.repeat} runs, interleaved, each in a fresh process")
    print(f"  write_workbook                  wall {q['wall']:6.2f} s   cpu {q['cpu']:6.2f} s")
    print(f"  xlsxwriter constant_memory      wall {b['wall']:6.2f} s   cpu {b['cpu']:6.2f} s")
    print(f"  ratio (issue 9's target ≤ 1.2)  wall {q['wall'] / b['wall']:6.2f}x   cpu {q['cpu'] / b['cpu']:6.2f}x")
    print(f"  the same + a format per cell    wall {f['wall']:6.2f} s   cpu {f['cpu']:6.2f} s   (reference only)")
    print(f"  ratio to that                   wall {q['wall'] / f['wall']:6.2f}x   cpu {q['cpu'] / f['cpu']:6.2f}x")
    for kind, rs in runs.items():
        print(f"  {kind:<10} runs (wall/cpu s): " + " ".join(f"{r['wall']:.2f}/{r['cpu']:.2f}" for r in rs))
    for kind, rs in runs.items():
        grow = max(r["rss_after"] - r["rss_before"] for r in rs)
        print(
            f"  {kind:<10} peak RSS during the write {max(r['rss_after'] for r in rs):6.0f} MB"
            f" ({grow:.0f} MB above the RSS before it, at most)"
        )
    if not args.no_memory:
        for kind in ("qualcert", "baseline"):
            traced = child(kind, args.cache, out, trace=True)
            print(f"  {kind:<10} tracemalloc peak during the write {traced['traced_peak']:6.0f} MB")


if __name__ == "__main__":
    main()
