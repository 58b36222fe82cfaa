"""National-scale benchmark (issue 9). Prints, from one run on the same files:

* the floor: a bare python-calamine read of every template workbook, no processing;
* `qualcert score --json` end to end on the templates, and its ratio to the floor;
* openpyxl reading a sample of the same workbooks (extrapolated), for comparison;
* `qualcert score --json` on the ~1M-row long CSV against `pandas.read_csv` of it;
* writing the result workbook for the template round against xlsxwriter constant_memory
  writing the same cells (bench/workbook.py, which times the write alone, in process);
* peak memory (max RSS) of each qualcert process.

    python bench/generate.py    # once (about 2 minutes)
    python bench/run.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
RUBRIC = ROOT / "rubrics" / "ssqc-2023.yaml"
QUALCERT = [sys.executable, "-m", "qualcert"]


def floor(files: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


def openpyxl_sample(files: list[Path], sample: int = 300) -> float:
    import openpyxl

    chosen = files[:: max(1, len(files) // sample)][:sample]
    start = time.perf_counter()
    for path in chosen:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in book.worksheets:
            list(ws.iter_rows(values_only=True))
        book.close()
    return (time.perf_counter() - start) / len(chosen) * len(files)


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one qualcert process (its own rusage, from wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([*QUALCERT, *args], stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            errors.seek(0)
            sys.exit(f"qualcert failed ({child.returncode}):\n{errors.read().decode()[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted((DATA / "templates").glob("*.xlsx"))
    if not files:
        sys.exit("no benchmark data: run python bench/generate.py first")
    out = Path(tempfile.mkdtemp(prefix="qualcert-bench-"))
    print(f"{len(files)} template workbooks, {sum(f.stat().st_size for f in files) / 2**20:.0f} MB")

    floors, ends, peaks = [], [], []
    for _ in range(args.repeat):  # interleaved so that both see the same machine load
        floors.append(floor(files))
        wall, peak = run(
            [
                "score",
                str(RUBRIC),
                str(DATA / "templates"),
                "--roster",
                str(DATA / "roster.csv"),
                "--issued",
                "2023-12-05",
                "--json",
                str(out / "t.json"),
                "-q",
            ]
        )
        ends.append(wall)
        peaks.append(peak)
    f, e = median(floors), median(ends)
    print(f"floor (bare calamine read)      {f:7.2f} s")
    print(f"qualcert score --json           {e:7.2f} s   ratio {e / f:.2f}x (target ≤ 1.5x)   peak {max(peaks):.0f} MB")
    o = openpyxl_sample(files)
    print(f"openpyxl read (extrapolated)    {o:7.2f} s   qualcert is {o / e:.1f}x faster (target ≥ 10x)")

    import pandas as pd

    reads, csv_runs, csv_peaks = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        rows = len(pd.read_csv(DATA / "scores.csv", dtype=str, keep_default_na=False))
        reads.append(time.perf_counter() - start)
        wall, peak = run(
            [
                "score",
                str(RUBRIC),
                str(DATA / "scores.csv"),
                "--roster",
                str(DATA / "roster-csv.csv"),
                "--issued",
                "2023-12-05",
                "--json",
                str(out / "c.json"),
                "-q",
            ]
        )
        csv_runs.append(wall)
        csv_peaks.append(peak)
    r, c = median(reads), median(csv_runs)
    print(f"pandas.read_csv ({rows:,} rows)  {r:7.2f} s")
    print(
        f"qualcert score --json (CSV)     {c:7.2f} s   ratio {c / r:.2f}x (target ≤ 2x)   peak {max(csv_peaks):.0f} MB"
    )

    print("result workbook (bench/workbook.py: write_workbook alone against the same cells in constant_memory)")
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "workbook.py"), "--repeat", str(args.repeat), "--no-memory"], check=True
    )


if __name__ == "__main__":
    main()
