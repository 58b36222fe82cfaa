"""Where the register lives, and opening it safely: recognise, migrate, and transact.

SQLite (the default) gets foreign keys on every connection, WAL journaling, and
``BEGIN IMMEDIATE`` for every write transaction, so two processes writing at once
queue on the file lock (up to ``BUSY_TIMEOUT`` seconds) instead of failing half-way.
Any other SQLAlchemy URL (PostgreSQL for a shared register) gets ordinary transactions
in which writers serialise on a ``SELECT ... FOR UPDATE`` of the register's marker row.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import platformdirs
import sqlalchemy as sa

from qualcert.registry.model import RegisterError, register_error
from qualcert.registry.schema import APPLICATION, LATEST, MIGRATIONS, meta, schema_version

ENV_VAR: Final = "QUALCERT_DB"
DEFAULT_FILE: Final = "register.sqlite"
BUSY_TIMEOUT: Final = 60.0  # seconds a writer waits for another one before giving up
SQLITE_MAGIC: Final = b"SQLite format 3\x00"
_WRITE: Final = "qualcert_write"  # execution option: this transaction writes (BEGIN IMMEDIATE on SQLite)
MIGRATION_LOCK: Final = 0x7175616C63657274  # "qualcert": PostgreSQL advisory lock key of creation and migrations


def default_db_path() -> Path:
    """The per-user register: ``$XDG_DATA_HOME/qualcert/register.sqlite`` (``~/.local/share``), or the OS's."""
    return platformdirs.user_data_path("qualcert", appauthor=False) / DEFAULT_FILE


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved register location."""

    url: sa.URL
    path: Path | None  # the SQLite file; None for a server database or SQLite in memory
    origin: str  # "--db", "$QUALCERT_DB" or "default"

    @property
    def display(self) -> str:
        return str(self.path) if self.path is not None else self.url.render_as_string(hide_password=True)


def resolve_db(db: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Target:
    """``--db`` (a path or a SQLAlchemy URL), else ``$QUALCERT_DB``, else the user data directory."""
    env = os.environ if environ is None else environ
    if db is not None and str(db):
        return _target(str(db), "--db")
    if env.get(ENV_VAR):
        return _target(env[ENV_VAR], f"${ENV_VAR}")
    path = default_db_path()
    return Target(sa.URL.create("sqlite", database=str(path)), path, "default")


def _target(text: str, origin: str) -> Target:
    if "://" not in text:  # a file path (C:\... included)
        path = Path(text).expanduser().absolute()
        return Target(sa.URL.create("sqlite", database=str(path)), path, origin)
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise register_error("bad-db-url", f"{origin}: not a database URL or path: {text!r}") from None
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return Target(url, None, origin)
    path = Path(url.database).expanduser().absolute()
    return Target(url.set(database=str(path)), path, origin)


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Database:
    """An engine on a verified, migrated register. Use :meth:`open`; close with :meth:`close`."""

    def __init__(self, engine: sa.Engine, target: Target) -> None:
        self.engine = engine
        self.target = target
        self.sqlite = engine.dialect.name == "sqlite"

    @classmethod
    def open(cls, target: Target, *, create: bool) -> Database:
        _check_file(target, create=create)
        engine = _engine(target)
        db = cls(engine, target)
        try:
            db._prepare(create=create)
        except BaseException:
            engine.dispose()
            raise
        return db

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def writing(self, *, lock: bool = True) -> Iterator[sa.Connection]:
        """One write transaction: all of it is committed, or none of it (also when the process dies).

        On a server database, writers serialise on a row lock of the register's marker
        (``lock=False`` only while creating the register, before that row exists).
        """
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if lock and not self.sqlite:
                    conn.execute(sa.select(meta.c.value).where(meta.c.key == "application").with_for_update())
                yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.OperationalError as exc:
            detail = str(exc.orig) if exc.orig is not None else str(exc)
            raise register_error("register-unavailable", f"the register cannot be used: {detail}", self.where) from None

    @property
    def where(self) -> str:
        return self.target.display

    # -- recognise and migrate ------------------------------------------------------------

    def _prepare(self, *, create: bool) -> None:
        try:
            with self.reading() as conn:
                version = self._version(conn)
            if version == 0 and not create:  # an empty database (a server's, or an empty file): nothing to read
                raise register_error(
                    "no-register",
                    f"no register here yet (from {self.target.origin}); record a run first with "
                    "`qualcert registry record`",
                    self.where,
                )
            if version < LATEST:
                with self.writing(lock=version > 0) as conn:
                    if self.engine.dialect.name == "postgresql":
                        # two first opens of an empty database would both CREATE TABLE, and the second fail;
                        # this lock (held to the end of the transaction) makes the second wait and see version 1
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                    version = self._version(conn)  # again, under the write lock
                    for number, description, migrate in MIGRATIONS:
                        if number > version:
                            now = now_text()
                            migrate(conn, now)
                            row = {"version": number, "description": description, "applied_at": now}
                            conn.execute(sa.insert(schema_version).values(**row))
        except sa.exc.DatabaseError as exc:  # "file is not a database" and the like (busy/locked are raised above)
            raise register_error(
                "not-a-register", f"not a qualcert register ({exc.orig}); nothing was changed", self.where
            ) from None
        if self.sqlite and self.target.path is not None:
            self._wal()

    def _version(self, conn: sa.Connection) -> int:
        """0 for an empty database; raises for a foreign or a newer one."""
        tables = set(sa.inspect(conn).get_table_names())
        if not tables:
            return 0
        marker = None
        if {meta.name, schema_version.name} <= tables:
            marker = conn.execute(sa.select(meta.c.value).where(meta.c.key == "application")).scalar()
        if marker != APPLICATION:
            shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
            raise register_error(
                "not-a-register",
                f"this database is not a qualcert register (it holds the tables {shown}); it was left untouched. "
                "Point --db or $QUALCERT_DB at a new file.",
                self.where,
            )
        version = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
        if version > LATEST:
            raise register_error(
                "register-newer",
                f"this register has schema version {version}, newer than this qualcert knows ({LATEST}); "
                "it was left untouched. Upgrade qualcert to use it.",
                self.where,
            )
        return int(version)

    def _wal(self) -> None:
        """Switch the file to write-ahead logging, once (the mode stays with the file).

        While another connection is in a write transaction, SQLite refuses the switch at once
        instead of waiting (its busy timeout does not apply: both would wait for each other),
        so the switch is tried again until that writer is done, for up to ``BUSY_TIMEOUT`` seconds.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            while True:
                try:
                    mode = cursor.execute("PRAGMA journal_mode").fetchone()
                    if mode is None or str(mode[0]).lower() != "wal":
                        cursor.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise register_error(
                            "register-unavailable", f"the register cannot be used: {exc}", self.where
                        ) from None
                    time.sleep(0.05)
            cursor.close()
        finally:
            raw.close()


def _check_file(target: Target, *, create: bool) -> None:
    """Refuse what SQLite would misread or create by accident, before opening anything."""
    path = target.path
    if path is None:
        return
    if path.is_dir():
        raise register_error("not-a-register", "this is a folder, not a register file", str(path))
    if path.exists():
        try:
            with path.open("rb") as handle:
                head = handle.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise register_error("register-unavailable", f"cannot read it: {exc.strerror}", str(path)) from None
        if head and head != SQLITE_MAGIC:
            raise register_error(
                "not-a-register", "not a SQLite file, so not a qualcert register; it was left untouched", str(path)
            )
        return
    if not create:
        raise register_error(
            "no-register",
            f"no register here yet (from {target.origin}); record a run first with `qualcert registry record`",
            str(path),
        )
    if target.origin == "default":
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise register_error("output-dir", f"the folder {str(path.parent)!r} does not exist", str(path))


def _engine(target: Target) -> sa.Engine:
    if target.url.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(target.url)
        except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            hint = ""
            if isinstance(exc, ImportError) and target.url.get_backend_name() == "postgresql":
                hint = '; install the PostgreSQL driver with `pip install "qualcert[postgres]"` (psycopg 3)'
            raise register_error("bad-db-url", f"cannot use this database URL: {exc}{hint}", target.display) from None
    engine = sa.create_engine(target.url, connect_args={"timeout": BUSY_TIMEOUT})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


__all__ = ["Database", "RegisterError", "Target", "default_db_path", "resolve_db"]
