"""Consultation sessions and importing their comments, through the workspace pages as a preparer:
the session form, uploading CSV and XLSX files, the preview, the import job and what it stored.

The parser itself is unit-tested in tests/consultations/test_importing.py; these tests follow a
file from the upload form to classified comments in the database. Jobs do not run in a thread
under test: `run_pending` runs the queued import.
"""

import html
import io
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, col, func, select

from assistant.app import create_app
from assistant.audit.models import AuditEntry
from assistant.consultations.models import ConsultationSession, ImportFile
from assistant.feedback.models import Comment
from assistant.jobs.models import Job
from assistant.jobs.service import run_pending
from tests.conftest import make_test_settings
from tests.workspace.conftest import PASSWORD, Signed, create_user, csrf_of

HELSINKI = ZoneInfo("Europe/Helsinki")
FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)<')
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"

# A meeting of the elderly council, typed into Excel and saved as "CSV UTF-8" (BOM, semicolons,
# CRLF); one comment spans two lines inside quotes, and has a semicolon of its own.
FINNISH_ROWS = [
    (
        "Kotihoidon käyntiajat ovat liian lyhyitä, eikä hoitaja ehdi edes keskustella asiakkaan "
        "kanssa.",
        "",
        "",
        "17.9.2024",
    ),
    (
        "Palveluseteli pitää ottaa käyttöön myös omaishoidon vapaissa, jotta pienet paikalliset "
        "yritykset pääsevät mukaan.",
        "Yrittäjä",
        "Hoivapalvelu Koivu Oy",
        "18.9.2024",
    ),
    (
        "Asukkaiden kokemuksia pitäisi kerätä joka vuosi, ja tulokset pitää julkaista "
        "yksiköittäin.",
        "Omainen",
        "",
        "",
    ),
    (
        "Iltavuorossa yksi hoitaja vastaa kahdestakymmenestä asukkaasta; se ei ole turvallista.\n"
        "Lisää henkilöstöä tarvitaan heti.",
        "Henkilöstö",
        "Tampereen yliopistollinen sairaala",
        "19.09.2024",
    ),
]
FINNISH_CSV = (
    "\ufeffKommentti;Sidosryhmä;Organisaatio;Päivämäärä\r\n"
    + "".join(
        f'"{text}";{group};{organisation};{day}\r\n'
        for text, group, organisation, day in FINNISH_ROWS
    )
).encode("utf-8")

SWEDISH_CSV = (
    "Kommentar,Intressentgrupp,Organisation,Datum\n"
    '"Upphandlingarna måste delas i mindre helheter, annars har små företag i Österbotten ingen '
    'chans.",Företag,Närpes Hemtjänst Ab,2024-10-02\n'
    '"Äldrerådet vill att kvaliteten följs upp med oanmälda besök, också i privata '
    'serviceboenden.",Äldrerådet,,2.10.2024\n'
    '"Vi saknar svenskspråkig personal på kvällarna, och vikarier finns inte att få.",'
    "Anställd,Vasa centralsjukhus,2024-10-03 14:30\n"
).encode()

CP1252_CSV = (
    "Palaute;Päivämäärä\r\n"
    "Palvelusetelin arvo 32 € tunnilta ei kata yrittäjän kustannuksia, joten moni pieni "
    "hoivayritys lopettaa.;5.11.2024\r\n"
    '"Oman tuotannon tuntihinta pitää laskea samoin kuin ostopalvelujen; muuten ""halvempi"" '
    'on vain laskutapa.";5.11.2024\r\n'
).encode("cp1252")

BAD_ROWS_CSV = (
    "Kommentti;Päivämäärä\r\n"
    "Etävastaanottoa kannattaa kokeilla myös hammashoitolassa.;1.10.2024\r\n"
    ";2.10.2024\r\n"
    "Neuvolan aukioloaikoja pitäisi pidentää iltaan.;31.2.2024\r\n"
    "Etävastaanottoa kannattaa kokeilla myös hammashoitolassa.;1.10.2024\r\n"
    "Vammaispalvelujen asiakasraati kannattaa perustaa pysyväksi.;\r\n"
).encode()


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def preparer(sign_in) -> Signed:
    """A signed-in preparer whose pages come in English (the messages are checked by text)."""
    signed = sign_in("preparer")
    signed.client.headers["Accept-Language"] = "en"
    return signed


def xlsx(rows: list[list[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds `rows` from A1 (None leaves a cell empty)."""
    workbook = Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def new_session(preparer: Signed, **fields: str) -> int:
    """A consultation session recorded through the form; returns its id."""
    form = {
        "name": "Vanhusneuvoston kokous",
        "stakeholder": "influence_body",
        "body": "Pirkanmaan vanhusneuvosto",
        "held_on": "2024-09-16",
        "kind": "meeting",
        **fields,
    }
    response = preparer.client.post(
        "/workspace/sessions", data={"csrf": preparer.csrf, **form}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/workspace/sessions/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def upload(preparer: Signed, session_id: int, filename: str, data: bytes, mime="text/csv"):
    return preparer.client.post(
        f"/workspace/sessions/{session_id}/imports",
        data={"csrf": preparer.csrf},
        files={"file": (filename, data, mime)},
        follow_redirects=False,
    )


def uploaded(preparer: Signed, session_id: int, filename: str, data: bytes) -> int:
    """Upload a file that must be accepted; returns the stored file's id."""
    response = upload(preparer, session_id, filename, data)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/workspace/imports/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def start(preparer: Signed, file_id: int, **mapping: int | None):
    """POST the preview's import form with a column mapping (None: no such column)."""
    form = {name: "" for name in ("text", "stakeholder", "organisation", "date", "external_id")}
    form.update({name: "" if index is None else str(index) for name, index in mapping.items()})
    return preparer.client.post(
        f"/workspace/imports/{file_id}",
        data={"csrf": preparer.csrf, **form},
        follow_redirects=False,
    )


def imported(preparer: Signed, app, file_id: int, **mapping: int | None) -> int:
    """Start the import, run it, and return the job's id."""
    response = start(preparer, file_id, **mapping)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/workspace/jobs/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    assert run_pending(app.state.engine) >= 1
    return int(match.group(1))


def comments_of(db_session: Session, session_id: int) -> list[Comment]:
    db_session.rollback()
    return list(
        db_session.exec(
            select(Comment).where(Comment.consultation_id == session_id).order_by(col(Comment.id))
        ).all()
    )


def count(db_session: Session, model) -> int:
    db_session.rollback()
    return db_session.exec(select(func.count()).select_from(model)).one()


def errors_of(page) -> list[str]:
    return [html.unescape(message) for message in FIELD_ERROR.findall(page.text)]


def text_of(page) -> str:
    """A page's visible text, tags removed and whitespace collapsed."""
    main = page.text.split('<main id="main"', 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def job_facts(page) -> dict[str, str]:
    """The result list of a job page: {"Rows in the file": "4", ...}."""
    pairs = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", page.text)
    return {html.unescape(term): html.unescape(value) for term, value in pairs}


def error_rows(page) -> list[tuple[str, str]]:
    """The (row number, reason) pairs of the "Rows with errors" table on a preview or job page."""
    pairs = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", page.text)
    return [(number, html.unescape(reason)) for number, reason in pairs]


def import_audits(db_session: Session, session_id: int) -> list[AuditEntry]:
    db_session.rollback()
    return list(
        db_session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "import.comments", AuditEntry.target_id == str(session_id))
            .order_by(col(AuditEntry.id))
        ).all()
    )


def local_day(comment: Comment) -> date:
    moment = comment.created_at.astimezone(HELSINKI)
    assert moment.time() == time(12)  # a row's date becomes noon of that day in Helsinki
    return moment.date()


def assert_classified(comment: Comment) -> None:
    assert comment.source == "import"
    assert comment.lemmas and comment.lemmas.strip()
    assert comment.top_score > 0
    assert comment.top_score == max(comment.scores.values())
    assert comment.predicted_label == max(comment.scores, key=comment.scores.get)
    assert comment.model_version
    assert comment.reference.startswith("VP-")
    assert comment.status == "new"
    assert comment.content_hash


# --- sessions ------------------------------------------------------------------------------------


def test_a_session_is_recorded_through_the_form(preparer, db_session):
    session_id = new_session(
        preparer,
        name="Markkinavuoropuhelu kotihoidon palveluseteleistä",
        stakeholder="producer_company",
        body="Pirkanmaan Yrittäjät",
        held_on="2024-10-08",
        kind="market_dialogue",
        notes="Paikalla 14 yritystä, kaksi järjestöä.",
    )
    db_session.rollback()
    row = db_session.get(ConsultationSession, session_id)
    assert row.name == "Markkinavuoropuhelu kotihoidon palveluseteleistä"
    assert (row.stakeholder, row.body, row.held_on, row.kind) == (
        "producer_company",
        "Pirkanmaan Yrittäjät",
        date(2024, 10, 8),
        "market_dialogue",
    )
    assert row.notes == "Paikalla 14 yritystä, kaksi järjestöä."
    entry = db_session.exec(
        select(AuditEntry).where(
            AuditEntry.action == "session.create", AuditEntry.target_id == str(session_id)
        )
    ).one()
    assert entry.actor == preparer.email
    assert entry.after["held_on"] == "2024-10-08"

    page = preparer.client.get(f"/workspace/sessions/{session_id}")
    assert page.status_code == 200
    assert "Markkinavuoropuhelu kotihoidon palveluseteleistä" in page.text
    assert 'name="file"' in page.text
    listing = preparer.client.get("/workspace/sessions")
    assert f'href="/workspace/sessions/{session_id}"' in listing.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": ""}, "held_on"),
        ({"held_on": "31.9.2024"}, "held_on"),
        ({"kind": "sauna_evening"}, "kind"),
        ({"stakeholder": "martian"}, "stakeholder"),
        ({"name": "   "}, "name"),
    ],
)
def test_an_invalid_session_form_shows_the_field_and_saves_nothing(
    preparer, db_session, changes, field
):
    before = count(db_session, ConsultationSession)
    form = {
        "csrf": preparer.csrf,
        "name": "Nuorisovaltuuston kuuleminen",
        "stakeholder": "influence_body",
        "body": "Nuorisovaltuusto",
        "held_on": "2024-11-12",
        "kind": "meeting",
        **changes,
    }
    response = preparer.client.post("/workspace/sessions", data=form)
    assert response.status_code == 422
    assert f'<p class="field-error" id="s-{field}-error">Check this field.</p>' in response.text
    assert f'aria-invalid="true" aria-describedby="s-{field}-error"' in response.text
    assert 'value="Nuorisovaltuusto"' in response.text  # what was typed is kept
    assert count(db_session, ConsultationSession) == before


# --- imports that work ---------------------------------------------------------------------------


def test_finnish_excel_csv_with_bom_and_semicolons(preparer, workspace_app, db_session):
    session_id = new_session(preparer)
    file_id = uploaded(preparer, session_id, "vanhusneuvosto_syyskuu.csv", FINNISH_CSV)

    preview = preparer.client.get(f"/workspace/imports/{file_id}")
    assert preview.status_code == 200
    shown = text_of(preview)
    assert "4 rows: 4 ready to import, 0 already in this session, 0 with errors." in shown
    for name, index in (("text", 0), ("stakeholder", 1), ("organisation", 2), ("date", 3)):
        assert re.search(
            rf'<select id="m-{name}" name="{name}"[^>]*>.*?<option value="{index}" selected>',
            preview.text,
            flags=re.S,
        ), name
    assert "the session's: " in shown  # the first row names no group
    assert "Hoivapalvelu Koivu Oy" in shown

    response = start(preparer, file_id, text=0, stakeholder=1, organisation=2, date=3)
    assert response.status_code == 303
    job_url = response.headers["location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    status = preparer.client.get(f"{job_url}/status")
    assert status.json() == {"status": "queued", "progress": 0.0, "message": ""}
    assert status.headers["cache-control"] == "no-store"
    assert "Waiting to start" in preparer.client.get(job_url).text

    assert run_pending(workspace_app.state.engine) >= 1
    assert preparer.client.get(f"{job_url}/status").json() == {
        "status": "done",
        "progress": 1.0,
        "message": "4/4",
    }
    page = preparer.client.get(job_url)
    assert page.status_code == 200
    assert job_facts(page) == {
        "Rows in the file": "4",
        "Comments imported and classified": "4",
        "Already in the session (skipped)": "0",
        "Rows with errors": "0",
    }
    assert f'href="/workspace/comments?session={session_id}"' in page.text

    comments = comments_of(db_session, session_id)
    assert [c.text for c in comments] == [row[0] for row in FINNISH_ROWS]
    for comment in comments:
        assert_classified(comment)
        assert comment.lang == "fi"
        assert comment.external_id is None
    assert [c.stakeholder for c in comments] == [
        "influence_body",  # no group on the row: the session's
        "producer_company",
        "resident",
        "staff",
    ]
    assert [c.organisation for c in comments] == [
        None,
        "Hoivapalvelu Koivu Oy",
        None,
        "Tampereen yliopistollinen sairaala",
    ]
    assert [local_day(c) for c in comments] == [
        date(2024, 9, 17),
        date(2024, 9, 18),
        date(2024, 9, 16),  # no date on the row: the session's day
        date(2024, 9, 19),
    ]

    db_session.rollback()
    stored = db_session.get(ImportFile, file_id)
    assert stored.job_id == job_id
    assert stored.mapping == {
        "text": 0,
        "stakeholder": 1,
        "organisation": 2,
        "date": 3,
        "external_id": None,
    }
    (entry,) = import_audits(db_session, session_id)
    assert entry.actor == preparer.email
    assert entry.target_type == "session"
    assert entry.after["file"] == "vanhusneuvosto_syyskuu.csv"
    assert (entry.after["imported"], entry.after["duplicates"], entry.after["errors"]) == (4, 0, 0)
    assert entry.after["sha256"] == stored.sha256

    # The imported comments are in the review list, filtered by their session.
    listing = preparer.client.get("/workspace/comments", params={"session": session_id})
    assert "4 comments match." in listing.text
    session_page = preparer.client.get(f"/workspace/sessions/{session_id}")
    assert f'<a href="/workspace/comments?session={session_id}">4 comments</a>' in (
        session_page.text
    )


def test_swedish_comma_csv_without_bom(preparer, workspace_app, db_session):
    session_id = new_session(
        preparer,
        name="Informationsmöte i Närpes",
        stakeholder="resident",
        body="",
        held_on="2024-10-01",
        kind="information_session",
    )
    file_id = uploaded(preparer, session_id, "närpes_samråd.csv", SWEDISH_CSV)
    preview = preparer.client.get(f"/workspace/imports/{file_id}")
    assert "3 rows: 3 ready to import, 0 already in this session, 0 with errors." in text_of(
        preview
    )

    job_id = imported(
        preparer, workspace_app, file_id, text=0, stakeholder=1, organisation=2, date=3
    )
    assert (
        job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))[
            "Comments imported and classified"
        ]
        == "3"
    )

    comments = comments_of(db_session, session_id)
    assert len(comments) == 3
    assert comments[0].text.startswith("Upphandlingarna måste delas i mindre helheter, annars")
    for comment in comments:
        assert_classified(comment)
        assert comment.lang == "sv"
    assert [c.stakeholder for c in comments] == ["producer_company", "influence_body", "staff"]
    assert [c.organisation for c in comments] == [
        "Närpes Hemtjänst Ab",
        None,
        "Vasa centralsjukhus",
    ]
    assert [local_day(c) for c in comments] == [
        date(2024, 10, 2),
        date(2024, 10, 2),
        date(2024, 10, 3),
    ]


def test_windows_1252_semicolon_csv(preparer, workspace_app, db_session):
    session_id = new_session(
        preparer,
        name="Yrittäjien kuulemistilaisuus",
        stakeholder="producer_company",
        body="Pirkanmaan Yrittäjät",
        held_on="2024-11-05",
        kind="market_dialogue",
    )
    file_id = uploaded(preparer, session_id, "PALAUTE.CSV", CP1252_CSV)
    imported(preparer, workspace_app, file_id, text=0, date=1)

    comments = comments_of(db_session, session_id)
    assert [c.text for c in comments] == [
        "Palvelusetelin arvo 32 € tunnilta ei kata yrittäjän kustannuksia, joten moni pieni "
        "hoivayritys lopettaa.",
        'Oman tuotannon tuntihinta pitää laskea samoin kuin ostopalvelujen; muuten "halvempi" '
        "on vain laskutapa.",
    ]
    for comment in comments:
        assert_classified(comment)
        assert comment.stakeholder == "producer_company"
        assert local_day(comment) == date(2024, 11, 5)


def test_xlsx_with_ids_and_date_cells_and_its_reimport(preparer, workspace_app, db_session):
    session_id = new_session(
        preparer,
        name="Asukaskysely lasten ja perheiden palveluista",
        stakeholder="resident",
        body="",
        held_on="2024-11-30",
        kind="survey",
    )
    header = ["Vastaustunnus", "Kommentti", "Vastaajaryhmä", "Päivämäärä"]
    rows: list[list[object]] = [
        [
            101,
            "Perhekeskukseen pitäisi saada ilta-aikoja, kun molemmat vanhemmat ovat töissä.",
            "Asukas",
            datetime(2024, 11, 4),
        ],
        [
            102,
            "Koulukuraattoreita on liian vähän: yksi kuraattori kolmelle koululle ei riitä.",
            "Henkilöstö",
            date(2024, 11, 5),
        ],
        [
            103,
            "Kokeilkaa perhevalmennusta myös verkossa, ja kerätkää palaute jokaisesta kerrasta.",
            None,
            datetime(2024, 11, 6, 21, 45),
        ],
    ]
    data = xlsx([header, *rows])
    file_id = uploaded(preparer, session_id, "Asukaskysely 2024.xlsx", data)
    preview = preparer.client.get(f"/workspace/imports/{file_id}")
    shown = text_of(preview)
    assert "3 rows: 3 ready to import, 0 already in this session, 0 with errors." in shown
    assert "Nov 4, 2024" in shown

    imported(preparer, workspace_app, file_id, text=1, stakeholder=2, date=3, external_id=0)
    comments = comments_of(db_session, session_id)
    assert [c.external_id for c in comments] == ["101", "102", "103"]
    assert [c.text for c in comments] == [row[1] for row in rows]
    assert [c.stakeholder for c in comments] == ["resident", "staff", "resident"]
    assert [local_day(c) for c in comments] == [
        date(2024, 11, 4),
        date(2024, 11, 5),
        date(2024, 11, 6),
    ]
    for comment in comments:
        assert_classified(comment)

    # The same workbook again, and a re-export where one answer was tidied up: the ids decide.
    rows[0][1] = "Perhekeskukseen pitäisi saada ilta-aikoja, koska molemmat vanhemmat ovat töissä."
    for name, workbook in (
        ("Asukaskysely 2024.xlsx", data),
        ("uusi vienti.xlsx", xlsx([header, *rows])),
    ):
        again = uploaded(preparer, session_id, name, workbook)
        shown = text_of(preparer.client.get(f"/workspace/imports/{again}"))
        assert "3 rows: 0 ready to import, 3 already in this session, 0 with errors." in shown
        job_id = imported(
            preparer, workspace_app, again, text=1, stakeholder=2, date=3, external_id=0
        )
        facts = job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))
        assert facts["Comments imported and classified"] == "0"
        assert facts["Already in the session (skipped)"] == "3"
    assert len(comments_of(db_session, session_id)) == 3
    assert [
        (e.after["imported"], e.after["duplicates"]) for e in import_audits(db_session, session_id)
    ] == [
        (3, 0),
        (0, 3),
        (0, 3),
    ]


def test_reimporting_the_same_file_adds_no_comments(preparer, workspace_app, db_session):
    session_id = new_session(preparer, held_on="2024-09-16")
    first = uploaded(preparer, session_id, "vanhusneuvosto.csv", FINNISH_CSV)
    imported(preparer, workspace_app, first, text=0, stakeholder=1, organisation=2, date=3)
    assert len(comments_of(db_session, session_id)) == 4

    second = uploaded(preparer, session_id, "vanhusneuvosto.csv", FINNISH_CSV)
    preview = preparer.client.get(f"/workspace/imports/{second}")
    assert "4 rows: 0 ready to import, 4 already in this session, 0 with errors." in text_of(
        preview
    )
    job_id = imported(
        preparer, workspace_app, second, text=0, stakeholder=1, organisation=2, date=3
    )
    facts = job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))
    assert facts["Comments imported and classified"] == "0"
    assert facts["Already in the session (skipped)"] == "4"

    # Someone opened the file in Excel and saved it again: other case and spacing, same comments.
    resaved = (
        "Kommentti;Päivämäärä\r\n"
        "KOTIHOIDON käyntiajat ovat liian lyhyitä,  eikä hoitaja ehdi edes keskustella "
        "asiakkaan kanssa.;17.9.2024\r\n"
        "Kaupunginosiin tarvitaan lisää matalan kynnyksen kohtaamispaikkoja "
        "ikäihmisille.;17.9.2024\r\n"
    ).encode()
    third = uploaded(preparer, session_id, "vanhusneuvosto (2).csv", resaved)
    job_id = imported(preparer, workspace_app, third, text=0, date=1)
    facts = job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))
    assert (
        facts["Comments imported and classified"],
        facts["Already in the session (skipped)"],
    ) == (
        "1",
        "1",
    )
    texts = [c.text for c in comments_of(db_session, session_id)]
    assert len(texts) == 5
    assert texts[-1].startswith("Kaupunginosiin tarvitaan")
    assert [
        (e.after["imported"], e.after["duplicates"]) for e in import_audits(db_session, session_id)
    ] == [
        (4, 0),
        (0, 4),
        (1, 1),
    ]

    # The same comments in another session are not duplicates there.
    other = new_session(preparer, name="Vanhusneuvoston jatkokokous", held_on="2024-10-14")
    imported(
        preparer, workspace_app, uploaded(preparer, other, "v.csv", FINNISH_CSV), text=0, date=3
    )
    assert len(comments_of(db_session, other)) == 4


def test_files_with_and_without_an_id_column_recognise_each_others_comments(
    preparer, workspace_app, db_session
):
    session_id = new_session(preparer, name="Järjestöjen kuuleminen", held_on="2024-10-02")
    without_ids = (
        "Kommentti\r\n"
        "Pienet yhdistykset eivät jaksa täyttää sadan sivun tarjouspyyntöjä.\r\n"
        "Kiitos!\r\n"
    ).encode()
    first = uploaded(preparer, session_id, "kuuleminen.csv", without_ids)
    imported(preparer, workspace_app, first, text=0)
    assert len(comments_of(db_session, session_id)) == 2

    # The survey tool's re-export, now with its answer ids: the two known answers are not new,
    # but a second, different respondent who also wrote only "Kiitos!" is.
    with_ids = (
        "Tunnus;Kommentti\r\n"
        "A-17;Pienet yhdistykset eivät jaksa täyttää sadan sivun tarjouspyyntöjä.\r\n"
        "A-18;Kiitos!\r\n"
        "A-19;Kiitos!\r\n"
    ).encode()
    second = uploaded(preparer, session_id, "kuuleminen-tunnuksin.csv", with_ids)
    preview = text_of(preparer.client.get(f"/workspace/imports/{second}?text=1&external_id=0"))
    assert "3 rows: 1 ready to import, 2 already in this session, 0 with errors." in preview
    job_id = imported(preparer, workspace_app, second, text=1, external_id=0)
    facts = job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))
    assert facts["Comments imported and classified"] == "1"
    assert facts["Already in the session (skipped)"] == "2"
    stored = comments_of(db_session, session_id)
    assert [(c.external_id, c.text) for c in stored] == [
        (None, "Pienet yhdistykset eivät jaksa täyttää sadan sivun tarjouspyyntöjä."),
        (None, "Kiitos!"),
        ("A-19", "Kiitos!"),
    ]

    # And back: the file without ids adds nothing either.
    third = uploaded(preparer, session_id, "kuuleminen.csv", without_ids)
    job_id = imported(preparer, workspace_app, third, text=0)
    facts = job_facts(preparer.client.get(f"/workspace/jobs/{job_id}"))
    assert facts["Comments imported and classified"] == "0"
    assert len(comments_of(db_session, session_id)) == 3


def test_starting_the_same_import_twice_runs_it_once(preparer, workspace_app, db_session):
    session_id = new_session(preparer)
    file_id = uploaded(preparer, session_id, "kokous.csv", CP1252_CSV)
    first = start(preparer, file_id, text=0, date=1)
    second = start(preparer, file_id, text=0, date=1)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    db_session.rollback()
    jobs = db_session.exec(select(Job).where(Job.kind == "import")).all()
    assert sum(1 for job in jobs if job.payload.get("file_id") == file_id) == 1
    run_pending(workspace_app.state.engine)
    assert len(comments_of(db_session, session_id)) == 2


def test_bad_rows_are_listed_by_row_number_and_the_good_rows_imported(
    preparer, workspace_app, db_session
):
    session_id = new_session(
        preparer,
        name="Vammaisneuvoston kokous",
        body="Vammaisneuvosto",
        held_on="2024-10-04",
    )
    file_id = uploaded(preparer, session_id, "vammaisneuvosto.csv", BAD_ROWS_CSV)
    preview = preparer.client.get(f"/workspace/imports/{file_id}")
    assert preview.status_code == 200
    assert "5 rows: 2 ready to import, 0 already in this session, 3 with errors." in text_of(
        preview
    )
    expected_errors = [
        ("3", "The comment text is empty."),
        ("4", "The date “31.2.2024” could not be read. Write it as 17.9.2024 or 2024-09-17."),
        ("5", "This row repeats row 2."),
    ]
    assert error_rows(preview) == expected_errors

    job_id = imported(preparer, workspace_app, file_id, text=0, date=1)
    page = preparer.client.get(f"/workspace/jobs/{job_id}")
    assert job_facts(page) == {
        "Rows in the file": "5",
        "Comments imported and classified": "2",
        "Already in the session (skipped)": "0",
        "Rows with errors": "3",
    }
    assert "Rows that were not imported" in page.text
    assert error_rows(page) == expected_errors
    result = preparer.client.get(f"/workspace/jobs/{job_id}/status").json()
    assert result["status"] == "done"

    comments = comments_of(db_session, session_id)
    assert [c.text for c in comments] == [
        "Etävastaanottoa kannattaa kokeilla myös hammashoitolassa.",
        "Vammaispalvelujen asiakasraati kannattaa perustaa pysyväksi.",
    ]
    assert [local_day(c) for c in comments] == [date(2024, 10, 1), date(2024, 10, 4)]
    for comment in comments:
        assert_classified(comment)
        assert comment.stakeholder == "influence_body"
    (entry,) = import_audits(db_session, session_id)
    assert (entry.after["imported"], entry.after["errors"]) == (2, 3)


def test_the_preview_follows_the_chosen_columns_and_needs_a_text_column(
    preparer, workspace_app, db_session
):
    session_id = new_session(preparer)
    file_id = uploaded(preparer, session_id, "vanhusneuvosto.csv", FINNISH_CSV)
    # Taking the organisation column as the text: two rows have none.
    preview = preparer.client.get(f"/workspace/imports/{file_id}", params={"text": "2"})
    assert "4 rows: 2 ready to import, 0 already in this session, 2 with errors." in text_of(
        preview
    )
    assert [number for number, _ in error_rows(preview)] == ["2", "4"]

    response = start(preparer, file_id, text=None, stakeholder=1)
    assert response.status_code == 422
    assert "Choose the column that holds the comments." in errors_of(response)
    db_session.rollback()
    assert db_session.get(ImportFile, file_id).job_id is None
    assert run_pending(workspace_app.state.engine) == 0
    assert comments_of(db_session, session_id) == []


# --- uploads that are refused --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "kuva.csv",
            PNG,
            "The file does not look like CSV text. Save it as CSV (UTF-8) or as XLSX and try again.",
        ),
        (
            "kuva.xlsx",
            PNG,
            "The file could not be read as an Excel workbook (XLSX). Open it in a spreadsheet "
            "program and save it again as .xlsx.",
        ),
        (
            "pöytäkirja.pdf",
            b"%PDF-1.7\n",
            "Only CSV and XLSX files can be imported. Save the spreadsheet as .xlsx or .csv and "
            "try again.",
        ),
        ("tyhjä.csv", b"", "The file is empty."),
        (
            "otsikot.csv",
            "Kommentti;Päivämäärä\r\n".encode(),
            "The file has a header row but no comments below it.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_session_page(
    preparer, db_session, filename, data, message
):
    session_id = new_session(preparer)
    before = count(db_session, ImportFile)
    response = upload(preparer, session_id, filename, data)
    assert response.status_code == 422
    assert message in errors_of(response)
    assert 'aria-invalid="true" aria-describedby="file-error"' in response.text
    assert "Import comments from a file" in response.text  # the session page, form and all
    assert count(db_session, ImportFile) == before


def test_posting_without_a_file_asks_for_one(preparer, db_session):
    session_id = new_session(preparer)
    before = count(db_session, ImportFile)
    response = preparer.client.post(
        f"/workspace/sessions/{session_id}/imports", data={"csrf": preparer.csrf}
    )
    assert response.status_code == 422
    assert errors_of(response) == ["Choose a file."]
    nameless = upload(preparer, session_id, "", "Kommentti\r\nHyvä\r\n".encode())
    assert nameless.status_code == 422
    assert count(db_session, ImportFile) == before


def test_a_file_over_the_limit_is_refused_with_413(db_url, db_session):
    limit = 1024 * 1024
    app = create_app(make_test_settings(db_url, max_upload_bytes=limit))
    with TestClient(app):
        email = create_user(db_url, "preparer")
        client = TestClient(app, headers={"Accept-Language": "en"})
        page = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        preparer = Signed(client=client, email=email, csrf=csrf_of(page.text))
        session_id = new_session(preparer)
        before = count(db_session, ImportFile)
        line = "Kotihoidon asiakkaat tarvitsevat enemmän aikaa ja samat tutut hoitajat.\r\n"
        body = "Kommentti\r\n" + line * (limit // len(line.encode()) + 1)

        response = upload(preparer, session_id, "iso.csv", body.encode())
        assert response.status_code == 413
        assert errors_of(response) == ["The file is too large: at most 1 MB."]
        assert "Import comments from a file" in response.text

        # Far beyond the limit the request is turned away before the file is even read.
        huge = upload(preparer, session_id, "valtava.csv", (body * 2).encode())
        assert huge.status_code == 413
        assert "What you sent is larger than this service accepts. Nothing was saved." in (
            huge.text
        )
        assert count(db_session, ImportFile) == before


def test_the_job_status_endpoint(preparer, anonymous, workspace_app):
    session_id = new_session(preparer)
    file_id = uploaded(preparer, session_id, "kysely.csv", CP1252_CSV)
    response = start(preparer, file_id, text=0, date=1)
    job_url = response.headers["location"]
    assert preparer.client.get(f"{job_url}/status").json()["status"] == "queued"
    outsider = anonymous.get(f"{job_url}/status", follow_redirects=False)
    assert outsider.status_code == 303
    assert outsider.headers["location"].startswith("/sign-in")
    run_pending(workspace_app.state.engine)
    done = preparer.client.get(f"{job_url}/status")
    assert done.status_code == 200
    assert done.json() == {"status": "done", "progress": 1.0, "message": "2/2"}
    missing = preparer.client.get("/workspace/jobs/987654321/status")
    assert missing.status_code == 404
    assert preparer.client.get("/workspace/jobs/987654321").status_code == 404
