"""Which database the register tests use: a SQLite file by default, or a server given by a URL.

    QUALCERT_TEST_DB_URL=postgresql+psycopg://qualcert:PASSWORD@127.0.0.1/qualcert_test make test

With the variable set, every test that takes the ``db`` fixture gets a schema of its own in that
database (``qualcert_test_<random>``, through the connection's ``search_path``), created before
the test and dropped after it, so nothing else in that database is touched. Tests of what only a
file can do (SQLite pragmas, a foreign or damaged file, the default place) stay on SQLite.
CI does not set the variable: it needs no server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import sqlalchemy as sa

ENV: Final = "QUALCERT_TEST_DB_URL"


def server_url() -> str | None:
    return os.environ.get(ENV) or None


def on_server(db: str) -> bool:
    return "://" in db and not db.startswith("sqlite")


def fresh_db(tmp_path: Path) -> Iterator[str]:
    """A register location for one test: ``tmp_path/register.sqlite``, or a new schema on the server."""
    url = server_url()
    if url is None:
        yield str(tmp_path / "register.sqlite")
        return
    schema = f"qualcert_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        yield (
            sa.make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def _engine(db: str) -> sa.Engine:
    return sa.create_engine(db if on_server(db) else f"sqlite:///{db}")


def register_exists(db: str, table: str | None = None) -> bool:
    """Whether anything (or ``table``) was created at ``db``: the file, or tables in the test's schema."""
    if not on_server(db) and not Path(db).exists():
        return False
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    return (table in tables) if table is not None else (bool(tables) or not on_server(db))


def count(db: str, sql: str) -> int:
    """One number from the register, whatever the database."""
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar_one())
    finally:
        engine.dispose()


def execute(db: str, *statements: str) -> None:
    """Run statements in one transaction, outside qualcert (to prepare or damage a database)."""
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
