"""Calendars parsed back with icalendar, exports opened with openpyxl and csv, the admin API."""

import csv
import io
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from openpyxl import load_workbook

from assistant.dialogues import service
from assistant.dialogues.models import EventUpdate

from .conftest import ADMIN_TOKEN, make_event, registration_form


def parse(ics: bytes):
    calendar = Calendar.from_ical(ics)
    return [c for c in calendar.walk("VEVENT")]


def test_event_ics_round_trips_with_stable_uid_sequence_and_status(app_client, db_session):
    event = make_event(db_session)
    first = parse(app_client.get(f"/events/{event.id}.ics?lang=sv").content)
    assert len(first) == 1
    (vevent,) = first
    assert str(vevent["UID"]) == event.uid
    assert str(vevent["SUMMARY"]) == "Marknadsdialog om hemvård"
    assert vevent.decoded("DTSTART").astimezone(UTC) == event.starts_at.astimezone(UTC).replace(
        microsecond=0
    )
    assert vevent.decoded("DTSTART").tzinfo is not None
    sequence_before = int(vevent["SEQUENCE"])
    areas = service.service_areas(
        __import__("assistant.settings", fromlist=["x"]).get_settings().service_areas_file
    )
    service.update_event(
        session=db_session,
        event_id=event.id,
        data=EventUpdate(venue="Vaasa, sali B"),
        areas=areas,
        event_url="http://x",
    )
    service.cancel_event(session=db_session, event_id=event.id, event_url="http://x")
    (after,) = parse(app_client.get(f"/events/{event.id}.ics").content)
    assert str(after["UID"]) == event.uid
    assert int(after["SEQUENCE"]) > sequence_before
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["LOCATION"]) == "Vaasa, sali B"


def test_feed_lists_published_events_and_filters_by_service_area(app_client, db_session):
    oral = make_event(
        db_session, service_area="oral_health", title_fi="Suun terveys", title_sv="Munhälsa"
    )
    make_event(
        db_session,
        service_area="disability",
        title_fi="Vammaispalvelut",
        title_sv="Handikappservice",
    )
    draft = make_event(db_session, publish=False, service_area="oral_health")
    events = parse(app_client.get("/events.ics?service_area=oral_health").content)
    uids = {str(e["UID"]) for e in events}
    assert oral.uid in uids
    assert draft.uid not in uids
    assert all("Vammais" not in str(e["SUMMARY"]) for e in events)


def test_admin_api_needs_the_token(admin_client):
    assert admin_client.post("/api/v1/admin/events", json={}).status_code == 401
    wrong = admin_client.post(
        "/api/v1/admin/events", json={}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401


def test_admin_creates_publishes_and_lists_registrations_as_csv_and_xlsx(admin_client, db_session):
    now = datetime.now(UTC)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {
        "title_fi": "Hankintamarkkinat 2027",
        "title_sv": "Upphandlingsmässa 2027",
        "kind": "procurement_fair",
        "service_area": "support",
        "starts_at": (now + timedelta(days=20)).isoformat(),
        "ends_at": (now + timedelta(days=20, hours=6)).isoformat(),
        "venue": "Lahden Sibeliustalo",
        "languages": ["fi", "sv"],
        "capacity": 100,
        "max_per_organisation": 3,
        "registration_opens_at": (now - timedelta(hours=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=19)).isoformat(),
    }
    created = admin_client.post("/api/v1/admin/events", json=body, headers=auth)
    assert created.status_code == 201, created.text
    event_id = created.json()["event"]["id"]
    assert admin_client.get(f"/api/v1/events/{event_id}").status_code == 404  # still a draft
    assert (
        admin_client.post(f"/api/v1/admin/events/{event_id}/publish", headers=auth).status_code
        == 200
    )
    assert admin_client.get(f"/api/v1/events/{event_id}").json()["seats_left"] == 100

    evil = registration_form(
        900, organisation_name='=HYPERLINK("http://evil")', topics="+SUM(A1:A9)"
    )
    evil["attendees"], evil["consent"] = 2, True
    assert (
        admin_client.post(f"/api/v1/events/{event_id}/registrations", json=evil).status_code == 201
    )

    as_csv = admin_client.get(
        f"/api/v1/admin/events/{event_id}/registrations?format=csv&lang=fi", headers=auth
    )
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Organisaatio"
    assert rows[1][2].startswith("'=")
    assert rows[1][11].startswith("'+")
    as_xlsx = admin_client.get(
        f"/api/v1/admin/events/{event_id}/registrations?format=xlsx", headers=auth
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.cell(row=2, column=3).value.startswith("'=")
    assert sheet.cell(row=2, column=11).value == 2


def test_admin_gets_overlap_warnings_and_clear_errors(admin_client, db_session):
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    now = datetime.now(UTC)
    body = {
        "title_fi": "A",
        "title_sv": "A",
        "kind": "bingo",
        "service_area": "support",
        "starts_at": (now + timedelta(days=3)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "capacity": 5,
        "registration_opens_at": now.isoformat(),
        "registration_closes_at": (now + timedelta(days=1)).isoformat(),
    }
    response = admin_client.post("/api/v1/admin/events", json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_publishing_the_memo_notifies_every_registrant(app_client, db_session):
    from sqlmodel import select

    from assistant.outbox.models import OutboxMessage

    event = make_event(db_session)
    app_client.post(f"/events/{event.id}/register?lang=sv", data=registration_form(950))
    areas = service.service_areas(
        __import__("assistant.settings", fromlist=["x"]).get_settings().service_areas_file
    )
    service.update_event(
        session=db_session,
        event_id=event.id,
        data=EventUpdate(
            memo_fi="Muistio: kysymykset ja vastaukset.", memo_sv="Promemoria: frågor och svar."
        ),
        areas=areas,
        event_url="http://x",
    )
    db_session.rollback()
    subjects = [
        m.subject
        for m in db_session.exec(
            select(OutboxMessage).where(OutboxMessage.to == "maija950@example.fi")
        ).all()
    ]
    assert any(s.startswith("Promemoria publicerad") for s in subjects)
    page = app_client.get(f"/events/{event.id}?lang=fi")
    assert (
        "Muistio: kysymykset ja vastaukset." in page.text
        and "Promemoria: frågor och svar." in page.text
    )
