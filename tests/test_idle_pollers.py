"""The job runner and the outbox sender poll every few seconds; when there is nothing to do they must
not take SQLite's write lock, or every idle poll would make a resident's write wait behind it."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

from assistant.db import build_engine
from assistant.jobs.service import claim_next, enqueue
from assistant.migrate import upgrade
from assistant.outbox.service import FileTransport, send_pending

# Far below the engine's 30 s busy timeout: a poll that needed the lock would still be waiting.
PATIENCE_SECONDS = 10


@pytest.fixture
def fresh_sqlite(tmp_path) -> str:
    """A database of its own: the shared one may hold other tests' queued mail and jobs."""
    url = f"sqlite:///{tmp_path / 'pollers.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def locked_sqlite(fresh_sqlite):
    """The database with its write lock held by another connection, as a long write would hold it."""
    holder = sqlite3.connect(make_url(fresh_sqlite).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield fresh_sqlite
    holder.execute("ROLLBACK")
    holder.close()


def _within_patience(function, *args, **kwargs):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result(timeout=PATIENCE_SECONDS)


def test_an_idle_job_poll_reads_without_the_write_lock(locked_sqlite):
    engine = build_engine(locked_sqlite)
    try:
        assert _within_patience(claim_next, engine, "test") is None
    finally:
        engine.dispose()


def test_an_idle_outbox_poll_reads_without_the_write_lock(locked_sqlite, tmp_path):
    engine = build_engine(locked_sqlite)
    try:
        sent = _within_patience(
            send_pending,
            engine=engine,
            transport=FileTransport(tmp_path),
            sender="vuoropuhe@example.fi",
        )
    finally:
        engine.dispose()
    assert sent == {"sent": 0, "failed": 0}


def test_a_queued_job_is_still_claimed_once(fresh_sqlite):
    engine = build_engine(fresh_sqlite)
    try:
        with Session(engine) as session:
            job = enqueue(session, kind="idle-poll-test", payload={}, created_by_id=None)
            session.commit()
            job_id = job.id
        claimed = claim_next(engine, "first", {"idle-poll-test"})
        assert claimed is not None and claimed.id == job_id
        assert claimed.claimed_by == "first"
        assert claim_next(engine, "second", {"idle-poll-test"}) is None
    finally:
        engine.dispose()
