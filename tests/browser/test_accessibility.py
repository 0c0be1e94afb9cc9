"""axe-core on every public page, in each language: no WCAG 2.1 A or AA violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from assistant.db import build_engine
from tests.dialogues.conftest import make_event

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def event_id(live_server_db_url):
    engine = build_engine(live_server_db_url, begin_immediate=False)
    with Session(engine) as session:
        event_id = make_event(
            session, title_fi="Saavutettavuustestin tilaisuus", title_sv="Tillgänglighetstest"
        ).id
    engine.dispose()
    return event_id


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes) {v['nodes'][0]['target']}"
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_public_pages_have_no_violations(live_server, browser, event_id, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = {}
    for path in (
        "/",
        "/feedback",
        "/privacy",
        "/events",
        f"/events/{event_id}",
        "/sign-in",
        "/no-such-page",
    ):
        page.goto(f"{live_server}{path}?lang={lang}")
        found[path] = violations(page)
    # The conversation at its richest states: the group choice and the category confirmation.
    page.goto(f"{live_server}/feedback?lang={lang}")
    page.locator("form.quick-replies button").first.click()
    found["chat:stakeholder"] = violations(page)
    page.locator("#who-resident").check()
    page.locator("button.primary").click()
    page.locator("#text").fill(
        "Kotihoidossa on liian vähän hoitajia ja iltakäynnit jäävät lyhyiksi."
    )
    page.locator("button.primary").click()
    found["chat:confirm"] = violations(page)
    page.locator("#text").count()
    # A form with errors.
    page.goto(f"{live_server}/events/{event_id}?lang={lang}")
    page.locator(".register button.primary").click()
    found["event:errors"] = violations(page)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_the_check_would_catch_a_missing_label(browser):
    page = browser.new_page()
    page.set_content(
        '<html lang="fi"><head><title>x</title></head><body><main><input type="text"></main></body></html>'
    )
    assert any(v.startswith("label:") for v in violations(page))
    page.close()
