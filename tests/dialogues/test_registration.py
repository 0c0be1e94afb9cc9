"""Registering for market dialogues: seats, waitlist, duplicates, closed and cancelled events."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from assistant.dialogues import service
from assistant.dialogues.models import Event, Registration
from assistant.outbox.models import OutboxMessage

from .conftest import make_event, registration_form


def register_page(client, event_id, form, lang="fi"):
    return client.post(f"/events/{event_id}/register?lang={lang}", data=form)


def test_register_confirms_and_queues_an_email_with_ics(app_client, db_session):
    event = make_event(db_session)
    page = register_page(app_client, event.id, registration_form(4242))
    assert page.status_code == 200
    assert "Ilmoittautumisesi on vahvistettu" in page.text
    db_session.rollback()
    registration = db_session.exec(
        select(Registration).where(Registration.event_id == event.id)
    ).one()
    assert registration.status == "confirmed"
    assert registration.phone == "+358401234567"
    assert registration.business_id is not None and "-" in registration.business_id
    assert registration.topics_label == "small_producers"  # producers' input is classified
    assert db_session.get(Event, event.id).seats_taken == 1
    mail = db_session.exec(
        select(OutboxMessage).where(OutboxMessage.to == "maija4242@example.fi")
    ).one()
    assert "vahvistettu" in mail.subject.lower()
    assert mail.attachments[0]["filename"] == "event.ics"
    assert "/registrations/" in mail.body


def test_seats_run_out_then_the_waitlist_fills_in_arrival_order_and_moves_up(
    app_client, db_session
):
    event = make_event(db_session, capacity=3)
    links = []
    for n in range(5):
        page = register_page(app_client, event.id, registration_form(n, attendees="1"))
        links.append(str(page.url))
    db_session.rollback()
    statuses = [r.status for r in service.registrations_of(session=db_session, event_id=event.id)]
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    # The first confirmed cancels: the first on the waitlist is promoted and told so.
    secret = links[0].split("/registrations/")[1].split("?")[0]
    app_client.post(f"/registrations/{secret}/cancel")
    db_session.rollback()
    statuses = [r.status for r in service.registrations_of(session=db_session, event_id=event.id)]
    assert statuses == ["cancelled", "confirmed", "confirmed", "confirmed", "waitlisted"]
    assert db_session.get(Event, event.id).seats_taken == 3
    promoted = service.registrations_of(session=db_session, event_id=event.id)[3]
    assert promoted.promoted_at is not None
    assert db_session.exec(
        select(OutboxMessage).where(
            OutboxMessage.to == promoted.email, OutboxMessage.subject.contains("Sait paikan")
        )
    ).first()


def test_the_same_organisation_cannot_register_twice(app_client, db_session):
    event = make_event(db_session)
    register_page(app_client, event.id, registration_form(7))
    again = register_page(
        app_client,
        event.id,
        registration_form(7, contact_name="Joku Muu", email="muu@example.fi"),
        lang="sv",
    )
    assert again.status_code == 422
    assert "redan anmält sig" in again.text
    db_session.rollback()
    assert len(service.registrations_of(session=db_session, event_id=event.id)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"business_id": "1234567-8"}, "ei ole kelvollinen Y-tunnus"),
        ({"business_id": ""}, "Yritykseltä tarvitaan Y-tunnus"),
        ({"organisation_type": "ngo", "business_id": "", "register_number": ""}, "rekisterinumero"),
        ({"phone": "12"}, "Tarkista puhelinnumero"),
        ({"email": "maija@"}, "Tarkista sähköpostiosoite"),
        ({"attendees": "5"}, "Enintään 2 henkeä"),
        ({"attendees": "kaksi"}, "kokonaislukuna"),
        ({"consent": ""}, "suostumuksesi"),
        ({"organisation_name": ""}, "Anna organisaation nimi"),
        ({"organisation_size": "huge"}, "Valitse organisaation koko"),
    ],
)
def test_bad_registration_input_gets_a_finnish_message_and_keeps_the_form(
    app_client, db_session, overrides, message
):
    event = make_event(db_session)
    form = registration_form(3, **overrides)
    page = register_page(app_client, event.id, form)
    assert page.status_code == 422
    assert message in page.text
    assert (
        'value="Hoivapalvelu Esimerkki 3 Oy"' in page.text
        or overrides.get("organisation_name") == ""
    )
    db_session.rollback()
    assert service.registrations_of(session=db_session, event_id=event.id) == []


def test_an_ngo_may_give_its_register_number_instead(app_client, db_session):
    event = make_event(db_session)
    page = register_page(
        app_client,
        event.id,
        registration_form(
            4,
            organisation_type="ngo",
            business_id="",
            register_number="123.456",
            organisation_name="Kylätoimintayhdistys ry",
        ),
    )
    assert page.status_code == 200
    db_session.rollback()
    (registration,) = service.registrations_of(session=db_session, event_id=event.id)
    assert (
        registration.organisation_key == "r:123456"
    )  # punctuation does not make a new organisation


def test_registration_closed_and_cancelled_events_say_so(app_client, db_session):
    now = datetime.now(UTC)
    closed = make_event(
        db_session,
        registration_opens_at=now - timedelta(days=5),
        registration_closes_at=now - timedelta(days=1),
    )
    page = register_page(app_client, closed.id, registration_form(5), lang="en")
    assert page.status_code == 422
    assert "Registration for this event is not open" in page.text
    cancelled = make_event(db_session)
    service.cancel_event(session=db_session, event_id=cancelled.id, event_url="http://x/events/1")
    page = register_page(app_client, cancelled.id, registration_form(6), lang="en")
    assert "has been cancelled" in page.text
    draft = make_event(db_session, publish=False)
    assert app_client.get(f"/events/{draft.id}").status_code == 404


def test_cancelling_an_event_notifies_everyone_registered(app_client, db_session):
    event = make_event(db_session, capacity=1)
    register_page(app_client, event.id, registration_form(10))
    register_page(app_client, event.id, registration_form(11), lang="sv")
    service.cancel_event(
        session=db_session, event_id=event.id, event_url=f"http://x/events/{event.id}"
    )
    db_session.rollback()
    assert {r.status for r in service.registrations_of(session=db_session, event_id=event.id)} == {
        "cancelled"
    }
    subjects = [
        m.subject
        for m in db_session.exec(
            select(OutboxMessage).where(
                OutboxMessage.to.in_(["maija10@example.fi", "maija11@example.fi"])
            )
        ).all()
    ]
    assert any(s.startswith("Peruttu") for s in subjects)
    assert any(s.startswith("Inställt") for s in subjects)


def test_event_list_filters_by_service_area_and_language(app_client, db_session):
    make_event(
        db_session,
        title_fi="Suun terveydenhuollon info",
        title_sv="Munhälsa info",
        service_area="oral_health",
        languages=["fi"],
    )
    make_event(
        db_session,
        title_fi="Vammaispalvelujen dialogi",
        title_sv="Handikappservice dialog",
        service_area="disability",
        languages=["sv"],
    )
    page = app_client.get("/events?lang=fi&service_area=oral_health")
    assert "Suun terveydenhuollon info" in page.text
    assert "Vammaispalvelujen dialogi" not in page.text
    page = app_client.get("/events?lang=sv&language=sv")
    assert "Handikappservice dialog" in page.text
    assert "Munhälsa info" not in page.text


def test_scheduling_warns_about_overlaps(db_session):
    first = make_event(db_session, venue="Lahden sairaala, sali A")
    second_data = {
        "venue": "Lahden sairaala, sali A",
        "starts_at": first.starts_at + timedelta(minutes=30),
        "ends_at": first.ends_at + timedelta(hours=1),
    }
    from assistant.dialogues.models import EventCreate

    base = {k: getattr(first, k) for k in EventCreate.model_fields if hasattr(first, k)}
    areas = service.service_areas(
        __import__("assistant.settings", fromlist=["get_settings"])
        .get_settings()
        .service_areas_file
    )
    _event, warnings = service.create_event(
        session=db_session, data=EventCreate(**{**base, **second_data}), areas=areas
    )
    assert f"overlaps_venue:{first.id}" in warnings
    assert f"same_service_area_same_day:{first.id}" in warnings
