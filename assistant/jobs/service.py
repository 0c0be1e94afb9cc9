"""The job queue: enqueue, claim, run with progress, and a runner thread for the app.

A job is claimed with a conditional UPDATE (status 'queued' → 'running'), which only one process can
win on SQLite and PostgreSQL alike, so the app's runner thread and any number of `assistant worker`
processes can share the queue. Handlers are registered per kind and report progress 0..1.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from assistant.db import read_only
from assistant.feedback.models import utcnow
from assistant.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
Handler = Callable[[Engine, Job, Progress], dict[str, Any]]
STALE_AFTER = timedelta(hours=2)  # a running job not finished by then is taken as crashed

_handlers: dict[str, Handler] = {}
_wake = threading.Event()


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of a kind."""

    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        return function

    return register


def _load_handlers() -> None:
    import assistant.classifier.jobs
    import assistant.consultations.jobs  # noqa: F401


def enqueue(
    session: Session, *, kind: str, payload: dict[str, Any], created_by_id: int | None
) -> Job:
    """Add a job (the caller commits); the app's runner is woken after the commit."""
    job = Job(kind=kind, payload=payload, created_by_id=created_by_id)
    session.add(job)
    return job


def wake() -> None:
    """Tell this process's runner that there is new work."""
    _wake.set()


def worker_name() -> str:
    """host:pid, recorded on the jobs a process claims."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def claim_next(engine: Engine, name: str, kinds: set[str] | None = None) -> Job | None:
    """Claim the oldest queued job, or None when there is none (or another process won it).

    The look for candidates only reads, so an idle poll never takes SQLite's write lock.
    """
    query = select(Job.id).where(Job.status == JobStatus.queued.value)
    if kinds:
        query = query.where(col(Job.kind).in_(kinds))
    with Session(read_only(engine)) as session:
        candidates = session.exec(query.order_by(col(Job.id)).limit(5)).all()
    if not candidates:
        return None
    with Session(engine, expire_on_commit=False) as session:
        for job_id in candidates:
            won = session.execute(
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued.value)
                .values(status=JobStatus.running.value, claimed_by=name, started_at=utcnow())
            ).rowcount
            session.commit()
            if won == 1:
                return session.get(Job, job_id)
    return None


def requeue_stale(engine: Engine) -> int:
    """Mark running jobs that have gone on far too long (their process died) as failed."""
    with Session(engine) as session:
        count = session.execute(
            update(Job)
            .where(
                col(Job.status) == JobStatus.running.value,
                col(Job.started_at) < utcnow() - STALE_AFTER,
            )
            .values(status=JobStatus.failed.value, message="interrupted", finished_at=utcnow())
        ).rowcount
        session.commit()
        return count


def _progress_reporter(engine: Engine, job_id: int) -> Progress:
    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1.0:
            return
        last[0] = now
        with Session(engine) as session:
            session.execute(
                update(Job)
                .where(col(Job.id) == job_id)
                .values(progress=max(0.0, min(1.0, fraction)), message=message[:500])
            )
            session.commit()

    return report


def run_job(engine: Engine, job: Job) -> Job:
    """Run a claimed job to the end, recording its result or its failure."""
    _load_handlers()
    function = _handlers.get(job.kind)
    status, result, message = JobStatus.done.value, None, None
    try:
        if function is None:
            raise RuntimeError(f"no handler for job kind {job.kind!r}")
        result = function(engine, job, _progress_reporter(engine, job.id))
    except Exception as exc:  # a failed job is recorded, never takes the process down
        log.exception("job %s (%s) failed", job.id, job.kind)
        status, message = JobStatus.failed.value, f"{type(exc).__name__}: {exc}"[:500]
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(Job, job.id)
        assert row is not None
        row.status = status
        row.result = result
        row.finished_at = utcnow()
        if status == JobStatus.done.value:
            row.progress = 1.0
        row.message = message or row.message
        session.add(row)
        session.commit()
        return row


def run_pending(engine: Engine, *, name: str | None = None, limit: int | None = None) -> int:
    """Claim and run queued jobs until none is left (or `limit` ran); returns how many ran."""
    name = name or worker_name()
    count = 0
    while limit is None or count < limit:
        job = claim_next(engine, name)
        if job is None:
            break
        run_job(engine, job)
        count += 1
    return count


class JobRunner:
    """A daemon thread in the app process that drains the queue; woken at once by `wake()`."""

    def __init__(self, engine: Engine, interval: float = 2.0):
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="vuoropuhe-jobs", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish its current job and stop."""
        self._stop.set()
        _wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                if first:
                    requeue_stale(self.engine)
                    first = False
                run_pending(self.engine)
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("job runner round failed")
            _wake.wait(self.interval)
            _wake.clear()
