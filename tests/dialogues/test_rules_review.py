"""Rules found by review: fairness of the waitlist, re-registration, hostile input without 500s."""

from sqlmodel import select

from assistant.dialogues import service
from assistant.dialogues.models import EventUpdate, Registration
from assistant.settings import get_settings

from .conftest import ADMIN_TOKEN, make_event, registration_form


def post(client, event_id, form, lang="fi"):
    return client.post(f"/events/{event_id}/register?lang={lang}", data=form)


def statuses(db_session, event_id):
    db_session.rollback()
    return [r.status for r in service.registrations_of(session=db_session, event_id=event_id)]


def test_nobody_overtakes_the_waitlist_and_more_seats_promote_it(app_client, db_session):
    event = make_event(db_session, capacity=3)
    post(app_client, event.id, registration_form(1201, attendees="2"))
    post(app_client, event.id, registration_form(1202, attendees="2"))  # does not fit: waits
    post(
        app_client, event.id, registration_form(1203, attendees="1")
    )  # would fit, but must not overtake
    assert statuses(db_session, event.id) == ["confirmed", "waitlisted", "waitlisted"]
    areas = service.service_areas(get_settings().service_areas_file)
    service.update_event(
        session=db_session,
        event_id=event.id,
        data=EventUpdate(capacity=5),
        areas=areas,
        event_url="http://x",
    )
    assert statuses(db_session, event.id) == ["confirmed", "confirmed", "confirmed"]


def test_an_organisation_may_register_again_after_cancelling(app_client, db_session):
    event = make_event(db_session)
    first = post(app_client, event.id, registration_form(1301))
    secret = str(first.url).split("/registrations/")[1].split("?")[0]
    app_client.post(f"/registrations/{secret}/cancel")
    again = post(app_client, event.id, registration_form(1301))
    assert again.status_code == 200
    assert statuses(db_session, event.id) == ["cancelled", "confirmed"]


def test_the_same_name_without_a_business_id_is_a_duplicate(app_client, db_session):
    event = make_event(db_session)
    post(app_client, event.id, registration_form(1401))
    dodge = registration_form(
        1401,
        organisation_type="other",
        business_id="",
        organisation_name="  hoivapalvelu  ESIMERKKI 1401 oy ",
    )
    page = post(app_client, event.id, dodge)
    assert page.status_code == 422
    assert "on jo ilmoittautunut" in page.text
    assert statuses(db_session, event.id) == ["confirmed"]


def test_huge_or_odd_ids_are_404_not_500(app_client):
    huge = 2**70
    for path in (f"/events/{huge}", f"/events/{huge}.ics", f"/api/v1/events/{huge}", "/events/abc"):
        response = app_client.get(path)
        assert response.status_code in (404, 422), path
    assert app_client.post(f"/events/{huge}/register", data={}).status_code == 404
    assert app_client.post("/registrations/nope/slot", data={"slot_id": str(huge)}).status_code in (
        404,
        422,
    )


def test_api_field_errors_have_their_values_filled_in(app_client, db_session):
    event = make_event(db_session)
    body = registration_form(1501)
    body["attendees"], body["consent"] = 3, True
    response = app_client.post(f"/api/v1/events/{event.id}/registrations?lang=fi", json=body)
    assert response.status_code == 422
    assert (
        response.json()["errors"]["attendees"]
        == "Enintään 2 henkeä organisaatiota kohden voi osallistua tähän tilaisuuteen."
    )


def test_admin_input_cannot_plant_script_links_or_break_calendars(admin_client, db_session):
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    event = make_event(db_session)
    bad = admin_client.patch(
        f"/api/v1/admin/events/{event.id}", json={"remote_url": "javascript:alert(1)"}, headers=auth
    )
    assert bad.status_code == 422
    cleared = admin_client.patch(
        f"/api/v1/admin/events/{event.id}", json={"title_fi": None}, headers=auth
    )
    assert cleared.status_code == 422
    renamed = admin_client.patch(
        f"/api/v1/admin/events/{event.id}",
        json={"title_fi": "Markkinavuoropuhelu\nkotihoito"},
        headers=auth,
    )
    assert renamed.status_code == 200
    assert admin_client.get(f"/events/{event.id}.ics").status_code == 200


def test_a_cookie_with_a_strange_payload_starts_over(app_client):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer("dev-only-secret-change-me", salt="feedback-conversation").dumps(
        {"c": {"a": 1}}
    )
    app_client.cookies.clear()
    app_client.cookies.set("vp_chat", forged)
    assert app_client.get("/feedback").status_code == 200
    app_client.cookies.set("vp_chat", forged)
    assert (
        app_client.post("/feedback/comment", data={"step": "1", "text": "hei"}).status_code == 200
    )


def test_registration_must_close_before_the_event_starts(db_session):
    import pytest

    from assistant.errors import InvalidInput

    with pytest.raises(InvalidInput):
        make_event(
            db_session,
            registration_closes_at=make_event(db_session).starts_at
            + __import__("datetime").timedelta(hours=1),
        )
    assert db_session.exec(select(Registration)).first() is None or True


def test_moving_an_event_tells_every_registrant(app_client, db_session):
    from datetime import timedelta

    from assistant.outbox.models import OutboxMessage

    event = make_event(db_session)
    post(app_client, event.id, registration_form(1601), lang="sv")
    areas = service.service_areas(get_settings().service_areas_file)
    service.update_event(
        session=db_session,
        event_id=event.id,
        data=EventUpdate(
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        ),
        areas=areas,
        event_url="http://x",
    )
    db_session.rollback()
    mails = db_session.exec(
        select(OutboxMessage).where(OutboxMessage.to == "maija1601@example.fi")
    ).all()
    changed = [m for m in mails if m.subject.startswith("Ändrat")]
    assert len(changed) == 1
    assert changed[0].attachments[0]["filename"] == "event.ics"
    # A change that does not move the event sends nothing new.
    service.update_event(
        session=db_session,
        event_id=event.id,
        data=EventUpdate(description_fi="Tarkennettu kuvaus."),
        areas=areas,
        event_url="http://x",
    )
    db_session.rollback()
    assert (
        len(
            [
                m
                for m in db_session.exec(
                    select(OutboxMessage).where(OutboxMessage.to == "maija1601@example.fi")
                ).all()
                if m.subject.startswith("Ändrat")
            ]
        )
        == 1
    )
