"""Crash safety: 50 concurrent writers, the server killed with SIGKILL ten times and restarted.
Afterwards every acknowledged write is stored once, the database is intact and capacity holds."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from assistant.db import build_engine
from assistant.dialogues.models import Event, Registration
from assistant.feedback.models import Comment
from tests.dialogues.conftest import make_event
from tests.live import free_port

pytestmark = pytest.mark.slow
KILLS = 10
WRITERS = 50


def _start(db_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "ASSISTANT_DATABASE_URL": db_url,
        "ASSISTANT_PUBLIC_POST_RATE": "1000000/minute",
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "assistant"),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not come back")


def test_sigkill_under_load_loses_no_acknowledged_write(db_url, db_session, figures):
    event = make_event(db_session, capacity=25)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged_comments: list[str] = []
    acknowledged_registrations: list[int] = []
    stop = threading.Event()
    sent = [0]

    async def writer(n: int) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            i = 0
            while not stop.is_set():
                i += 1
                sent[0] += 1
                try:
                    if n % 5 == 0:
                        body = {
                            "organisation_name": f"Kaatumistesti {uuid.uuid4().hex[:10]}",
                            "organisation_type": "other",
                            "organisation_size": "micro",
                            "contact_name": "Testi",
                            "email": "t@example.fi",
                            "phone": "040 123 4567",
                            "attendees": 1,
                            "consent": True,
                        }
                        response = await client.post(
                            f"{base}/api/v1/events/{event.id}/registrations", json=body
                        )
                        if response.status_code == 201:
                            acknowledged_registrations.append(response.json()["id"])
                    else:
                        response = await client.post(
                            f"{base}/api/v1/feedback",
                            json={
                                "text": f"Kotihoidossa on liian vähän hoitajia ({n}-{i}).",
                                "stakeholder": "staff",
                            },
                        )
                        if response.status_code == 201:
                            acknowledged_comments.append(response.json()["reference"])
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)

    async def all_writers() -> None:
        await asyncio.gather(*(writer(n) for n in range(WRITERS)))

    load = threading.Thread(target=lambda: asyncio.run(all_writers()))
    process = _start(db_url, port)
    _wait_up(base)
    load.start()
    try:
        for _ in range(KILLS):
            time.sleep(1.5)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            process = _start(db_url, port)
            _wait_up(base)
        time.sleep(1.0)
    finally:
        stop.set()
        load.join(timeout=60)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    assert len(acknowledged_comments) > 50, "the load did not get through"
    engine = build_engine(db_url, begin_immediate=False)
    with Session(engine) as session:
        stored = set(
            session.exec(
                select(Comment.reference).where(Comment.reference.in_(acknowledged_comments))
            ).all()
        )
        assert stored == set(acknowledged_comments)  # every 2xx is in the database
        duplicates = session.exec(
            select(Comment.reference).group_by(Comment.reference).having(func.count() > 1)
        ).all()
        assert duplicates == []
        registrations = session.exec(
            select(Registration).where(Registration.event_id == event.id)
        ).all()
        assert set(acknowledged_registrations) <= {r.id for r in registrations}
        confirmed = sum(r.attendees for r in registrations if r.status == "confirmed")
        stored_event = session.get(Event, event.id)
        assert confirmed == stored_event.seats_taken <= stored_event.capacity
        if engine.dialect.name == "sqlite":
            assert session.exec(text("PRAGMA integrity_check")).one()[0] == "ok"
        figures(
            f"crash test ({engine.dialect.name}): {sent[0]} requests sent by {WRITERS} writers, "
            f"{len(acknowledged_comments)} comments and {len(acknowledged_registrations)} "
            f"registrations acknowledged, {KILLS} SIGKILLs and restarts survived, "
            f"{len(acknowledged_comments) - len(stored)} acknowledged comments lost, "
            f"{len(duplicates)} duplicated, {confirmed} of {stored_event.capacity} seats taken"
        )
    engine.dispose()
