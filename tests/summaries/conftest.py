"""A classified dataset for the summary, report and ask tests, in a database of its own and, for
the tests through HTTP, in the shared SQLite and PostgreSQL test databases.

The comments are a fixed sample of the labelled corpus (random.Random(7), 150 comments) plus
hand-written ones that the tests need word for word: comments with personal data, the NGOs'
comments about costs, a comment that a spreadsheet would read as a formula. spaCy and the
classifier run once per test session; rows are then stored like the service stores them
(`build_comment`), with statuses, preparers' categories, consultation sessions and dates set the
way the review and the imports would have left them.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.corpus import load_comments
from assistant.classifier.registry import Prediction
from assistant.consultations.models import ConsultationSession, SessionKind
from assistant.db import build_engine
from assistant.feedback.enums import CommentSource, CommentStatus
from assistant.feedback.models import Comment, Contact, Conversation
from assistant.feedback.service import build_comment
from assistant.migrate import upgrade
from tests.workspace.conftest import anonymous, sign_in, workspace_app  # noqa: F401

SAMPLE_SIZE = 150
SAMPLE_SEED = 7

# The person whose contact details the service holds; comments mention her.
KNOWN_PERSON = "Maija Virtanen"


@dataclass(frozen=True)
class SessionSpec:
    """A consultation session of the dataset."""

    key: str
    name: str
    stakeholder: str
    body: str | None
    held_on: date
    kind: SessionKind


SESSIONS = (
    SessionSpec(
        "elderly",
        "Vanhusneuvoston kokouskäsittely",
        "influence_body",
        "Vanhusneuvosto",
        date(2024, 9, 17),
        SessionKind.meeting,
    ),
    SessionSpec(
        "committee",
        "Asiakkuus- ja laatujaoston käsittely",
        "committee",
        "Asiakkuus- ja laatujaosto",
        date(2024, 9, 24),
        SessionKind.meeting,
    ),
    SessionSpec(
        "ngo",
        "Järjestötuottajien keskustelu",
        "producer_ngo",
        "järjestötuottajat",
        date(2024, 10, 3),
        SessionKind.market_dialogue,
    ),
    SessionSpec(
        "staff_info",
        "Henkilöstön infotilaisuus",
        "staff",
        None,
        date(2024, 10, 8),
        SessionKind.information_session,
    ),
    SessionSpec(
        "staff_survey", "Henkilöstökysely", "staff", None, date(2024, 10, 21), SessionKind.survey
    ),
    # Recorded, but no comment came from it: Table 1 leaves it out.
    SessionSpec(
        "youth",
        "Nuorisovaltuuston kokous",
        "influence_body",
        "Nuorisovaltuusto",
        date(2024, 11, 5),
        SessionKind.meeting,
    ),
)


@dataclass(frozen=True)
class Written:
    """A hand-written comment and how the review left it."""

    key: str
    lang: str
    stakeholder: str
    text: str
    session: str | None = None
    status: CommentStatus = CommentStatus.new
    final_label: str | None = None
    created_at: datetime | None = None


# Comments with personal data, all from the group "other" (which the corpus sample does not
# have), one per category: filtered to "other", every one of them is the quote of its category.
PII = (
    Written(
        "pii_phone",
        "fi",
        "other",
        "Äidin kotihoidon käynnit ovat jääneet tässä kuussa kolme kertaa kokonaan väliin, eikä "
        "kukaan ilmoittanut siitä etukäteen. Soittakaa 040 123 4567, niin kerron tarkemmin.",
        status=CommentStatus.reviewed,
        final_label="quality",
    ),
    Written(
        "pii_email",
        "fi",
        "other",
        "Pieni yhdistyksemme ei jaksa täyttää sadan sivun tarjouspyyntöä, vaikka palvelumme on "
        "alueen ainoa lajissaan. Vastaan mielelläni lisäkysymyksiin: maija.virtanen@example.fi",
        status=CommentStatus.reviewed,
        final_label="small_producers",
    ),
    Written(
        "pii_hetu",
        "fi",
        "other",
        "Asiakasmaksun laskussa oli isäni tiedot (hetu 010150-123T), ja maksu oli kalliimpi kuin "
        "yksityisellä palveluntuottajalla. Oman tuotannon hinnat pitää kertoa avoimesti.",
        status=CommentStatus.reviewed,
        final_label="cost_comparability",
    ),
    Written(
        "pii_name",
        "fi",
        "other",
        "Esihenkilömme Maija Virtanen on yrittänyt koko syksyn saada osastolle sijaisia, mutta "
        "rahaa ei ole. Virtaselle luvattiin kaksi uutta hoitajaa jo keväällä, eikä ketään tullut.",
        status=CommentStatus.reviewed,
        final_label="resources",
    ),
    Written(
        "pii_sv",
        "sv",
        "other",
        "Pröva gärna digitala hembesök i skärgården. Maija Virtanens team i Korsholm har redan "
        "goda erfarenheter av det, ring henne på 050 987 6543 så berättar hon mer.",
        status=CommentStatus.reviewed,
        final_label="development",
    ),
)
PII_STRINGS = (
    "040 123 4567",
    "maija.virtanen@example.fi",
    "010150-123T",
    "Maija",
    "Virtanen",
    "Virtaselle",
    "050 987 6543",
)

# What the NGOs and others said about costs, for the questions.
ASK = (
    Written(
        "ngo_costs_twice",
        "fi",
        "producer_ngo",
        "Järjestöjen kustannukset nousevat joka vuosi, mutta avustukset pysyvät ennallaan. "
        "Kustannukset pitäisi korvata todellisten kulujen mukaan eikä vuosien takaisilla hinnoilla.",
        session="ngo",
        status=CommentStatus.reviewed,
        final_label="small_producers",
    ),
    Written(
        "ngo_comparison",
        "fi",
        "producer_ngo",
        "Kustannusvertailu oman tuotannon ja järjestöjen palvelujen välillä pitää tehdä avoimesti "
        "ja samoilla säännöillä, muuten järjestön palvelua pidetään aina kalliimpana vaihtoehtona.",
        session="ngo",
    ),
    Written(
        "ngo_day_centre",
        "fi",
        "producer_ngo",
        "Päiväkeskuksemme kustannuksista suurin osa on vuokraa ja palkkoja. Jos "
        "hyvinvointialue laskee omasta päiväkeskuksestaan vain palkat, vertailu ei ole reilu.",
        session="ngo",
    ),
    Written(
        "ngo_volunteers",
        "fi",
        "producer_ngo",
        "Vapaaehtoiset eivät voi korvata ammattilaisia, mutta he tuovat yksinäisille vanhuksille "
        "arkeen seuraa ja turvaa. Yhdistyksille pitää antaa tilaa tehdä tätä työtä.",
        session="ngo",
    ),
    Written(
        "ngo_hidden",
        "fi",
        "producer_ngo",
        "Kustannukset kustannukset kustannukset! Kukaan ei kuuntele meitä, turha tätä on "
        "kommentoida ollenkaan.",
        session="ngo",
        status=CommentStatus.hidden,
    ),
    Written(
        "ngo_formula",
        "fi",
        "producer_ngo",
        "=SUM(1) on kaikki, mitä taulukosta näkee, kun järjestön kaikki kustannukset niputetaan "
        "yhdelle riville. Kulut pitää eritellä samalla tavalla kuin oman tuotannon kulut.",
        session="ngo",
    ),
    Written(
        "ngo_sv",
        "sv",
        "producer_ngo",
        "Vår förening har höga kostnader för lokalerna, och kostnaderna syns inte alls i "
        "ersättningen från välfärdsområdet. Jämför gärna med vad egen produktion betalar i hyra.",
        session="ngo",
    ),
    Written(
        "company_costs",
        "fi",
        "producer_company",
        "Yrityksemme kustannukset on laskettu tarkasti, mutta hyvinvointialueen oman kotihoidon "
        "kustannuksia ei ole julkaistu. Julkaiskaa tuntihinta, jotta hintoja voi verrata.",
    ),
    Written(
        "company_sv",
        "sv",
        "producer_company",
        "Vårt företag redovisar alla kostnader öppet, men kostnaderna för den egna hemvården är "
        "fortfarande en hemlighet. Publicera timpriset.",
    ),
    # Left the county's time zone on the last evening of September, in Helsinki already October.
    Written(
        "month_boundary",
        "fi",
        "resident",
        "Terveysaseman puhelinpalvelu ei vastaa iltaisin, ja ajan saa vasta kolmen viikon päähän. "
        "Palvelun laatu on heikentynyt selvästi viime vuodesta.",
        created_at=datetime(2024, 9, 30, 21, 30, tzinfo=UTC),
    ),
)
WRITTEN = PII + ASK


@dataclass(frozen=True)
class Classified:
    """A comment ready to store: its text, language, group and the classifier's prediction."""

    key: str | None
    text: str
    lang: str
    stakeholder: str
    prediction: Prediction
    written: Written | None = None


@dataclass
class Seeded:
    """A database holding the dataset."""

    url: str
    engine: Engine
    sessions: dict[str, int]  # SessionSpec.key → id
    references: dict[str, str] = field(default_factory=dict)  # Written.key → reference

    def session(self) -> Session:
        """A new session on the database."""
        return Session(self.engine)


@pytest.fixture(scope="session")
def classified(settings, classifier) -> list[Classified]:
    """The corpus sample and the hand-written comments, classified (spaCy runs once)."""
    corpus = load_comments(settings.corpora_dir)
    sample = random.Random(SAMPLE_SEED).sample(corpus, SAMPLE_SIZE)
    texts = [c.text for c in sample] + [w.text for w in WRITTEN]
    langs = [c.lang for c in sample] + [w.lang for w in WRITTEN]
    predictions = classifier.classify_many(texts, langs, explain=False)
    items = [
        Classified(None, c.text, c.lang, c.stakeholder, p)
        for c, p in zip(sample, predictions, strict=False)
    ]
    items += [
        Classified(w.key, w.text, w.lang, w.stakeholder, p, w)
        for w, p in zip(WRITTEN, predictions[len(sample) :], strict=True)
    ]
    return items


def _session_for(index: int, stakeholder: str) -> str | None:
    """The consultation session a sampled comment came from (by its group)."""
    if stakeholder == "influence_body":
        return "elderly"
    if stakeholder == "committee":
        return "committee"
    if stakeholder == "producer_ngo":
        return "ngo"
    if stakeholder == "staff":
        return ("staff_info", "staff_survey", None)[index % 3]
    return None


def seed(session: Session, items: list[Classified]) -> tuple[dict[str, int], dict[str, str]]:
    """Store the sessions, a contact with a known name and the comments; commits."""
    sessions: dict[str, int] = {}
    for spec in SESSIONS:
        row = ConsultationSession(
            name=spec.name,
            stakeholder=spec.stakeholder,
            body=spec.body,
            held_on=spec.held_on,
            kind=spec.kind.value,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        sessions[spec.key] = row.id
    conversation = Conversation(id=uuid.uuid4().hex, lang="fi")
    session.add(conversation)
    session.flush()
    session.add(
        Contact(
            conversation_id=conversation.id,
            name=KNOWN_PERSON,
            email="maija.virtanen@example.fi",
            consent_text="Minuun saa ottaa yhteyttä palautteeni vuoksi.",
        )
    )
    references: dict[str, str] = {}
    start = datetime(2024, 9, 2, 6, 0, tzinfo=UTC)
    for i, item in enumerate(items):
        comment = build_comment(
            session=session,
            prediction=item.prediction,
            text=item.text,
            stakeholder=item.stakeholder,
            organisation=None,
            source=CommentSource.imported,
        )
        comment.predicted_label = str(item.prediction.label)
        comment.created_at = start + timedelta(days=(i * 37) % 80, minutes=(i * 53) % 600)
        written = item.written
        if written is None:
            session_key = _session_for(i, item.stakeholder)
            if i % 10 == 3:
                comment.status = CommentStatus.hidden.value
                comment.hidden_reason = "Asiaton kommentti"
            elif i % 10 == 7:
                comment.status = CommentStatus.withdrawn.value
                comment.withdrawn_at = comment.created_at + timedelta(days=1)
            elif i % 4 == 1:
                comment.status = CommentStatus.reviewed.value
                comment.reviewed_at = comment.created_at + timedelta(days=2)
                if i % 8 == 1:  # the preparer chose another category than the model
                    shift = CATEGORY_KEYS.index(comment.predicted_label) + 2
                    comment.final_label = CATEGORY_KEYS[shift % len(CATEGORY_KEYS)]
        else:
            session_key = written.session
            comment.status = written.status.value
            comment.final_label = written.final_label
            if written.status is CommentStatus.hidden:
                comment.hidden_reason = "Asiaton kommentti"
            if written.created_at is not None:
                comment.created_at = written.created_at
            references[written.key] = comment.reference
        comment.updated_at = comment.created_at
        comment.consultation_id = sessions[session_key] if session_key else None
        session.flush()
    session.commit()
    return sessions, references


@pytest.fixture(scope="session")
def dataset(tmp_path_factory, classified) -> Iterator[Seeded]:
    """A SQLite database of its own holding only the dataset: summaries over all of it are exact."""
    url = f"sqlite:///{tmp_path_factory.mktemp('summaries') / 'summaries.sqlite3'}"
    upgrade(url)
    engine = build_engine(url, begin_immediate=False)
    with Session(engine) as session:
        sessions, references = seed(session, classified)
    yield Seeded(url=url, engine=engine, sessions=sessions, references=references)
    engine.dispose()


@pytest.fixture(scope="session")
def _shared_seeds() -> Iterator[dict[str, Seeded]]:
    seeds: dict[str, Seeded] = {}
    yield seeds
    for seeded in seeds.values():
        seeded.engine.dispose()


@pytest.fixture
def shared_dataset(db_url, classified, _shared_seeds) -> Seeded:
    """The dataset in the shared test database of the backend (stored once per backend).

    Other tests store comments there too: tests narrow to the dataset's consultation sessions.
    """
    if db_url not in _shared_seeds:
        engine = build_engine(db_url, begin_immediate=False)
        with Session(engine) as session:
            sessions, references = seed(session, classified)
        _shared_seeds[db_url] = Seeded(db_url, engine, sessions, references)
    return _shared_seeds[db_url]


def included(session: Session, **where) -> list[Comment]:
    """The dataset's comments a summary covers (new or reviewed), read straight from the table."""
    query = select(Comment).where(
        col(Comment.status).in_([CommentStatus.new.value, CommentStatus.reviewed.value])
    )
    for name, value in where.items():
        query = query.where(getattr(Comment, name) == value)
    return list(session.exec(query.order_by(col(Comment.id))).all())
