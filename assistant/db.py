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
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def build_engine(url: str) -> Engine:
    """An engine for a database URL; creates the folder of an SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine for ASSISTANT_DATABASE_URL."""
    return build_engine(get_settings().database_url)


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, on the app's engine."""
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
