"""Capacity and slots hold under real concurrency: many simultaneous requests against a real server
with several worker processes, on SQLite and on PostgreSQL."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import select

from assistant.dialogues import service
from assistant.dialogues.models import Event, Slot
from tests.live import running_server

from .conftest import make_event, registration_form

pytestmark = pytest.mark.slow


def run_async(coroutine):
    """asyncio.run in a fresh thread: Playwright's sync API may own this thread's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _post_all(requests: list[tuple[str, dict]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(requests))
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(*(client.post(url, json=body) for url, body in requests))


def _api_form(n: int) -> dict:
    form = registration_form(n)
    form["attendees"] = 1
    form["consent"] = True
    return form


def test_100_simultaneous_registrations_for_20_seats(db_url, db_session):
    event = make_event(db_session, capacity=20)
    with running_server(db_url, workers=2) as base:
        url = f"{base}/api/v1/events/{event.id}/registrations"
        responses = run_async(_post_all([(url, _api_form(n)) for n in range(100)]))
    assert [r.status_code for r in responses].count(201) == 100, [
        r.text for r in responses if r.status_code != 201
    ][:3]
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 20
    assert statuses.count("waitlisted") == 80
    db_session.rollback()
    stored = service.registrations_of(session=db_session, event_id=event.id)
    assert [r.status for r in stored].count("confirmed") == 20
    assert db_session.get(Event, event.id).seats_taken == 20
    # Arrival order: everyone confirmed registered before everyone waitlisted.
    assert max(r.id for r in stored if r.status == "confirmed") < min(
        r.id for r in stored if r.status == "waitlisted"
    )


def test_a_slot_is_never_booked_twice(db_url, db_session):
    from datetime import timedelta

    event = make_event(
        db_session,
        kind="one_to_one",
        capacity=50,
        title_fi="Kahdenväliset tapaamiset",
        title_sv="Enskilda möten",
    )
    service.generate_slots(
        session=db_session,
        event_id=event.id,
        window_start=event.starts_at,
        window_end=event.starts_at + timedelta(minutes=60),
        minutes=20,
    )
    db_session.rollback()
    slots = service.slots_of(session=db_session, event_id=event.id)
    assert len(slots) == 3
    with running_server(db_url, workers=2) as base:
        url = f"{base}/api/v1/events/{event.id}/registrations"
        registrations = run_async(_post_all([(url, _api_form(500 + n)) for n in range(12)]))
        secrets = [r.json()["cancel_url"].rsplit("/", 1)[1] for r in registrations]

        async def book_all():
            async with httpx.AsyncClient(timeout=60) as client:
                return await asyncio.gather(
                    *(
                        client.post(f"{base}/registrations/{s}/slot", data={"slot_id": slots[0].id})
                        for s in secrets
                    )
                )

        results = run_async(book_all())
    # 303: booked and sent back to the registration page; 409: someone else was first.
    assert all(r.status_code in (303, 409) for r in results), [r.status_code for r in results]
    db_session.rollback()
    booked = db_session.exec(select(Slot).where(Slot.id == slots[0].id)).one()
    assert booked.registration_id is not None
    assert sum(1 for r in results if r.status_code == 303) == 1
