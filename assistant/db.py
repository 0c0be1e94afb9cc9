"""Database engine and session dependency. SQLite gets durable pragmas on every connection."""

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from assistant.settings import get_settings


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Durable, concurrent-safe SQLite: WAL, full fsync, enforced foreign keys, wait on locks.
    # The driver's own transaction handling is switched off so that _begin_immediate decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # SQLite's own lower() folds only A–Z; searches must also match Ä, Ö and Å like PostgreSQL.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


READ_ONLY = "vuoropuhe_read_only"


def _begin_immediate(connection) -> None:
    # Take the write lock when the transaction starts, not at its first write: two transactions
    # that read and then write can then never deadlock, and a read-then-update rule is atomic.
    # A transaction that only looks (see `read_only`) begins deferred and takes no lock.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine and pool for transactions that only read: on SQLite they begin deferred,
    so a poller that finds nothing to do never holds the write lock. Elsewhere it changes nothing.
    """
    return engine.execution_options(**{READ_ONLY: True})


def build_engine(url: str, *, begin_immediate: bool = True) -> Engine:
    """An engine for a database URL; creates the folder of an SQLite file.

    `begin_immediate=False` is for read-only observers (tests, reports) that must not hold the
    SQLite write lock while they look.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Every worker thread may need a connection while it waits for the write lock.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=20,
            max_overflow=30,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if begin_immediate:
            event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for ASSISTANT_DATABASE_URL."""
    return build_engine(get_settings().database_url)


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, on the app's engine."""
    # Loaded values stay usable after the use case commits, so nothing re-opens a transaction
    # (on SQLite, a transaction holds the write lock) just to read back what was written.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
