"""The preparers' review: the filtered, sorted and paged list, a comment's page, correcting the
category, moderation, notes, history and how often the model, submitter and preparer agree.

Comments come in through the public API (or the feedback assistant, for a withdrawal) and every
change goes through the workspace pages; the database is read only to check what was stored. The
test databases are shared by the whole test session, so each test tags its comments with a token in
the organisation name and narrows the list to them with the text search (`q` also searches the
organisation).
"""

import html
import itertools
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import delete
from sqlmodel import Session, col, select

from assistant.accounts.models import User
from assistant.audit.models import AuditEntry
from assistant.classifier.categories import CATEGORY_KEYS, category
from assistant.consultations.models import ConsultationSession
from assistant.feedback import review
from assistant.feedback.models import Comment, CommentNote
from assistant.feedback.service import new_reference
from tests.feedback.chat_driver import Chat

LISTED = re.compile(
    r'<td role="cell" data-label="[^"]*"><a href="/workspace/comments/([A-Z]{2}-[A-Z0-9]{6})'
)
NEXT_PAGE = re.compile(r'<a href="(/workspace/comments\?[^"]*)" rel="next">Next page</a>')
FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)<')

SMALL_PRODUCERS_FI = (
    "Kilpailutukset on pilkottava pienempiin osiin, jotta paikalliset pienet yritykset ja "
    "yhdistykset pystyvät jättämään tarjouksen. Nyt hankinnat ovat niin isoja, että vain "
    "valtakunnalliset ketjut pärjäävät."
)
COSTS_FI = (
    "Oman tuotannon ja ostopalvelujen kustannuksia ei voi verrata, kun hyvinvointialue ei laske "
    "omalle toiminnalleen samoja yleiskustannuksia kuin yksityisille tuottajille. Yksikköhinnat "
    "pitää julkaista samalla laskentatavalla."
)
QUALITY_FI = (
    "Asumispalveluyksiköihin pitää tehdä valvontakäyntejä myös ennalta ilmoittamatta. Omaisena en "
    "ole koskaan nähnyt laatumittareiden tuloksia, vaikka äitini hoidon laatu on vaihdellut paljon."
)
RESOURCES_FI = (
    "Kotihoidossa on jatkuva henkilöstöpula: hoitaja ehtii asiakkaan luo vain kymmeneksi "
    "minuutiksi. Sijaisia ei saada, ja vakituiset hoitajat uupuvat ylitöihin."
)
DEVELOPMENT_SV = (
    "Välfärdsområdet borde våga pröva nya arbetssätt, till exempel digitala hembesök och försök "
    "med mobila team på landsbygden. Utvärdera försöken öppet och sprid det som fungerar."
)
RESOURCES_SV = (
    "Det saknas svensktalande personal inom hemvården i Närpes och vikarier går inte att få tag "
    "på. Resurserna räcker inte till kvällsbesöken."
)
DEVELOPMENT_FI = (
    "Ähtärin terveysaseman etävastaanottokokeilu kannattaa laajentaa koko alueelle, kun "
    "kokemukset ovat olleet hyviä sekä asiakkaiden että henkilökunnan mielestä."
)
VAGUE_FI = "Kiitos tilaisuudesta, hyvä että asiasta keskustellaan."
PERCENT_FI = (
    "Ostopalvelujen hinnat nousivat viime vuonna 12 %, mutta oman tuotannon kustannusten "
    "muutosta ei kerrottu lainkaan."
)
# Shorter comments for the rows the pagination test stores directly (cycled over many rows).
SHORT_COMMENTS = (
    ("fi", "quality", "Hoitajat vaihtuvat niin usein, ettei isä tunnista ketään kotikäynneillä."),
    ("fi", "resources", "Yöhoitajia on yksi kolmea osastoa kohden, se ei riitä."),
    ("fi", "small_producers", "Pienelle hoivakodille tarjouspyynnön liitteet ovat ylivoimaisia."),
    ("fi", "cost_comparability", "Kertokaa, mitä oman kotihoidon tunti oikeasti maksaa."),
    ("fi", "development", "Kokeilkaa iltaisin avointa neuvolaa, moni vanhempi on päivät töissä."),
    ("sv", "quality", "Min mamma fick vänta tre veckor på att någon bytte hennes förband."),
    ("sv", "resources", "Det finns ingen tolk på hälsostationen i Kristinestad på fredagar."),
    ("sv", "development", "Pröva gärna mobil tandvård för äldre i skärgården."),
)


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def preparer(sign_in):
    """A signed-in preparer whose pages come in English (the messages are checked by text)."""
    signed = sign_in("preparer")
    signed.client.headers["Accept-Language"] = "en"
    return signed


@pytest.fixture
def token() -> str:
    """A tag for this test's comments (put in the organisation, found by the text search)."""
    return uuid.uuid4().hex[:10]


def submit(client, text: str, stakeholder: str, organisation: str | None = None) -> str:
    """A comment through the public API; returns its reference."""
    payload: dict[str, Any] = {"text": text, "stakeholder": stakeholder}
    if organisation:
        payload["organisation"] = organisation
    response = client.post("/api/v1/feedback", json=payload)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def listed(client, **params: str) -> list[str]:
    """The references on one page of the review list, in the order shown."""
    page = client.get("/workspace/comments", params=params)
    assert page.status_code == 200, page.text
    return LISTED.findall(page.text)


def stored(db_session: Session, reference: str) -> Comment:
    db_session.rollback()
    return db_session.exec(select(Comment).where(Comment.reference == reference)).one()


def audit_of(db_session: Session, reference: str, action: str | None = None) -> list[AuditEntry]:
    db_session.rollback()
    query = select(AuditEntry).where(
        AuditEntry.target_type == "comment", AuditEntry.target_id == reference
    )
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db_session.exec(query.order_by(col(AuditEntry.id))).all())


def change(db_session: Session, reference: str, **values: Any) -> None:
    """Change stored fields directly (what the feedback assistant or time would have done)."""
    comment = stored(db_session, reference)
    for name, value in values.items():
        setattr(comment, name, value)
    db_session.add(comment)
    db_session.commit()


def act(preparer, reference: str, action: str, **data: Any):
    """POST one of the comment page's forms, without following the redirect."""
    return preparer.client.post(
        f"/workspace/comments/{reference}/{action}",
        data={"csrf": preparer.csrf, **data},
        follow_redirects=False,
    )


def errors_of(page) -> list[str]:
    return [html.unescape(message) for message in FIELD_ERROR.findall(page.text)]


def name(key: str) -> str:
    """A category's English name as a page shows it."""
    return str(escape(category(key).text("name", "en")))


def insert_comment(
    session: Session,
    *,
    text: str,
    lang: str,
    predicted: str,
    stakeholder: str = "resident",
    top_score: float = 0.8,
    submitter: str | None = None,
    created_at: datetime | None = None,
    consultation_id: int | None = None,
    organisation: str | None = None,
) -> Comment:
    """A comment stored directly, as if classified earlier (the caller commits)."""
    rest = (1.0 - top_score) / (len(CATEGORY_KEYS) - 1)
    scores = {key: top_score if key == predicted else round(rest, 4) for key in CATEGORY_KEYS}
    comment = Comment(
        reference=new_reference(session),
        text=text,
        lang=lang,
        stakeholder=stakeholder,
        organisation=organisation,
        source="api",
        predicted_label=predicted,
        scores=scores,
        top_score=top_score,
        explanation=[],
        model_version="test",
        submitter_label=submitter,
        consultation_id=consultation_id,
        **({"created_at": created_at} if created_at else {}),
    )
    session.add(comment)
    session.flush()
    return comment


# --- the list: filters ---------------------------------------------------------------------------


def test_category_filter_uses_the_preparers_label_before_the_models(
    preparer, anonymous, db_session, token
):
    organisation = f"Pirkanmaan Yrittäjät {token}"
    small = submit(anonymous, SMALL_PRODUCERS_FI, "producer_company", organisation)
    quality = submit(anonymous, QUALITY_FI, "resident", organisation)
    costs = submit(anonymous, COSTS_FI, "council", organisation)
    model_said = stored(db_session, small).predicted_label
    assert model_said != "quality"

    assert act(preparer, small, "review", final_label="quality").status_code == 303

    labels = {ref: stored(db_session, ref).label for ref in (small, quality, costs)}
    assert labels[small] == "quality"
    for key in CATEGORY_KEYS:
        expected = {ref for ref, label in labels.items() if label == key}
        assert set(listed(preparer.client, q=token, category=key)) == expected, key
    assert small in listed(preparer.client, q=token, category="quality")
    assert small not in listed(preparer.client, q=token, category=model_said)

    page = preparer.client.get("/workspace/comments", params={"q": token, "category": "quality"})
    total = sum(1 for label in labels.values() if label == "quality")
    assert f"{total} comments match." in page.text
    # An unknown category is left out of the filters rather than matching nothing.
    assert set(listed(preparer.client, q=token, category="everything")) == set(labels)


def test_stakeholder_language_and_status_filters(preparer, anonymous, db_session, token):
    organisation = f"Länsi-Pirkanmaan hoivayhdistys {token}"
    company = submit(anonymous, SMALL_PRODUCERS_FI, "producer_company", organisation)
    staff_fi = submit(anonymous, RESOURCES_FI, "staff", organisation)
    staff_sv = submit(anonymous, RESOURCES_SV, "staff", organisation)
    ngo_sv = submit(anonymous, DEVELOPMENT_SV, "producer_ngo", organisation)
    resident = submit(anonymous, QUALITY_FI, "resident", organisation)
    mine = {company, staff_fi, staff_sv, ngo_sv, resident}

    assert set(listed(preparer.client, q=token, stakeholder="staff")) == {staff_fi, staff_sv}
    assert set(listed(preparer.client, q=token, stakeholder="producer_ngo")) == {ngo_sv}
    assert set(listed(preparer.client, q=token, in_lang="sv")) == {staff_sv, ngo_sv}
    assert set(listed(preparer.client, q=token, in_lang="fi")) == {company, staff_fi, resident}
    assert set(listed(preparer.client, q=token, in_lang="sv", stakeholder="staff")) == {staff_sv}
    assert set(listed(preparer.client, q=token, stakeholder="martian")) == mine

    assert act(preparer, staff_fi, "review", final_label="resources").status_code == 303
    hidden = act(preparer, company, "hide", reason="Sisältää tarjoajan liikesalaisuuksia")
    assert hidden.status_code == 303
    change(db_session, resident, status="withdrawn", withdrawn_at=datetime.now(UTC))

    assert set(listed(preparer.client, q=token, status="reviewed")) == {staff_fi}
    assert set(listed(preparer.client, q=token, status="hidden")) == {company}
    assert set(listed(preparer.client, q=token, status="new")) == {staff_sv, ngo_sv}
    assert set(listed(preparer.client, q=token, status="withdrawn")) == {resident}
    # Without a status the list shows everything but what the submitters withdrew.
    assert set(listed(preparer.client, q=token)) == mine - {resident}


def test_confidence_bounds_are_whole_percentages_and_inclusive(
    preparer, anonymous, db_session, token
):
    organisation = f"Tampereen kaupunginosayhdistys {token}"
    refs = [
        submit(anonymous, COSTS_FI, "council", organisation),
        submit(anonymous, RESOURCES_FI, "staff", organisation),
        submit(anonymous, VAGUE_FI, "resident", organisation),
    ]
    exact = submit(anonymous, DEVELOPMENT_SV, "producer_ngo", organisation)
    change(db_session, exact, top_score=0.8)
    scores = {ref: stored(db_session, ref).top_score for ref in [*refs, exact]}
    # A whole percentage between the least and the most confident of these comments.
    middle = round((min(scores.values()) + max(scores.values())) * 50)
    sure = {ref for ref, score in scores.items() if score >= middle / 100}
    unsure = {ref for ref, score in scores.items() if score <= middle / 100}
    assert sure and unsure

    assert set(listed(preparer.client, q=token, min_conf=str(middle))) == sure
    assert set(listed(preparer.client, q=token, max_conf=str(middle))) == unsure
    assert exact in listed(preparer.client, q=token, min_conf="80", max_conf="80")
    assert exact not in listed(preparer.client, q=token, max_conf="79")
    assert exact not in listed(preparer.client, q=token, min_conf="81")
    # Out-of-range or non-numeric bounds are ignored.
    assert set(listed(preparer.client, q=token, min_conf="150", max_conf="lots")) == set(scores)


def test_text_search_matches_words_references_and_organisations(
    preparer, anonymous, db_session, token
):
    organisation = f"Pirkkalan omaishoitajat ry {token}"
    small = submit(anonymous, SMALL_PRODUCERS_FI, "producer_company", f"Hoivapalvelu Oy {token}")
    resources = submit(anonymous, RESOURCES_FI, "staff", organisation)
    percent = submit(anonymous, PERCENT_FI, "council", organisation)
    mine = {small, resources, percent}

    def found(q: str) -> set[str]:
        return set(listed(preparer.client, q=q)) & mine

    assert found("kilpailutukset") == {small}  # the text has "Kilpailutukset"
    assert found("KOTIHOIDOSSA on") == {resources}
    assert found(f"omaishoitajat ry {token}") == {resources, percent}
    assert found("12 %") == {percent}
    assert found("%") == {percent}  # a LIKE wildcard is searched for as itself
    assert found("_") == set()
    assert found("ketjut pärjäävät") == {small}

    page = preparer.client.get("/workspace/comments", params={"q": f"  {percent.lower()}  "})
    assert LISTED.findall(page.text) == [percent]
    assert "1 comment matches." in page.text
    assert percent not in listed(preparer.client, q=percent[:6])  # references match whole


def test_text_search_ignores_the_case_of_finnish_and_swedish_letters(preparer, anonymous, token):
    ahtari = submit(anonymous, DEVELOPMENT_FI, "resident", f"Ähtärin kyläyhdistys {token}")
    assert ahtari in listed(preparer.client, q="ähtärin terveysaseman")
    assert ahtari in listed(preparer.client, q="ÄHTÄRIN TERVEYSASEMAN")


def test_date_range_counts_whole_days_in_helsinki_time(preparer, anonymous, db_session, token):
    organisation = f"Vanhusneuvosto {token}"
    late_evening = submit(anonymous, QUALITY_FI, "influence_body", organisation)
    after_midnight = submit(anonymous, RESOURCES_FI, "influence_body", organisation)
    next_day = submit(anonymous, DEVELOPMENT_SV, "influence_body", organisation)
    # Helsinki is UTC+2 in March before the clocks change.
    change(db_session, late_evening, created_at=datetime(2024, 3, 10, 21, 30, tzinfo=UTC))
    change(db_session, after_midnight, created_at=datetime(2024, 3, 10, 22, 30, tzinfo=UTC))
    change(db_session, next_day, created_at=datetime(2024, 3, 12, 9, 0, tzinfo=UTC))
    mine = {late_evening, after_midnight, next_day}

    def between(**days: str) -> set[str]:
        params = {"q": token}
        params.update({("from" if key == "start" else "to"): day for key, day in days.items()})
        return set(listed(preparer.client, **params))

    assert between(start="2024-03-10", end="2024-03-10") == {late_evening}
    assert between(start="2024-03-11", end="2024-03-11") == {after_midnight}
    assert between(start="2024-03-11") == {after_midnight, next_day}
    assert between(end="2024-03-11") == {late_evening, after_midnight}
    assert between(start="2024-03-13") == set()
    assert between(start="10.3.2024", end="someday") == mine  # unreadable dates are ignored


# --- the list: order and pages ---------------------------------------------------------------------


def test_sort_orders(preparer, anonymous, db_session, token):
    organisation = f"Aluevaltuuston kokoomusryhmä {token}"
    refs = [
        submit(anonymous, VAGUE_FI, "political", organisation),
        submit(anonymous, SMALL_PRODUCERS_FI, "political", organisation),
        submit(anonymous, RESOURCES_FI, "political", organisation),
        submit(anonymous, COSTS_FI, "political", organisation),
    ]
    comments = [stored(db_session, ref) for ref in refs]

    by_confidence = sorted(comments, key=lambda c: (c.top_score, c.id))
    assert listed(preparer.client, q=token, sort="least_confident") == [
        c.reference for c in by_confidence
    ]
    by_time = sorted(comments, key=lambda c: (c.created_at, c.id))
    assert listed(preparer.client, q=token, sort="oldest") == [c.reference for c in by_time]
    newest_first = [c.reference for c in reversed(by_time)]
    assert listed(preparer.client, q=token) == newest_first
    assert listed(preparer.client, q=token, sort="random") == newest_first


@pytest.fixture
def many_comments(db_session) -> Iterator[int]:
    """Two and a bit pages of comments in a session of their own (removed afterwards); many of
    them share a moment or a confidence, so the pages must break ties by id. Yields the session's
    id."""
    consultation = ConsultationSession(
        name="Sote-palvelujen markkinavuoropuhelu",
        stakeholder="producer_company",
        held_on=date(2023, 5, 2),
        kind="market_dialogue",
    )
    db_session.add(consultation)
    db_session.flush()
    start = datetime(2023, 5, 2, 9, 0, tzinfo=UTC)
    confidences = (0.41, 0.55, 0.55, 0.62, 0.93, 0.55, 0.78)
    for i in range(2 * review.PAGE_SIZE + 7):
        lang, label, text = SHORT_COMMENTS[i % len(SHORT_COMMENTS)]
        insert_comment(
            db_session,
            text=text,
            lang=lang,
            predicted=label,
            stakeholder="producer_company",
            top_score=confidences[i % len(confidences)],
            created_at=start + timedelta(minutes=i // 3),  # three comments share each moment
            consultation_id=consultation.id,
        )
    db_session.commit()
    yield consultation.id
    db_session.rollback()
    db_session.execute(delete(Comment).where(col(Comment.consultation_id) == consultation.id))
    db_session.execute(
        delete(ConsultationSession).where(col(ConsultationSession.id) == consultation.id)
    )
    db_session.commit()


@pytest.mark.parametrize("sort", ["newest", "oldest", "least_confident"])
def test_keyset_pages_show_every_comment_once_in_order(preparer, db_session, many_comments, sort):
    db_session.rollback()
    rows = db_session.exec(select(Comment).where(Comment.consultation_id == many_comments)).all()
    if sort == "least_confident":
        expected = sorted(rows, key=lambda c: (c.top_score, c.id))
    else:
        expected = sorted(rows, key=lambda c: (c.created_at, c.id), reverse=sort == "newest")

    count = len(rows)
    params = {"session": str(many_comments)} | ({} if sort == "newest" else {"sort": sort})
    page = preparer.client.get("/workspace/comments", params=params)
    seen: list[str] = []
    pages = 0
    while True:
        assert page.status_code == 200
        assert f"{count} comments match." in page.text
        assert ("First page" in page.text) == (pages > 0)
        shown = LISTED.findall(page.text)
        assert 0 < len(shown) <= review.PAGE_SIZE
        seen += shown
        pages += 1
        following = NEXT_PAGE.search(page.text)
        if following is None:
            break
        page = preparer.client.get(html.unescape(following.group(1)))
    assert pages == 3
    assert len(seen) == len(set(seen)) == count
    assert seen == [c.reference for c in expected]

    # A damaged page link shows the first page instead of an error.
    broken = preparer.client.get("/workspace/comments", params={**params, "after": "yesterday|x"})
    assert broken.status_code == 200
    assert LISTED.findall(broken.text) == seen[: review.PAGE_SIZE]


# --- a comment's page and its actions ------------------------------------------------------------


def test_comment_page_shows_the_five_scores_and_the_explanation(preparer, anonymous, db_session):
    reference = submit(anonymous, SMALL_PRODUCERS_FI, "producer_company", "Kangasalan Hoiva Oy")
    comment = stored(db_session, reference)
    page = preparer.client.get(f"/workspace/comments/{reference}")
    assert page.status_code == 200

    scores = page.text.split('<ol class="scores">')[1].split("</ol>")[0]
    items = re.findall(r"<li>.*?</li>", scores, flags=re.S)
    assert len(items) == 5
    ranked = sorted(comment.scores.items(), key=lambda kv: kv[1], reverse=True)
    for item, (key, score) in zip(items, ranked, strict=True):
        assert name(key) in item
        assert f'value="{score}"' in item
        assert ("model's choice" in html.unescape(item)) == (key == comment.predicted_label)
    assert comment.explanation
    words = page.text.split("Words that weighed most")[1]
    for term in comment.explanation:
        assert f'<span class="badge">{html.escape(term["term"])}</span>' in words
    assert "Kangasalan Hoiva Oy" in page.text
    assert comment.model_version in page.text


def test_review_sets_the_categories_marks_reviewed_and_is_audited(preparer, anonymous, db_session):
    reference = submit(anonymous, COSTS_FI, "council", "Aluevaltuusto")
    response = act(
        preparer,
        reference,
        "review",
        final_label="quality",
        secondary=["resources", "quality", "cost_comparability"],
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/workspace/comments/{reference}?done=review"

    comment = stored(db_session, reference)
    user = db_session.exec(select(User).where(User.email == preparer.email)).one()
    assert comment.final_label == "quality"
    assert comment.secondary_labels == ["cost_comparability", "resources"]  # not the main one
    assert comment.status == "reviewed"
    assert comment.reviewed_by_id == user.id
    assert comment.reviewed_at is not None
    (entry,) = audit_of(db_session, reference, "comment.review")
    assert entry.actor == preparer.email
    assert entry.actor_id == user.id
    assert entry.before == {
        "final_label": None,
        "secondary_labels": [],
        "status": "new",
        "hidden_reason": None,
    }
    assert entry.after == {
        "final_label": "quality",
        "secondary_labels": ["cost_comparability", "resources"],
        "status": "reviewed",
        "hidden_reason": None,
    }

    page = preparer.client.get(response.headers["location"])
    assert "Saved and marked reviewed." in page.text
    assert f"reviewed by {preparer.email}" in page.text
    assert 'id="final-quality" name="final_label" value="quality" data-shortcut="1" checked' in (
        page.text
    )


def test_confirming_without_a_choice_keeps_the_models_category(preparer, anonymous, db_session):
    reference = submit(anonymous, RESOURCES_SV, "staff")
    assert act(preparer, reference, "review").status_code == 303
    comment = stored(db_session, reference)
    assert comment.final_label == comment.predicted_label
    assert comment.status == "reviewed"


def test_confirm_and_next_follows_the_lists_order(preparer, anonymous, db_session, token):
    organisation = f"Ylöjärven yrittäjät {token}"
    for text in (VAGUE_FI, SMALL_PRODUCERS_FI, QUALITY_FI):
        submit(anonymous, text, "producer_company", organisation)
    order = listed(preparer.client, q=token, sort="least_confident")
    assert len(order) == 3

    first = preparer.client.get(
        f"/workspace/comments/{order[0]}", params={"q": token, "sort": "least_confident"}
    )
    query = html.unescape(re.search(r'name="query" value="([^"]*)"', first.text).group(1))
    assert f'href="/workspace/comments/{order[1]}?{html.escape(query)}" id="next-comment"' in (
        first.text
    )

    for here, there in itertools.pairwise(order):
        response = act(
            preparer, here, "review", final_label="small_producers", query=query, go_next="1"
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/workspace/comments/{there}?{query}"
    last = act(preparer, order[-1], "review", final_label="quality", query=query, go_next="1")
    assert last.headers["location"] == f"/workspace/comments?{query}"
    assert [stored(db_session, ref).status for ref in order] == ["reviewed"] * 3


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say why the comment is hidden."),
        ("   \t  ", "Say why the comment is hidden."),
        ("Henkilötietoja. " * 40, "The reason can be at most 500 characters."),
    ],
)
def test_hiding_needs_a_short_reason(preparer, anonymous, db_session, reason, message):
    reference = submit(anonymous, QUALITY_FI, "resident")
    response = act(preparer, reference, "hide", reason=reason)
    assert response.status_code == 422
    assert message in errors_of(response)
    assert 'aria-invalid="true" aria-describedby="reason-error"' in response.text
    comment = stored(db_session, reference)
    assert comment.status == "new"
    assert comment.hidden_reason is None
    assert audit_of(db_session, reference) == []


def test_hide_restore_note_and_the_history(preparer, anonymous, db_session):
    reference = submit(anonymous, RESOURCES_FI, "staff", "Tehyn Pirkanmaan aluejärjestö")
    assert act(preparer, reference, "review", final_label="resources").status_code == 303

    hidden = act(preparer, reference, "hide", reason="Nimeää yksittäisen hoitajan")
    assert hidden.status_code == 303
    comment = stored(db_session, reference)
    assert comment.status == "hidden"
    assert comment.hidden_reason == "Nimeää yksittäisen hoitajan"
    (entry,) = audit_of(db_session, reference, "comment.hide")
    assert entry.before["status"] == "reviewed"
    assert entry.after["status"] == "hidden"
    assert entry.after["hidden_reason"] == "Nimeää yksittäisen hoitajan"
    page = preparer.client.get(hidden.headers["location"])
    assert "The comment is hidden from summaries and reports." in page.text
    assert "Show the comment again" in page.text

    restored = act(preparer, reference, "restore")
    assert restored.status_code == 303
    comment = stored(db_session, reference)
    assert comment.status == "reviewed"  # it had been reviewed before it was hidden
    assert comment.hidden_reason is None
    (entry,) = audit_of(db_session, reference, "comment.restore")
    assert entry.before["status"] == "hidden"
    assert entry.after["status"] == "reviewed"

    empty = act(preparer, reference, "note", note="   ")
    assert empty.status_code == 422
    assert "Write the note first." in errors_of(empty)
    note = "Soitettu kirjoittajalle 4.10., nimi poistetaan ennen raporttia."
    assert act(preparer, reference, "note", note=note).status_code == 303
    db_session.rollback()
    (stored_note,) = db_session.exec(
        select(CommentNote).where(CommentNote.comment_id == comment.id)
    ).all()
    assert stored_note.text == note
    assert stored_note.author == preparer.email
    (entry,) = audit_of(db_session, reference, "comment.note")
    assert entry.after == {"note": note}

    assert [e.action for e in audit_of(db_session, reference)] == [
        "comment.review",
        "comment.hide",
        "comment.restore",
        "comment.note",
    ]
    page = preparer.client.get(f"/workspace/comments/{reference}")
    history = page.text.split("<h2>History</h2>")[1].split("</ul>")[0]
    lines = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
        for item in re.findall(r"<li>(.*?)</li>", history, flags=re.S)
    ]
    assert len(lines) == 5
    assert "Received; the model chose" in lines[0]
    assert lines[1].endswith(
        f"{preparer.email} · Category set to {category('resources').name['en']}."
    )
    assert lines[2].endswith(f"{preparer.email} · Hidden: Nimeää yksittäisen hoitajan")
    assert lines[3].endswith(f"{preparer.email} · Shown again.")
    assert lines[4].endswith(f"{preparer.email} · Note added.")
    assert note in page.text


def test_restoring_a_never_reviewed_comment_makes_it_new_again(preparer, anonymous, db_session):
    reference = submit(anonymous, DEVELOPMENT_SV, "producer_ngo", "Folkhälsan")
    assert (
        act(preparer, reference, "hide", reason="Dubblett av e-postmeddelande").status_code == 303
    )
    assert act(preparer, reference, "restore").status_code == 303
    assert stored(db_session, reference).status == "new"
    # Restoring what is not hidden changes nothing and records nothing.
    assert act(preparer, reference, "restore").status_code == 303
    assert len(audit_of(db_session, reference, "comment.restore")) == 1


def test_a_withdrawn_comment_cannot_be_relabelled_or_hidden(preparer, anonymous, db_session):
    chat = Chat(anonymous)
    chat.open()
    chat.start("fi")
    chat.represent("staff")
    chat.say(RESOURCES_FI)
    chat.answer("yes")
    chat.follow_up(None)
    chat.more("finish")
    chat.finish(skip=True)
    (reference,) = chat.references()
    withdrawn = anonymous.post(f"{chat.private_link()}/withdraw", data={"reference": reference})
    assert withdrawn.status_code == 200
    before = stored(db_session, reference)
    assert before.status == "withdrawn"

    response = act(preparer, reference, "review", final_label="quality")
    assert response.status_code == 422
    assert "The submitter has withdrawn this comment." in errors_of(response)
    assert 'id="review-form"' not in response.text
    hide = act(preparer, reference, "hide", reason="Vanhentunut")
    assert hide.status_code == 422
    after = stored(db_session, reference)
    assert (after.final_label, after.status, after.hidden_reason) == (None, "withdrawn", None)
    assert audit_of(db_session, reference) == []
    assert reference not in listed(preparer.client, q=reference)
    assert listed(preparer.client, q=reference, status="withdrawn") == [reference]


@pytest.mark.parametrize(
    "data",
    [
        {"final_label": "nonsense"},
        {"final_label": "Quality"},
        {"final_label": "quality", "secondary": ["resources", "nonsense"]},
    ],
)
def test_an_unknown_category_is_refused_and_nothing_changes(preparer, anonymous, db_session, data):
    reference = submit(anonymous, SMALL_PRODUCERS_FI, "producer_company")
    response = act(preparer, reference, "review", **data)
    assert response.status_code == 422
    assert "Choose one of the five categories." in errors_of(response)
    comment = stored(db_session, reference)
    assert comment.final_label is None
    assert comment.secondary_labels == []
    assert comment.status == "new"
    assert comment.reviewed_at is None
    assert audit_of(db_session, reference) == []


def test_actions_need_the_csrf_token_and_a_known_action(preparer, anonymous, db_session):
    reference = submit(anonymous, COSTS_FI, "council")
    forged = preparer.client.post(
        f"/workspace/comments/{reference}/review",
        data={"final_label": "quality"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert act(preparer, reference, "delete").status_code == 404
    assert act(preparer, "VP-ZZZZZZ", "review", final_label="quality").status_code == 404
    assert stored(db_session, reference).final_label is None
    outsider = anonymous.get(f"/workspace/comments/{reference}", follow_redirects=False)
    assert outsider.status_code == 303
    assert outsider.headers["location"].startswith("/sign-in?next=")


def test_comment_text_is_escaped_on_the_list_and_the_comment_page(
    preparer, anonymous, db_session, token
):
    text = (
        "Palautelomakkeeseen voi kirjoittaa koodia: <script>alert(1)</script> – tarkistakaa "
        "lomakkeen suojaus ennen kuin asukkaiden tietoja kerätään."
    )
    reference = submit(anonymous, text, "resident", f'"Kylä & koti" <b>ry</b> {token}')
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for page in (
        preparer.client.get("/workspace/comments", params={"q": token}),
        preparer.client.get(f"/workspace/comments/{reference}"),
    ):
        assert page.status_code == 200
        assert escaped in page.text
        assert "<script>alert(1)" not in page.text
        assert "&lt;b&gt;ry&lt;/b&gt;" in page.text
        assert "<b>ry</b>" not in page.text


# --- agreement -----------------------------------------------------------------------------------


def _tallies(session: Session) -> dict[str, tuple[int, int, int, int, int]]:
    """Per category and overall: reviewed, model agrees, with the submitter's label, submitter
    agrees, model agrees with the submitter (counts recovered from the rates)."""
    session.rollback()
    result = review.agreement(session)

    def hits(rate: float | None, n: int) -> int:
        return 0 if rate is None else round(rate * n)

    def of(row: dict[str, Any]) -> tuple[int, int, int, int, int]:
        n, m = row["n"], row["submitter_n"]
        return (
            n,
            hits(row["model"], n),
            m,
            hits(row["submitter"], m),
            hits(row["model_submitter"], m),
        )

    tallies = {row["key"]: of(row) for row in result.rows}
    tallies["all"] = of(result.overall)
    assert result.reviewed == result.overall["n"]
    return tallies


def test_agreement_between_model_submitter_and_preparer(preparer, db_session):
    before = _tallies(db_session)
    # (text, lang, the model's label, the submitter's label, the preparer's label)
    cases = [
        (SMALL_PRODUCERS_FI, "fi", "small_producers", "small_producers", "small_producers"),
        (SHORT_COMMENTS[2][2], "fi", "small_producers", None, "small_producers"),
        (QUALITY_FI, "fi", "cost_comparability", "quality", "quality"),
        (RESOURCES_SV, "sv", "resources", "resources", "development"),
        (DEVELOPMENT_SV, "sv", "development", "quality", "development"),
        (COSTS_FI, "fi", "quality", "quality", "quality"),  # withdrawn afterwards: not counted
        (RESOURCES_FI, "fi", "resources", "resources", None),  # never reviewed: not counted
    ]
    references = []
    for text, lang, model, submitter, _preparer in cases:
        comment = insert_comment(
            db_session, text=text, lang=lang, predicted=model, submitter=submitter
        )
        references.append(comment.reference)
    db_session.commit()
    for reference, (*_, preparers) in zip(references, cases, strict=True):
        if preparers:
            assert act(preparer, reference, "review", final_label=preparers).status_code == 303
    change(db_session, references[5], status="withdrawn", withdrawn_at=datetime.now(UTC))

    after = _tallies(db_session)
    delta = {
        key: tuple(a - b for a, b in zip(after[key], before[key], strict=True)) for key in after
    }
    assert delta == {
        # reviewed, model agrees, with submitter's label, submitter agrees, model = submitter
        "small_producers": (2, 2, 1, 1, 1),
        "quality": (1, 0, 1, 1, 0),
        "development": (2, 1, 2, 0, 1),
        "resources": (0, 0, 0, 0, 0),
        "cost_comparability": (0, 0, 0, 0, 0),
        "all": (5, 3, 4, 2, 2),
    }
    overall = review.agreement(db_session).overall
    for kappa in (overall["model_kappa"], overall["submitter_kappa"]):
        assert kappa is None or -1.0 <= kappa <= 1.0

    page = preparer.client.get("/workspace/agreement")
    assert page.status_code == 200
    assert "How often the model, submitters and preparers agree" in page.text
    for key in CATEGORY_KEYS:
        assert name(key) in page.text
