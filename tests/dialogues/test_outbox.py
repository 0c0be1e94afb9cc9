"""The outbox: nothing lost or sent twice across a crash; two workers never send the same message."""

import threading
from email import message_from_bytes

import pytest
from sqlmodel import Session, select

from assistant.db import build_engine
from assistant.outbox.models import OutboxMessage
from assistant.outbox.service import FileTransport, enqueue, send_pending


class CrashAfter:
    """Delivers n messages, then 'crashes' (raises) like a process killed between send and commit."""

    def __init__(self, inner, n):
        self.inner, self.n = inner, n

    def deliver(self, message):
        if self.n == 0:
            raise KeyboardInterrupt("simulated crash")
        self.inner.deliver(message)
        self.n -= 1


def queue(db_url, count, tag):
    engine = build_engine(db_url)
    with Session(engine) as session:
        for i in range(count):
            enqueue(
                session,
                to=f"{tag}{i}@example.fi",
                subject=f"{tag} {i}",
                body="Hei!",
                attachments=[
                    ("event.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
                ],
            )
        session.commit()
    return engine


def test_crash_between_send_and_commit_loses_nothing_and_duplicates_nothing(db_url, tmp_path):
    engine = queue(db_url, 5, "crash")
    transport = FileTransport(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        send_pending(
            engine=engine, transport=CrashAfter(transport, 2), sender="x@example.fi", limit=100_000
        )
    result = send_pending(engine=engine, transport=transport, sender="x@example.fi", limit=100_000)
    assert result["failed"] == 0
    files = sorted(tmp_path.glob("*.eml"))
    recipients = sorted(message_from_bytes(p.read_bytes())["To"] for p in files)
    assert [r for r in recipients if r.startswith("crash")] == [
        f"crash{i}@example.fi" for i in range(5)
    ]
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.to.startswith("crash"))).all()
        assert {r.status for r in rows} == {"sent"}
    ours = [message_from_bytes(p.read_bytes()) for p in files]
    ours = [m for m in ours if m["To"].startswith("crash")]
    assert all(any(part.get_filename() == "event.ics" for part in m.walk()) for m in ours)


def test_two_workers_never_send_the_same_message_twice(db_url):
    queue(db_url, 30, "pair")
    delivered: list[str] = []
    lock = threading.Lock()

    class Recorder:
        def deliver(self, message):
            with lock:
                delivered.append(message["To"])

    workers = [
        threading.Thread(
            target=send_pending,
            kwargs={
                "engine": build_engine(db_url),
                "transport": Recorder(),
                "sender": "x@example.fi",
            },
        )
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    mine = [d for d in delivered if d.startswith("pair")]
    assert sorted(mine) == sorted(f"pair{i}@example.fi" for i in range(30))
    assert len(mine) == len(set(mine))
