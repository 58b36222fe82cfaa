"""The certification register as a library: record, list, history, monitor, revoke, export, and refusals.

Score JSON documents are built by hand here (the `score --json` shape of DESIGN.md), so these
tests do not depend on the scoring engine.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from qualcert.errors import QualcertError
from qualcert.registry import (
    Register,
    RegisterError,
    export_register,
    load_results_file,
    parse_results,
    resolve_db,
)
from qualcert.registry.schema import LATEST as SCHEMA_VERSION
from qualcert.scoring.validity import valid_until
from tests.register_db import count, execute, on_server, register_exists

SHA = "a" * 64
OTHER_SHA = "b" * 64


# ----------------------------------------------------------------------------------------------
# builders (also used by the other test_registry*.py files)


def inst(
    iid: str,
    total: float | None,
    *,
    issued: str = "2023-12-05",
    decision: str | None = None,
    grade: str | None = None,
    domains: dict[str, float] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """One institution of a `score --json` document; certified when total >= 80 unless told."""
    decision = decision or ("certified" if total is not None and total >= 80 else "not_certified")
    day = date.fromisoformat(issued)
    certified = decision == "certified"
    domains = domains if domains is not None else {"1": total or 0.0, "2": total or 0.0}
    return {
        "institution_id": iid,
        "name": name if name is not None else f"기관 {iid}",
        "service_type": "dev-rehab",
        "total": total,
        "grade": grade,
        "decision": decision,
        "reasons": [] if certified else ["total below 80% minimum"],
        "valid_from": issued if certified else None,
        "valid_until": valid_until(day, 3).isoformat() if certified else None,
        "domains": [
            {"domain_id": k, "score": v / 5, "max": 20.0, "percent": v, "minimum": 60.0} for k, v in domains.items()
        ],
        "indicators": [],
    }


def doc(
    issued: str,
    institutions: list[dict[str, Any]],
    *,
    rubric_id: str = "ssqc-2023",
    version: str = "2023.1",
    sha: str = SHA,
) -> dict[str, Any]:
    """A `score --json` document; each institution is re-issued on ``issued``."""
    fixed = [
        inst(
            i["institution_id"],
            i["total"],
            issued=issued,
            decision=i["decision"],
            grade=i["grade"],
            domains={d["domain_id"]: d["percent"] for d in i["domains"]},
            name=i["name"],
        )
        for i in institutions
    ]
    return {
        "rubric": {"id": rubric_id, "version": version, "sha256": sha},
        "issued": issued,
        "institutions": fixed,
        "summary": {"decisions": {}, "institutions": len(fixed)},
        "inputs": [{"path": "scores.csv", "sha256": "c" * 64, "kind": "csv", "rows": 10}],
        "roster": None,
        "run": {"qualcert": "0.1.0", "at": datetime.now().isoformat()},
        "problems": [],
    }


def open_reg(db: str | Path) -> Register:
    return Register.open(db)


def codes(exc: pytest.ExceptionInfo[RegisterError]) -> list[str]:
    return [p.code for p in exc.value.problems]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CYCLE1 = doc(
    "2023-12-05",
    [
        inst("P1", 85.25, domains={"1": 90.0, "2": 80.5}),
        inst("P2", 70.0, domains={"1": 65.0, "2": 75.0}),
        inst("P3", 92.5),
    ],
)
CYCLE2 = doc(
    "2026-12-05",
    [
        inst("P1", 88.0, domains={"1": 91.5, "2": 84.5}),
        inst("P2", 81.3, domains={"1": 80.0, "2": 82.6}),
        inst("P3", 79.9),
    ],
    version="2026.1",
    sha=OTHER_SHA,
)


# ----------------------------------------------------------------------------------------------
# record


def test_record_then_list_round_trip(db: str) -> None:
    with open_reg(db) as reg:
        outcome = reg.record(parse_results(CYCLE1))
        assert outcome.created and outcome.institutions == 3 and outcome.certified == 2
        certs = reg.certificates(on=date(2024, 1, 1))
    assert [c.to_json_dict() for c in certs] == [
        {
            "institution_id": iid,
            "name": f"기관 {iid}",
            "rubric_id": "ssqc-2023",
            "decision": "certified",
            "valid_from": "2023-12-05",
            "valid_until": "2026-12-04",
            "status": "active",
        }
        for iid in ("P1", "P3")
    ]


def test_recording_the_same_run_twice_changes_nothing(db: str) -> None:
    with open_reg(db) as reg:
        first = reg.record(parse_results(CYCLE1))
        again = dict(CYCLE1, run={"qualcert": "0.1.0", "at": "another time"}, inputs=[])  # same decisions
        second = reg.record(parse_results(again))
        assert second.run_hash == first.run_hash and not second.created
        with reg.reading() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM runs").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 3
            assert conn.exec_driver_sql("SELECT count(*) FROM domain_scores").scalar() == 6


def test_run_hash_ignores_order_and_int_vs_float() -> None:
    shuffled = dict(CYCLE1, institutions=list(reversed(CYCLE1["institutions"])))
    p2 = dict(CYCLE1["institutions"][1], total=70)  # 70 and 70.0 are the same number
    ints = dict(CYCLE1, institutions=[CYCLE1["institutions"][0], p2, CYCLE1["institutions"][2]])
    assert parse_results(shuffled).run_hash == parse_results(CYCLE1).run_hash == parse_results(ints).run_hash
    changed = dict(CYCLE1, institutions=[dict(CYCLE1["institutions"][0], total=85.26), *CYCLE1["institutions"][1:]])
    assert parse_results(changed).run_hash != parse_results(CYCLE1).run_hash


def test_a_second_cycle_keeps_history(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.record(parse_results(CYCLE2))
        hist = reg.history("P1")
    assert [c.issued for c in hist.cycles] == [date(2023, 12, 5), date(2026, 12, 5)]
    first, second = hist.cycles
    assert first.total_change is None and first.domains[0].percent_change is None
    assert second.total == 88.0 and second.total_change == 2.75  # exact: 88.0 - 85.25
    assert [(d.domain_id, d.percent_change) for d in second.domains] == [("1", 1.5), ("2", 4.0)]
    assert second.rubric_version == "2026.1" and first.rubric_version == "2023.1"


def test_rubric_changed_under_the_same_id_and_version_is_refused(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        changed = doc("2024-06-01", [inst("P9", 90.0, issued="2024-06-01")], sha=OTHER_SHA)
        with pytest.raises(RegisterError) as exc:
            reg.record(parse_results(changed, source="later.json"))
        assert codes(exc) == ["rubric-changed"]
        assert "ssqc-2023 version 2023.1" in str(exc.value) and "later.json" in str(exc.value)
        with reg.reading() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM runs").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM decisions WHERE institution_id = 'P9'").scalar() == 0
        # a new version may have a new text
        reg.record(parse_results(doc("2024-06-01", [inst("P9", 90.0)], version="2024.1", sha=OTHER_SHA)))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([1, 2], "not a `qualcert score --json` output"),
        ({"overall": {}, "by_indicator": []}, "missing: rubric, issued, institutions"),
        ({"rubric": {"id": "x"}, "issued": "2023-12-05", "institutions": []}, "rubric.version"),
        (dict(CYCLE1, issued="05/12/2023"), "issued: expected a date"),
        (dict(CYCLE1, institutions=[dict(CYCLE1["institutions"][0], total="85")]), "(P1).total"),
        (dict(CYCLE1, institutions=[CYCLE1["institutions"][0]] * 2), "appears twice"),
        (dict(CYCLE1, institutions=[dict(CYCLE1["institutions"][0], valid_until=None)]), "both be set"),
        (dict(CYCLE1, rubric={"id": "x", "version": "1", "sha256": "XYZ"}), "rubric.sha256"),
    ],
)
def test_not_a_score_json_is_refused(document: Any, expected: str) -> None:
    with pytest.raises(RegisterError) as exc:
        parse_results(document, source="r.json")
    assert expected in str(exc.value)
    assert set(codes(exc)) == {"not-score-json"}


def test_every_problem_of_a_results_file_is_listed(tmp_path: Path) -> None:
    bad = dict(
        CYCLE1,
        issued="tomorrow",
        institutions=[dict(CYCLE1["institutions"][0], decision=""), dict(CYCLE1["institutions"][1], domains="x")],
    )
    with pytest.raises(RegisterError) as exc:
        parse_results(bad)
    assert len(exc.value.problems) == 3


def test_load_results_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"rubric": {\n  "id": oops}', encoding="utf-8")
    with pytest.raises(RegisterError) as exc:
        load_results_file(path)
    assert str(exc.value.problems[0].location) == f"{path}:2:9"
    with pytest.raises(RegisterError) as missing:
        load_results_file(tmp_path / "nope.json")
    assert codes(missing) == ["file-not-found"]


# ----------------------------------------------------------------------------------------------
# list: status around the dates


@pytest.mark.parametrize(
    ("on", "within", "status"),
    [
        (date(2023, 12, 5), None, "active"),  # valid_from itself
        (date(2026, 12, 4), None, "active"),  # valid_until itself is still active
        (date(2026, 12, 5), None, "expired"),  # the day after
        (date(2026, 11, 4), 30, "expiring"),  # 30 days left
        (date(2026, 11, 3), 30, "active"),  # 31 days left
        (date(2026, 12, 4), 0, "expiring"),  # the last day, within 0
    ],
)
def test_status_around_expiry(on: date, within: int | None, status: str, db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        certs = {c.institution_id: c for c in reg.certificates(on=on, within=within)}
    assert certs["P1"].status == status
    assert certs["P1"].days_left == (date(2026, 12, 4) - on).days


def test_status_filters(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.record(parse_results(doc("2024-06-01", [inst("Q1", 90.0)], rubric_id="swf-eval", sha=OTHER_SHA)))
        on = date(2026, 11, 1)

        def ids(**kw: Any) -> list[str]:
            return [c.institution_id for c in reg.certificates(on=on, **kw)]

        assert ids() == ["P1", "P3", "Q1"]  # sorted by valid_until
        assert ids(status="expiring") == ["P1", "P3"]  # default 90 days
        assert ids(status="expiring", within=10) == []
        assert ids(status="active") == ["P1", "P3", "Q1"]  # expiring ones are active too
        assert ids(status="active", within=90) == ["P1", "P3", "Q1"]
        assert ids(status="expired") == []
        assert ids(rubric="swf-eval") == ["Q1"]
        assert [c.institution_id for c in reg.certificates(on=date(2027, 1, 1), status="expired")] == ["P1", "P3"]
        assert reg.certificates(on=date(2023, 12, 4)) == []  # nothing issued yet
        with pytest.raises(RegisterError):
            reg.certificates(on=on, status="soon")  # type: ignore[arg-type]


def test_latest_certificate_counts(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.record(parse_results(CYCLE2))  # P1 and P2 certified 2026-12-05, P3 not
        before = {c.institution_id: c for c in reg.certificates(on=date(2026, 10, 1), within=90)}
        after = {c.institution_id: c for c in reg.certificates(on=date(2027, 1, 1))}
    assert {k: (c.valid_from, c.status) for k, c in before.items()} == {
        "P1": (date(2023, 12, 5), "expiring"),
        "P3": (date(2023, 12, 5), "expiring"),
    }
    assert {k: (c.valid_from, c.status) for k, c in after.items()} == {
        "P1": (date(2026, 12, 5), "active"),
        "P2": (date(2026, 12, 5), "active"),
        "P3": (date(2023, 12, 5), "expired"),  # not certified again: the old certificate ran out
    }


# ----------------------------------------------------------------------------------------------
# monitor and revoke


def test_monitor_and_revoke_round_trip(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        check = reg.monitor("P1", on=date(2024, 6, 1), finding="서류 점검 양호", result="pass")
        assert (check.rubric_id, check.issued) == ("ssqc-2023", date(2023, 12, 5))
        reg.monitor("P1", on=date(2025, 3, 2), finding="학대 신고 접수", result="fail")
        reg.revoke("P1", reason="행정처분 (학대)", on=date(2025, 4, 1))
        assert {c.institution_id: c.status for c in reg.certificates(on=date(2025, 3, 31))}["P1"] == "active"
        revoked = {c.institution_id: c for c in reg.certificates(on=date(2025, 4, 1))}["P1"]
        assert (revoked.status, revoked.revoked_on) == ("revoked", date(2025, 4, 1))
        assert [c.institution_id for c in reg.certificates(on=date(2025, 4, 1), status="revoked")] == ["P1"]
        assert [c.institution_id for c in reg.certificates(on=date(2025, 4, 1), status="active")] == ["P3"]
        hist = reg.history("P1")
    cycle = hist.cycles[0]
    assert [(m.date, m.result, m.finding) for m in cycle.monitoring] == [
        (date(2024, 6, 1), "pass", "서류 점검 양호"),
        (date(2025, 3, 2), "fail", "학대 신고 접수"),
    ]
    assert cycle.revocation is not None and cycle.revocation.reason == "행정처분 (학대)"
    assert hist.to_json_dict()["cycles"][0]["revocation"] == {"date": "2025-04-01", "reason": "행정처분 (학대)"}


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda r: r.revoke("NOPE", reason="x", on=date(2024, 1, 1)), "unknown-institution"),
        (lambda r: r.revoke("P2", reason="x", on=date(2024, 1, 1)), "no-certificate"),  # never certified
        (lambda r: r.revoke("P1", reason="x", on=date(2023, 12, 1)), "no-certificate"),  # before issue
        (lambda r: r.monitor("P1", on=date(2026, 12, 5), finding="late"), "no-certificate-in-force"),  # expired
        (lambda r: r.monitor("P1", on=date(2024, 1, 1), finding="  "), "empty-finding"),
        (lambda r: r.revoke("P1", reason="", on=date(2024, 1, 1)), "empty-reason"),
        (lambda r: r.monitor("P1", on=date(2024, 1, 1), finding="x", result="ok"), "bad-result"),
    ],
)
def test_monitor_and_revoke_refusals(call: Any, code: str, db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        with pytest.raises(RegisterError) as exc:
            call(reg)
        assert codes(exc) == [code]
        with reg.reading() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM monitoring").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM revocations").scalar() == 0


def test_revoked_certificate_cannot_be_revoked_or_monitored_again(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.revoke("P1", reason="x", on=date(2025, 1, 1))
        with pytest.raises(RegisterError) as again:
            reg.revoke("P1", reason="y", on=date(2024, 6, 1))
        assert codes(again) == ["already-revoked"]
        with pytest.raises(RegisterError) as late:
            reg.monitor("P1", on=date(2025, 2, 1), finding="after")
        assert codes(late) == ["no-certificate-in-force"] and "revoked from 2025-01-01" in str(late.value)
        reg.monitor("P1", on=date(2024, 12, 31), finding="before the revocation")  # still in force that day


def test_several_rubrics_need_a_choice(db: str) -> None:
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.record(parse_results(doc("2024-01-10", [inst("P1", 95.0)], rubric_id="swf-eval", sha=OTHER_SHA)))
        with pytest.raises(RegisterError) as exc:
            reg.monitor("P1", on=date(2024, 6, 1), finding="x")
        assert codes(exc) == ["ambiguous-certificate"]
        action = reg.monitor("P1", on=date(2024, 6, 1), finding="x", rubric="swf-eval")
        assert action.rubric_id == "swf-eval"
        hist = reg.history("P1")
        assert [(c.rubric_id, c.total_change) for c in hist.cycles] == [("ssqc-2023", None), ("swf-eval", None)]
        assert [c.rubric_id for c in reg.history("P1", rubric="swf-eval").cycles] == ["swf-eval"]
        with pytest.raises(RegisterError, match="no record of institution 'ZZ'"):
            reg.history("ZZ")


# ----------------------------------------------------------------------------------------------
# the database file: location, refusals, migrations


def test_location_db_then_env_then_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("QUALCERT_DB", raising=False)
    assert resolve_db(None).path == tmp_path / "xdg" / "qualcert" / "register.sqlite"
    assert resolve_db(None, {"QUALCERT_DB": str(tmp_path / "env.sqlite")}).path == tmp_path / "env.sqlite"
    assert resolve_db(tmp_path / "cli.sqlite", {"QUALCERT_DB": "x"}).path == tmp_path / "cli.sqlite"
    url = resolve_db(f"sqlite:///{tmp_path}/u.sqlite")
    assert url.path == tmp_path / "u.sqlite"
    pg = resolve_db("postgresql+psycopg://staff:secret@db.example/qualcert")
    assert pg.path is None and "secret" not in pg.display
    with Register.open() as reg:  # the default place, folders created
        reg.record(parse_results(CYCLE1))
    assert (tmp_path / "xdg" / "qualcert" / "register.sqlite").is_file()


def test_sqlite_settings(tmp_path: Path) -> None:
    with open_reg(tmp_path / "register.sqlite") as reg:
        reg.record(parse_results(CYCLE1))
        with reg.reading() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT max(version) FROM qualcert_schema_version").scalar() == SCHEMA_VERSION
            assert conn.exec_driver_sql("SELECT value FROM qualcert_meta WHERE key = 'application'").scalar() == (
                "qualcert-register"
            )


def test_reading_commands_do_not_create_a_register(tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as exc:
        Register.open(tmp_path / "none.sqlite", create=False)
    assert codes(exc) == ["no-register"]
    assert not (tmp_path / "none.sqlite").exists()
    with pytest.raises(RegisterError) as nodir:
        Register.open(tmp_path / "missing" / "r.sqlite")
    assert codes(nodir) == ["output-dir"]


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO patients (id, name) VALUES (1, 'x')")
    con.commit()
    con.close()
    before = file_digest(path)
    with pytest.raises(RegisterError) as exc:
        Register.open(path)
    assert codes(exc) == ["not-a-register"] and "patients" in str(exc.value)
    assert file_digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]  # no -wal/-shm left behind


@pytest.mark.parametrize("content", [b"institution_id,total\nP1,80\n", b"PK\x03\x04 an xlsx"])
def test_a_non_sqlite_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "register.sqlite"
    path.write_bytes(content)
    with pytest.raises(RegisterError) as exc:
        Register.open(path)
    assert codes(exc) == ["not-a-register"]
    assert path.read_bytes() == content


def test_reading_commands_do_not_create_a_register_in_an_empty_database(db: str, tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as exc:
        Register.open(db, create=False)
    assert codes(exc) == ["no-register"]
    assert not register_exists(db)
    empty = tmp_path / "empty.sqlite"  # an empty file is an empty SQLite database: nothing to read either
    empty.touch()
    with pytest.raises(RegisterError) as exc:
        Register.open(empty, create=False)
    assert codes(exc) == ["no-register"] and empty.read_bytes() == b""


def test_a_foreign_database_is_refused_untouched(db: str) -> None:
    execute(
        db,
        "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)",
        "INSERT INTO patients (id, name) VALUES (1, 'x')",
    )
    with pytest.raises(RegisterError) as exc:
        Register.open(db)
    assert codes(exc) == ["not-a-register"] and "patients" in str(exc.value)
    assert count(db, "SELECT count(*) FROM patients") == 1 and not register_exists(db, "qualcert_meta")


def test_a_newer_schema_is_refused_untouched(db: str) -> None:
    with Register.open(db) as reg:
        reg.record(parse_results(CYCLE1))
    execute(db, "INSERT INTO qualcert_schema_version VALUES (99, 'from the future', '2030-01-01')")
    before = None if on_server(db) else file_digest(Path(db))
    with pytest.raises(RegisterError) as exc:
        Register.open(db)
    assert codes(exc) == ["register-newer"] and "schema version 99" in str(exc.value)
    assert before is None or file_digest(Path(db)) == before
    assert count(db, "SELECT count(*) FROM decisions") == 3


def test_migrations_run_forward_in_order(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcert.registry import db as dbmod
    from qualcert.registry import schema

    path = db
    with Register.open(path) as reg:
        reg.record(parse_results(CYCLE1))

    def v2(conn: sa.Connection, now: str) -> None:
        conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")

    monkeypatch.setattr(dbmod, "MIGRATIONS", (*schema.MIGRATIONS, (2, "notes", v2)))
    monkeypatch.setattr(dbmod, "LATEST", 2)
    with Register.open(path) as reg, reg.reading() as conn:
        assert conn.exec_driver_sql("SELECT version FROM qualcert_schema_version ORDER BY version").scalars().all() == [
            1,
            2,
        ]
        assert conn.exec_driver_sql("SELECT count(*) FROM notes").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM decisions").scalar() == 3  # data kept
    monkeypatch.setattr(dbmod, "MIGRATIONS", schema.MIGRATIONS)
    monkeypatch.setattr(dbmod, "LATEST", 1)
    with pytest.raises(RegisterError) as exc:  # an older qualcert meets the migrated file
        Register.open(path)
    assert codes(exc) == ["register-newer"]


# ----------------------------------------------------------------------------------------------
# export


def test_export_workbook(tmp_path: Path, db: str) -> None:
    path = tmp_path / "register.xlsx"
    with open_reg(db) as reg:
        reg.record(parse_results(CYCLE1))
        reg.record(parse_results(CYCLE2))
        reg.record(parse_results(doc("2024-01-10", [inst("007", 90.0, name="=1+1 센터")], rubric_id="x", sha=SHA)))
        reg.monitor("P3", on=date(2024, 6, 1), finding="ok")
        reg.revoke("P1", reason="사유", on=date(2027, 2, 1))
        counts = export_register(reg, path, on=date(2027, 3, 1))
    assert counts == {"certificates": 4, "cycles": 7, "domains": 14, "monitoring": 1, "revocations": 1, "runs": 3}
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["certificates", "cycles", "domains", "monitoring", "revocations", "runs"]
    certs = book["certificates"]
    assert [c.value for c in certs[1]][:3] == ["institution_id", "name", "rubric_id"]
    assert certs.freeze_panes == "A2" and certs.auto_filter.ref is not None
    rows = {r[0]: r for r in certs.iter_rows(min_row=2, values_only=True)}
    assert rows["007"][1] == "=1+1 센터"  # text stays text: an id keeps its zeros, nothing becomes a formula
    assert rows["P1"][8] == "revoked" and rows["P3"][8] == "expired" and rows["P2"][8] == "active"
    assert rows["P1"][7] == datetime(2029, 12, 4)  # a real date
    assert certs["A2"].data_type == "s" and book["cycles"]["H2"].data_type == "n"
    assert path.is_file() and not list(tmp_path.glob(".*"))  # no temporaries


def test_export_refuses_to_overwrite_the_register(tmp_path: Path) -> None:
    with open_reg(tmp_path / "register.sqlite") as reg:
        reg.record(parse_results(CYCLE1))
        with pytest.raises(QualcertError) as exc:  # an OutputError
            export_register(reg, tmp_path / "register.sqlite", on=date(2024, 1, 1))
        assert "overwrite an input" in str(exc.value)
    with open_reg(tmp_path / "register.sqlite") as reg:
        assert len(reg.certificates(on=date(2024, 1, 1))) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.sqlite"]
