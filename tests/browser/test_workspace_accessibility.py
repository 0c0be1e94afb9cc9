"""axe-core on every workspace and admin page, signed in as an admin, in fi, sv and en: no WCAG 2.1
A or AA violations. The pages are filled first: comments, a consultation session with an imported
file (its preview, the finished job and one still running), an event and a reviewed comment."""

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session

from assistant.db import build_engine
from assistant.jobs.models import Job
from tests.dialogues.conftest import make_event
from tests.workspace.conftest import PASSWORD, create_user

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

COMMENTS = [
    {
        "text": "Omaishoitajan vapaapäivät jäävät pitämättä, koska sijaishoitoa ei löydy läheltä. "
        "Soittakaa minulle, numero on 040 123 4567.",
        "stakeholder": "resident",
    },
    {
        "text": "Kilpailutuksen ehdot suosivat suuria ketjuja; pienellä kotipalveluyrityksellä ei ole "
        "varaa laatia sadan sivun tarjousta.",
        "stakeholder": "producer_company",
        "organisation": "Kotipalvelu Aurinko Oy",
    },
    {
        "text": "Hemvårdens personal byts hela tiden ut, och min pappa känner inte igen vårdarna. "
        "Det behövs fler fast anställda.",
        "stakeholder": "resident",
        "lang": "sv",
    },
    {
        "text": "Kuntouttavaa työotetta pitäisi kehittää yhdessä yksityisten palvelutalojen kanssa ja "
        "jakaa hyvät käytännöt koko alueelle.",
        "stakeholder": "staff",
    },
]

# Excel's semicolon CSV; the third row has no text, so the preview and the job list an error.
MEETING_CSV = (
    "\ufeffKommentti;Organisaatio;Päivämäärä\r\n"
    '"Vammaisneuvosto toivoo, että henkilökohtaisen avun tuottajia on useampi kuin yksi.";'
    "Vammaisneuvosto;24.10.2024\r\n"
    '"Esteettömyys pitää tarkistaa jokaisessa uudessa palvelupisteessä ennen avaamista.";;'
    "24.10.2024\r\n"
    ";Vammaisneuvosto;24.10.2024\r\n"
).encode()


def violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes) "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in results.response["violations"]
    ]


def _csrf(response: httpx.Response) -> str:
    match = CSRF.search(response.text)
    assert match, "no CSRF token"
    return match.group(1)


@pytest.fixture(scope="module")
def admin(live_server_db_url) -> str:
    return create_user(live_server_db_url, "admin")


@pytest.fixture(scope="module")
def filled(live_server, live_server_db_url, admin) -> dict[str, int | str]:
    """Everything the pages show, made through the API and the forms (with httpx)."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        references = []
        for body in COMMENTS:
            answer = client.post("/api/v1/feedback", json=body)
            assert answer.status_code == 201, answer.text
            references.append(answer.json()["reference"])
        signed = client.post("/sign-in", data={"email": admin, "password": PASSWORD, "next": "/"})
        assert signed.status_code == 303, signed.text
        csrf = _csrf(client.get("/workspace/sessions"))
        created = client.post(
            "/workspace/sessions",
            data={
                "csrf": csrf,
                "name": "Vammaisneuvoston kokous",
                "stakeholder": "influence_body",
                "body": "Vammaisneuvosto",
                "held_on": "2024-10-24",
                "kind": "meeting",
                "notes": "Palvelustrategian luonnos esiteltiin; kommentit kirjattiin taulukkoon.",
            },
        )
        assert created.status_code == 303, created.text
        session_id = int(created.headers["location"].rsplit("/", 1)[1])
        uploaded = client.post(
            f"/workspace/sessions/{session_id}/imports",
            data={"csrf": csrf},
            files={"file": ("vammaisneuvosto.csv", MEETING_CSV, "text/csv")},
        )
        assert uploaded.status_code == 303, uploaded.text
        file_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        started = client.post(
            f"/workspace/imports/{file_id}",
            data={
                "csrf": csrf,
                "text": "0",
                "stakeholder": "",
                "organisation": "1",
                "date": "2",
                "external_id": "",
            },
        )
        assert started.status_code == 303, started.text
        job_id = int(started.headers["location"].rsplit("/", 1)[1])
        deadline = time.monotonic() + 60
        while client.get(f"/workspace/jobs/{job_id}/status").json()["status"] != "done":
            assert time.monotonic() < deadline, "the import did not finish"
            time.sleep(0.3)
        # One reviewed comment with a note, so the history and the notes list have entries.
        reviewed = references[1]
        client.post(
            f"/workspace/comments/{reviewed}/review",
            data={"csrf": csrf, "final_label": "small_producers", "query": ""},
        )
        client.post(
            f"/workspace/comments/{reviewed}/note",
            data={"csrf": csrf, "note": "Tarkistettu kokouksessa 24.10.", "query": ""},
        )
    engine = build_engine(live_server_db_url, begin_immediate=False)
    with Session(engine) as session:
        event_id = make_event(
            session,
            title_fi="Henkilökohtaisen avun markkinavuoropuhelu",
            title_sv="Personlig assistans",
        ).id
        # A job shown as running: the runner only claims queued jobs, so it stays as it is.
        running = Job(
            kind="import",
            status="running",
            progress=0.4,
            payload={"file_id": file_id},
            started_at=datetime.now(UTC),
        )
        session.add(running)
        session.commit()
        running_id = running.id
    engine.dispose()
    return {
        "pii_comment": references[0],
        "reviewed_comment": reviewed,
        "session": session_id,
        "file": file_id,
        "job": job_id,
        "running_job": running_id,
        "event": event_id,
    }


def workspace_pages(filled) -> list[str]:
    return [
        "/workspace/comments",
        "/workspace/comments?category=resources&sort=least_confident",
        "/workspace/comments?q=ei-mitaan-tallaista",
        f"/workspace/comments/{filled['pii_comment']}",
        f"/workspace/comments/{filled['reviewed_comment']}?done=review",
        "/workspace/agreement",
        "/workspace/sessions",
        f"/workspace/sessions/{filled['session']}",
        f"/workspace/imports/{filled['file']}",
        f"/workspace/jobs/{filled['job']}",
        f"/workspace/jobs/{filled['running_job']}",
        "/workspace/summary",
        f"/workspace/summary?session={filled['session']}&reviewed=1",
        "/workspace/ask",
        "/workspace/ask?q=Mit%C3%A4+sanottiin+kilpailutuksesta%3F",
        "/admin/events",
        f"/admin/events/{filled['event']}",
        "/admin/users",
        "/admin/models",
        "/admin/audit",
        "/admin/privacy",
        "/accessibility",
    ]


@pytest.mark.parametrize(("lang", "width"), [("fi", 1280), ("sv", 1280), ("en", 1280), ("fi", 360)])
def test_workspace_pages_have_no_violations(live_server, browser, admin, filled, lang, width):
    # At 360 px every wide table scrolls sideways, so each must be reachable by keyboard.
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/sign-in?lang={lang}")
    page.locator("#email").fill(admin)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#password").press("Enter")
    found = {}
    for path in workspace_pages(filled):
        url = f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}"
        response = page.goto(url)
        assert response is not None and response.status == 200, (path, response)
        assert page.locator("html").get_attribute("lang") == lang
        found[path] = violations(page)
    # Forms with errors: an empty session name, a missing file.
    page.goto(f"{live_server}/workspace/sessions?lang={lang}")
    page.locator("#s-held_on").fill("2024-10-24")
    page.evaluate("document.querySelector('#s-name').removeAttribute('required')")
    page.locator("#s-name").fill("   ")
    with page.expect_navigation():
        page.locator("#s-name").press("Enter")
    assert page.locator(".field-error").count() >= 1
    found["sessions:errors"] = violations(page)
    page.goto(f"{live_server}/workspace/sessions/{filled['session']}?lang={lang}")
    page.evaluate("document.querySelector('#file').removeAttribute('required')")
    with page.expect_navigation():
        page.locator("#file ~ button.primary").click()
    assert page.locator("#file-error").count() == 1
    found["session:upload-error"] = violations(page)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_the_admin_sees_the_admin_navigation(live_server, browser, admin, filled):
    """The check above really runs signed in, on the admin's pages (not on the sign-in page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/sign-in?lang=en")
    page.locator("#email").fill(admin)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#password").press("Enter")
    page.goto(f"{live_server}/admin/users")
    nav = page.get_by_role("navigation", name="Workspace")
    assert nav.get_by_role("link", name="Users").get_attribute("aria-current") == "page"
    context.close()
