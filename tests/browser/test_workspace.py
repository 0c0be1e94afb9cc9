"""The preparers' workspace in a real browser: sign-in, keyboard review, a consultation session's
import, the draft report, the pages without JavaScript, access rules and screenshots."""

import io
import uuid
from dataclasses import dataclass

import httpx
import pytest
from docx import Document
from playwright.sync_api import expect
from sqlmodel import Session, select

from assistant.db import build_engine
from assistant.feedback.models import Comment
from tests.workspace.conftest import PASSWORD, create_user

pytestmark = pytest.mark.browser

# Hand-written comments as residents, staff, producers and councils would write them.
COMMENTS = [
    {
        "text": "Kotihoidon asiakkaana toivoisin, että samat hoitajat kävisivät luonani. Joka päivä "
        "tulee uusi ihminen, eikä kukaan tiedä, miten lääkkeeni otetaan.",
        "stakeholder": "resident",
    },
    {
        "text": "Pienet palveluntuottajat putoavat kilpailutuksesta, koska hankinnat niputetaan koko "
        "hyvinvointialueen kokoisiksi. Jakakaa hankinnat osiin ja ottakaa palveluseteli käyttöön.",
        "stakeholder": "producer_company",
        "organisation": "Hoivakoti Kielo Oy",
    },
    {
        "text": "Yöhoitajia on aivan liian vähän: yksi hoitaja vastaa kolmestakymmenestä asukkaasta, "
        "eikä sijaisia saa mistään. Henkilöstöä tarvitaan lisää.",
        "stakeholder": "staff",
    },
    {
        "text": "Etävastaanottoja ja digitaalisia palveluja pitäisi kehittää yhdessä asukkaiden "
        "kanssa. Kokeilut voisi aloittaa yhdessä kunnassa ja laajentaa, jos ne toimivat.",
        "stakeholder": "producer_ngo",
        "organisation": "Pirkanmaan Muistiyhdistys ry",
    },
    {
        "text": "Vi i Kristinestad väntar alldeles för länge på en tid till hälsocentralen, och det "
        "finns nästan ingen svenskspråkig personal på kvällarna.",
        "stakeholder": "resident",
        "lang": "sv",
    },
    {
        "text": "Små föreningar har inte resurser att delta i stora upphandlingar. Dela upp dem i "
        "mindre helheter så att också vi kan erbjuda dagverksamhet för äldre.",
        "stakeholder": "producer_ngo",
        "organisation": "Föreningen Folkhälsan i Närpes r.f.",
        "lang": "sv",
    },
    {
        "text": "Oman tuotannon kustannukset pitää laskea samalla tavalla kuin ostopalveluiden, "
        "muuten vertailu on harhaanjohtava. Myös tilojen vuokrat ja hallinnon kulut mukaan.",
        "stakeholder": "council",
    },
]

# A meeting's comments as Excel saves them: semicolons, a BOM, CRLF line ends.
IMPORT_ROWS = [
    (
        "Omaishoitajien vapaapäiviin tarvitaan lisää sijaishoitoa, nyt vapaat jäävät pitämättä.",
        "Vanhusneuvosto",
        "17.9.2024",
    ),
    (
        "Palvelutalojen ruoka tulee kaukaa keskuskeittiöstä; paikalliset yrittäjät voisivat "
        "valmistaa sen lähempänä.",
        "Vanhusneuvosto",
        "17.9.2024",
    ),
    (
        "Asukastyytyväisyys pitää mitata joka vuosi ja tulokset julkaista yksiköittäin.",
        "",
        "17.9.2024",
    ),
]


def import_csv(tag: str) -> bytes:
    """The meeting's CSV; `tag` keeps each import's texts apart from the others'."""
    lines = ["Kommentti;Organisaatio;Päivämäärä"]
    lines += [f'"{text} ({tag})";{body};{day}' for text, body, day in IMPORT_ROWS]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@dataclass
class Seeded:
    reference: str
    label: str
    text: str


def seed_comments(base: str) -> list[Seeded]:
    """Post the comments through the public API; each answer carries the model's category."""
    seeded = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for body in COMMENTS:
            answer = client.post("/api/v1/feedback", json=body)
            assert answer.status_code == 201, answer.text
            data = answer.json()
            seeded.append(Seeded(data["reference"], data["label"], body["text"]))
    return seeded


def stored_comment(db_url: str, reference: str) -> Comment:
    engine = build_engine(db_url, begin_immediate=False)
    try:
        with Session(engine) as session:
            return session.exec(select(Comment).where(Comment.reference == reference)).one()
    finally:
        engine.dispose()


def sign_in(page, base: str, email: str, lang: str = "fi") -> None:
    """Type the email and password as a person would and press Enter."""
    page.goto(f"{base}/sign-in?lang={lang}")
    expect(page.locator("#email")).to_be_focused()  # autofocus
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/workspace/comments" in page.url, page.url


@pytest.fixture(scope="module")
def seeded(live_server) -> list[Seeded]:
    return seed_comments(live_server)


@pytest.fixture(scope="module")
def preparer(live_server_db_url) -> str:
    return create_user(live_server_db_url, "preparer")


@pytest.fixture(scope="module")
def admin(live_server_db_url) -> str:
    return create_user(live_server_db_url, "admin")


def test_preparer_corrects_a_category_with_the_keyboard(
    live_server, live_server_db_url, browser, seeded, preparer
):
    target = next(c for c in seeded if c.label != "cost_comparability")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, preparer)
    # Filter the list by the model's category.
    page.get_by_label("Teema", exact=True).select_option(target.label)
    page.get_by_role("button", name="Näytä", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"category={target.label}" in page.url
    link = page.get_by_role("link", name=target.reference, exact=True)
    expect(link).to_be_visible()
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(f"{live_server}/workspace/comments/{target.reference}?")
    # "3" picks the third category and moves focus to it; "c" confirms and goes to the next.
    page.keyboard.press("3")
    third = page.locator("#final-cost_comparability")
    expect(third).to_be_checked()
    expect(third).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("c")
    assert target.reference not in page.url
    stored = stored_comment(live_server_db_url, target.reference)
    assert stored.final_label == "cost_comparability"
    assert stored.status == "reviewed"
    assert stored.reviewed_by_id is not None
    # The filter went along: the next page is still within the category (or the list itself).
    assert f"category={target.label}" in page.url
    context.close()


def test_preparer_records_a_session_and_imports_its_comments(
    live_server, live_server_db_url, browser, shoot, preparer
):
    tag = uuid.uuid4().hex[:6]
    name = f"Vanhusneuvoston kokous {tag}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, preparer)
    page.goto(f"{live_server}/workspace/sessions")
    page.get_by_label("Nimi, esimerkiksi").fill(name)
    page.locator("#s-stakeholder").select_option("influence_body")
    page.locator("#s-body").fill("Vanhusneuvosto")
    page.locator("#s-held_on").fill("2024-09-17")
    page.locator("#s-kind").select_option("meeting")
    page.get_by_role("button", name="Tallenna tilaisuus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    session_url = page.url
    session_id = int(session_url.rsplit("/", 1)[1])

    page.locator("#file").set_input_files(
        {"name": "vanhusneuvosto.csv", "mimeType": "text/csv", "buffer": import_csv(tag)}
    )
    page.get_by_role("button", name="Lataa ja esikatsele").click()
    assert "/workspace/imports/" in page.url
    expect(page.get_by_role("status").first).to_contain_text("Rivejä 3: 3 valmiina tuotavaksi")
    expect(page.locator("#m-text")).to_have_value("0")  # "Kommentti" guessed as the text column
    for text, _body, _day in IMPORT_ROWS:
        assert page.get_by_text(text[:40]).count() == 1
    shoot(page, "workspace-import-preview-fi-1280")

    page.get_by_role("button", name="Tuo ja luokittele kommentit").click()
    assert "/workspace/jobs/" in page.url
    # static/job.js polls the status and reloads the page when the job is done.
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.get_by_text("Valmis.", exact=True)).to_be_visible()
    shoot(page, "workspace-import-done-fi-1280")

    page.get_by_role("link", name="Tarkista tilaisuuden kommentit").click()
    assert f"session={session_id}" in page.url
    expect(page.locator("#f-session")).to_have_value(str(session_id))
    rows = page.locator("table.review-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("details.more-filters")).to_have_attribute("open", "")
    expect(page.locator("details.more-filters summary")).to_have_text(
        "Lisää suodattimia (1 käytössä)"
    )
    texts = " ".join(rows.all_inner_texts())
    for text, _body, _day in IMPORT_ROWS:
        assert text[:40] in texts
    # The same rows through the filter form itself.
    page.goto(f"{live_server}/workspace/comments")
    expect(page.locator("#f-session")).to_be_hidden()  # folded under "Lisää suodattimia"
    page.get_by_text("Lisää suodattimia", exact=True).click()
    page.locator("#f-session").select_option(str(session_id))
    page.get_by_role("button", name="Näytä", exact=True).click()
    expect(page.locator("table.review-table tbody tr")).to_have_count(3)
    context.close()


def test_preparer_downloads_the_draft_report(live_server, browser, tmp_path, seeded, preparer):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, preparer)
    page.goto(f"{live_server}/workspace/summary")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("svg").count() >= 1  # the charts are inline SVG
    link = page.locator('a[href*="report.docx"][href$="report_lang=fi"]')
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith("-fi.docx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    document = Document(io.BytesIO(path.read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert len(headings) >= 2, headings
    assert all(h.strip() for h in headings)
    context.close()


def test_review_works_without_javascript(
    live_server, live_server_db_url, browser, seeded, preparer
):
    target = seeded[-1]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server}/sign-in?lang=fi")
    page.get_by_label("Sähköpostiosoite").fill(preparer)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu", exact=True).click()
    assert page.url.endswith("/workspace/comments")
    page.goto(f"{live_server}/workspace/comments?q={target.reference}")
    page.get_by_role("link", name=target.reference, exact=True).click()
    page.get_by_role("button", name="Vahvista", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Tallennettu ja merkitty tarkistetuksi.")
    stored = stored_comment(live_server_db_url, target.reference)
    assert stored.status == "reviewed"
    assert stored.final_label == target.label
    context.close()


def test_access_rules(live_server, browser, preparer):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/workspace/comments?lang=fi")
    assert page.url == f"{live_server}/sign-in?next=%2Fworkspace%2Fcomments%3Flang%3Dfi"
    expect(page.locator("#email")).to_be_visible()
    sign_in(page, live_server, preparer)
    response = page.goto(f"{live_server}/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ei käyttöoikeutta")
    expect(page.get_by_text("Tämä sivu on pääkäyttäjille.")).to_be_visible()
    # A preparer's navigation has no admin links.
    assert page.get_by_role("link", name="Käyttäjät").count() == 0
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_screenshots(live_server, browser, shoot, seeded, admin, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/sign-in?lang=fi")
    shoot(page, f"workspace-sign-in-fi-{width}")
    sign_in(page, live_server, admin)
    pages = {
        "review-list": "/workspace/comments",
        "comment": f"/workspace/comments/{seeded[1].reference}",
        "sessions": "/workspace/sessions",
        "summary": "/workspace/summary",
        "ask": "/workspace/ask?q=Mit%C3%A4+sanottiin+hankinnoista+ja+palvelusetelist%C3%A4%3F",
        "admin-models": "/admin/models",
    }
    overflowing = []
    for name, path in pages.items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        shoot(page, f"workspace-{name}-fi-{width}")
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
            overflowing.append(name)
    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    assert overflowing == []
    context.close()
