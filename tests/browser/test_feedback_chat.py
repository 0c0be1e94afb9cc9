"""The feedback conversation in a real browser, with the keyboard only, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _press_button(page, name: str) -> None:
    """Tab to a button by its accessible name and press Enter, as a keyboard user would."""
    target = page.get_by_role("button", name=name, exact=True)
    target.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize(
    ("lang", "width", "texts"),
    [
        (
            "fi",
            1280,
            {
                "start": "Suomeksi",
                "continue": "Jatka",
                "who": "Asukas tai asiakas",
                "send": "Lähetä",
                "yes": "Kyllä, oikein",
                "skip": "Ohita",
                "finish": "Lopeta",
                "nocontact": "Lopeta ilman yhteystietoja",
            },
        ),
        (
            "sv",
            360,
            {
                "start": "På svenska",
                "continue": "Fortsätt",
                "who": "Anställd",
                "send": "Skicka",
                "yes": "Ja, det stämmer",
                "skip": "Hoppa över",
                "finish": "Avsluta",
                "nocontact": "Avsluta utan kontaktuppgifter",
            },
        ),
        (
            "en",
            360,
            {
                "start": "In English",
                "continue": "Continue",
                "who": "NGO or association",
                "send": "Send",
                "yes": "Yes, that is right",
                "skip": "Skip",
                "finish": "Finish",
                "nocontact": "Finish without contact details",
            },
        ),
    ],
)
def test_whole_conversation_by_keyboard(live_server, browser, shoot, lang, width, texts):
    comment = {
        "fi": "Kotihoidossa on liian vähän hoitajia, ja iltakäynnit jäävät lyhyiksi. Henkilöstöä tarvitaan lisää.",
        "sv": "Hemvården i Närpes har för lite personal och vårdarna hinner inte stanna hos min mamma.",
        "en": "Small associations cannot compete when the county bundles all day activities into one huge tender.",
    }[lang]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/feedback")
    assert page.locator("html").get_attribute("lang") in {"fi", "sv", "en"}
    _press_button(page, texts["start"])
    assert page.locator("html").get_attribute("lang") == lang
    # Focus lands on the step's first control, so the keyboard user can answer at once.
    expect(page.locator("#organisation")).to_be_focused()
    page.keyboard.press("Tab")  # from the organisation field into the group choice
    page.get_by_label(texts["who"], exact=True).check()
    _press_button(page, texts["continue"])
    expect(page.locator("#text")).to_be_focused()
    page.keyboard.type(comment)
    _press_button(page, texts["send"])
    assert page.locator("#chat-announcer").get_attribute("aria-live") == "polite"
    # chat.js (allowed by the CSP as a same-origin script) fills the live region after a moment.
    expect(page.locator("#chat-announcer")).not_to_have_text("", timeout=5000)
    _press_button(page, texts["yes"])
    _press_button(page, texts["skip"])
    _press_button(page, texts["finish"])
    _press_button(page, texts["nocontact"])
    references = page.locator(".references li").all_inner_texts()
    assert len(references) == 1 and references[0].startswith("VP-")
    assert page.locator(".private-link a").count() == 1
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(page, f"chat-finished-{lang}-{width}")
    context.close()


def test_chat_works_with_javascript_disabled(live_server, browser, shoot):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server}/feedback?lang=en")
    page.get_by_role("button", name="In English").click()
    page.get_by_label("Staff member", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your comment").fill(
        "We need more nurses in home care; the workload is far too heavy."
    )
    page.get_by_role("button", name="Send", exact=True).click()
    assert page.get_by_text("Adequacy and allocation of resources").count() >= 1
    shoot(page, "chat-nojs-understood-en-1280")
    context.close()
