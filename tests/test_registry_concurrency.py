"""Two processes writing at once, and a writer killed in the middle of a transaction."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from qualcert.registry import Register, parse_results
from tests.register_db import count, on_server
from tests.test_registry import CYCLE1, doc, inst

RUNS_PER_WRITER = 20


def _run_doc(writer: int, k: int) -> dict[str, Any]:
    issued = (date(2020, 1, 1) + timedelta(days=100 * k + writer)).isoformat()
    return doc(issued, [inst(f"W{writer}-{j}", 80.0 + k / 10 + j) for j in range(5)])


def _writer(path: str, writer: int, start: Any) -> None:
    start.wait(timeout=60)
    for k in range(RUNS_PER_WRITER):
        with Register.open(path) as reg:  # open each time: the first opens race to create the file
            assert reg.record(parse_results(_run_doc(writer, k))).created


def test_two_processes_record_concurrently(db: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(db, w, start)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    if not on_server(db):
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()
    assert count(db, "SELECT count(*) FROM runs") == 2 * RUNS_PER_WRITER
    assert count(db, "SELECT count(*) FROM decisions") == 2 * RUNS_PER_WRITER * 5
    assert count(db, "SELECT count(*) FROM domain_scores") == 2 * RUNS_PER_WRITER * 10
    assert count(db, "SELECT count(*) FROM qualcert_schema_version") == 1  # migrated once
    with Register.open(db, create=False) as reg, reg.reading() as conn:
        hashes = set(conn.exec_driver_sql("SELECT run_hash FROM runs").scalars())
    expected = {parse_results(_run_doc(w, k)).run_hash for w in (1, 2) for k in range(RUNS_PER_WRITER)}
    assert hashes == expected


KILLED_WRITER = """
import sys, time
from pathlib import Path
from qualcert.registry import Register, load_results_file
from qualcert.registry import register as register_module

def pause(step):
    marker = Path(sys.argv[3])
    marker.with_suffix(".tmp").write_text(step)
    marker.with_suffix(".tmp").rename(marker)  # whole or absent: the test polls for it
    time.sleep(120)

register_module.before_commit = pause
with Register.open(sys.argv[1]) as reg:
    reg.record(load_results_file(sys.argv[2]))
"""


def _snapshot(path: str) -> dict[str, Any]:
    with Register.open(path, create=False) as reg:
        return {
            "certificates": [c.to_json_dict() for c in reg.certificates(on=date(2027, 1, 1))],
            "history": reg.history("P1").to_json_dict(),
        }


def test_a_writer_killed_mid_transaction_leaves_the_register_as_it_was(tmp_path: Path, db: str) -> None:
    path = db
    with Register.open(path) as reg:
        reg.record(parse_results(CYCLE1))
    before = _snapshot(path)
    second = doc("2026-12-05", [inst("P1", 95.0), inst("P9", 90.0)], version="2026.1", sha="d" * 64)
    results = tmp_path / "second.json"
    results.write_text(json.dumps(second), encoding="utf-8")
    marker = tmp_path / "inside-the-transaction"
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, path, str(results), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the writer ended before reaching its pause"
            assert time.monotonic() < deadline, "the writer never reached its pause"
            time.sleep(0.05)
        assert marker.read_text() == "record"
        # a reader still sees the register as it was while the write is pending
        assert _snapshot(path) == before
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _snapshot(path) == before
    if not on_server(path):
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            con.close()
    assert count(path, "SELECT count(*) FROM runs") == 1
    assert count(path, "SELECT count(*) FROM decisions WHERE institution_id = 'P9'") == 0
    assert count(path, "SELECT count(*) FROM rubrics") == 1
    # the lock died with the process: the same run can be recorded now, once
    with Register.open(path) as reg:
        assert reg.record(parse_results(second)).created
        assert not reg.record(parse_results(second)).created
        assert [c.total for c in reg.history("P1").cycles] == [85.25, 95.0]


def test_switching_to_wal_waits_for_a_writer_of_another_process(tmp_path: Path) -> None:
    """SQLite refuses the switch at once, without waiting, while another connection holds a write lock."""
    path = tmp_path / "register.sqlite"
    with Register.open(str(path)):
        pass
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)  # as before the first switch
    con.close()
    locked, opened = threading.Event(), threading.Event()

    def writer() -> None:  # in the middle of its transaction for 0.5 s, while the register is opened
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE qualcert_meta SET value = value WHERE key = 'application'")
        locked.set()
        opened.wait(timeout=0.5)
        con.execute("COMMIT")
        con.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        with Register.open(str(path)):  # waits for the writer instead of failing
            opened.set()
    finally:
        thread.join()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    con.close()
