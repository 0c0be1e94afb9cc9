"""A producer finds a market dialogue, registers and cancels, in a real browser."""

import pytest
from sqlmodel import Session

from assistant.db import build_engine
from tests.dialogues.conftest import business_id, make_event

pytestmark = pytest.mark.browser


@pytest.fixture
def published_event(live_server_db_url):
    engine = build_engine(live_server_db_url, begin_immediate=False)
    with Session(engine) as session:
        event = make_event(
            session,
            capacity=10,
            title_fi="Suun terveydenhuollon markkinavuoropuhelu",
            title_sv="Marknadsdialog om munhälsovård",
            service_area="oral_health",
        )
        event_id = event.id
    engine.dispose()
    return event_id


@pytest.mark.parametrize("width", [1280, 360])
def test_producer_registers_and_cancels(live_server, browser, shoot, published_event, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/events?lang=fi")
    shoot(page, f"events-list-fi-{width}")
    page.get_by_role("link", name="Suun terveydenhuollon markkinavuoropuhelu").first.click()
    assert page.get_by_role("heading", name="Ilmoittaudu").count() == 1
    page.get_by_label("Organisaatio").fill(f"Hammashoitola Hymy {width} Oy")
    page.get_by_label("Yritys").check()
    page.get_by_label("Pieni (10–49 henkeä)").check()
    page.get_by_label("Y-tunnus").fill(business_id(7000 + width))
    page.get_by_label("Yhteyshenkilö").fill("Liisa Laine")
    page.get_by_label("Sähköposti").fill("liisa@example.fi")
    page.get_by_label("Puhelin").fill("050 765 4321")
    page.get_by_label("Osallistujamäärä").fill("2")
    page.get_by_label("Mistä haluaisit keskustella?").fill(
        "Miten pienet hammashoitolat pääsevät mukaan palvelusetelijärjestelmään?"
    )
    page.get_by_label("Suostun siihen").check()
    shoot(page, f"event-form-filled-fi-{width}")
    page.get_by_role("button", name="Ilmoittaudu").click()
    assert "Ilmoittautumisesi on vahvistettu" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(page, f"registration-confirmed-fi-{width}")
    page.get_by_role("button", name="Peru ilmoittautuminen").click()
    assert "Peruttu" in page.content()
    context.close()


def test_registration_errors_are_tied_to_their_fields(live_server, browser, shoot, published_event):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/events/{published_event}?lang=sv")
    page.get_by_label("FO-nummer (Y-tunnus)").fill("1234567-8")
    page.get_by_role("button", name="Anmäl dig").click()
    field = page.get_by_label("FO-nummer (Y-tunnus)")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    assert "business_id-error" in described
    assert "inte ett giltigt FO-nummer" in page.locator("#business_id-error").inner_text()
    shoot(page, "event-form-errors-sv-1280")
    context.close()
