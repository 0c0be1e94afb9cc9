"""Events built through the service, and helpers for valid registrations."""

from datetime import UTC, datetime, timedelta

import pytest
from stdnum.fi import ytunnus

from assistant.dialogues import service
from assistant.dialogues.models import EventCreate
from assistant.settings import get_settings

ADMIN_TOKEN = "test-admin-token"


def business_id(n: int) -> str:
    """A valid Y-tunnus unique to n (the check digit that python-stdnum accepts)."""
    for candidate in range(n * 10 + 1000000, n * 10 + 1000010):
        for check in "0123456789":
            if ytunnus.is_valid(f"{candidate:07d}{check}"):
                return f"{candidate:07d}-{check}"
    raise AssertionError(n)


def registration_form(n: int = 0, **overrides) -> dict:
    form = {
        "organisation_name": f"Hoivapalvelu Esimerkki {n} Oy",
        "organisation_type": "company",
        "organisation_size": "small",
        "business_id": business_id(n),
        "register_number": "",
        "contact_name": "Maija Meikäläinen",
        "email": f"maija{n}@example.fi",
        "phone": "040 123 4567",
        "attendees": "1",
        "topics": "Haluamme keskustella siitä, miten pienet yritykset pääsevät mukaan kotihoidon kilpailutukseen.",
        "consent": "1",
    }
    form.update(overrides)
    return form


def make_event(session, *, publish: bool = True, **overrides):
    now = datetime.now(UTC)
    data = {
        "title_fi": "Kotihoidon markkinavuoropuhelu",
        "title_sv": "Marknadsdialog om hemvård",
        "description_fi": "Keskustelemme tulevasta kotihoidon hankinnasta.",
        "description_sv": "Vi diskuterar den kommande upphandlingen av hemvård.",
        "kind": "market_dialogue",
        "service_area": "older_people",
        "starts_at": now + timedelta(days=10),
        "ends_at": now + timedelta(days=10, hours=2),
        "venue": "Vaasan keskussairaala, auditorio",
        "languages": ["fi", "sv"],
        "capacity": 20,
        "max_per_organisation": 2,
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": now + timedelta(days=9),
    }
    data.update(overrides)
    areas = service.service_areas(get_settings().service_areas_file)
    event, _warnings = service.create_event(session=session, data=EventCreate(**data), areas=areas)
    if publish:
        event = service.publish_event(session=session, event_id=event.id)
    return event


@pytest.fixture
def admin_client(db_url):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from tests.conftest import make_test_settings

    with TestClient(create_app(make_test_settings(db_url, admin_token=ADMIN_TOKEN))) as client:
        yield client
