"""Admin pages for events: admins only, CSRF on every form, scheduling an event end to end."""

import re
from datetime import datetime, timedelta

from sqlmodel import select

from assistant.dialogues.models import Event
from tests.workspace.conftest import PASSWORD, create_user, csrf_of


def sign_in(client, role: str = "admin") -> str:
    email = create_user(str(client.app.state.settings.database_url), role)
    page = client.post(
        "/sign-in?lang=fi", data={"email": email, "password": PASSWORD, "next": "/workspace"}
    )
    assert page.status_code == 200
    return csrf_of(page.text)


def test_admin_pages_need_a_signed_in_admin(admin_client):
    assert (
        admin_client.get("/admin/events", follow_redirects=False).headers["location"]
        == "/sign-in?next=%2Fadmin%2Fevents"
    )
    sign_in(admin_client, role="preparer")
    refused = admin_client.get("/admin/events?lang=sv")
    assert refused.status_code == 403


def test_forms_without_the_csrf_token_are_refused(admin_client, db_session):
    sign_in(admin_client)
    page = admin_client.post("/admin/events", data={"title_fi": "X", "csrf": "forged"})
    assert page.status_code == 403
    db_session.rollback()
    assert db_session.exec(select(Event).where(Event.title_fi == "X")).first() is None


def test_admin_schedules_publishes_and_writes_the_memo(admin_client, app_client, db_session):
    csrf = sign_in(admin_client)
    start = (datetime.now() + timedelta(days=14)).replace(second=0, microsecond=0)
    form = {
        "csrf": csrf,
        "title_fi": "Vammaispalvelujen markkinavuoropuhelu",
        "title_sv": "Marknadsdialog om handikappservice",
        "kind": "one_to_one",
        "service_area": "disability",
        "starts_at": start.isoformat(timespec="minutes"),
        "ends_at": (start + timedelta(hours=3)).isoformat(timespec="minutes"),
        "venue": "Seinäjoki, sali 2",
        "languages": ["fi", "sv"],
        "capacity": "12",
        "max_per_organisation": "2",
        "registration_opens_at": (start - timedelta(days=13)).isoformat(timespec="minutes"),
        "registration_closes_at": (start - timedelta(days=1)).isoformat(timespec="minutes"),
    }
    page = admin_client.post("/admin/events?lang=fi", data=form)
    assert page.status_code == 200
    assert "Vammaispalvelujen markkinavuoropuhelu" in page.text
    event_id = int(re.search(r"/admin/events/(\d+)/publish", page.text).group(1))
    db_session.rollback()
    event = db_session.get(Event, event_id)
    assert event.status == "draft"
    # Typed in Helsinki time, stored in UTC.
    assert event.starts_at.replace(tzinfo=None) != start or event.starts_at.utcoffset() is not None
    admin_client.post(f"/admin/events/{event_id}/publish", data={"csrf": csrf})
    admin_client.post(
        f"/admin/events/{event_id}/slots",
        data={
            "csrf": csrf,
            "window_start": start.isoformat(timespec="minutes"),
            "window_end": (start + timedelta(hours=1)).isoformat(timespec="minutes"),
            "minutes": "20",
        },
    )
    admin_client.post(
        f"/admin/events/{event_id}/memo",
        data={"csrf": csrf, "memo_fi": "Kysymykset ja vastaukset.", "memo_sv": "Frågor och svar."},
    )
    db_session.rollback()
    event = db_session.get(Event, event_id)
    assert event.status == "published"
    assert event.memo_sv == "Frågor och svar."
    public = app_client.get(f"/events/{event_id}?lang=fi")
    assert public.status_code == 200 and "Kysymykset ja vastaukset." in public.text
    detail = admin_client.get(f"/admin/events/{event_id}?lang=fi")
    assert detail.text.count("–") >= 3  # three 20-minute meeting times


def test_bad_event_input_is_shown_on_the_form(admin_client):
    csrf = sign_in(admin_client)
    page = admin_client.post(
        "/admin/events?lang=fi",
        data={"csrf": csrf, "title_fi": "", "title_sv": "", "capacity": "many"},
    )
    assert page.status_code == 422
    assert "Tarkista merkityt kentät" in page.text
