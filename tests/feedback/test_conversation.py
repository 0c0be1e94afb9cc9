"""Conversations with the feedback assistant, told as stories: say this → it answers that → stored."""

from sqlmodel import select

from assistant.feedback.models import ChatMessage, Comment, Contact, Conversation

from .chat_driver import Chat

RESOURCES_FI = "Kotihoidossa on aivan liian vähän hoitajia, ja työntekijät uupuvat kun käyntejä on niin paljon."
COSTS_FI = "Oman tuotannon tuntihinta pitää julkaista, jotta sitä voi verrata ostopalvelujen hintoihin samoilla periaatteilla."


def stored_comments(db_session) -> list[Comment]:
    db_session.rollback()
    return list(db_session.exec(select(Comment).order_by(Comment.id)).all())


def only_conversation_comments(db_session, conversation_id: str) -> list[Comment]:
    db_session.rollback()
    return list(
        db_session.exec(
            select(Comment).where(Comment.conversation_id == conversation_id).order_by(Comment.id)
        ).all()
    )


def conversation_id(db_session, comment_reference: str) -> str:
    db_session.rollback()
    return db_session.exec(
        select(Comment.conversation_id).where(Comment.reference == comment_reference)
    ).one()


def test_confirm_path_in_finnish(app_client, db_session, classifier):
    chat = Chat(app_client)
    page = chat.open()
    assert "automaattinen" in page.text.lower() or "automated" in page.text.lower()
    assert 'href="/privacy"' in page.text

    chat.start("fi")
    assert '<html lang="fi">' in chat.html
    chat.represent("influence_body", "Vanhusneuvosto")
    assert "Vanhusneuvosto" in chat.html

    chat.say(RESOURCES_FI)
    # The assistant says what it understood, in Finnish, with a gloss, and asks whether it is right.
    assert "Resurssien riittävyys ja jakautuminen" in chat.html
    assert 'value="yes"' in chat.html

    chat.answer("yes")
    assert (
        "Missä resurssit ovat mielestäsi vähiten riittäviä" in chat.html
    )  # the category's follow-up
    chat.follow_up("Kotihoidon iltakäynneissä Orivedellä.")
    chat.more("finish")
    chat.finish(skip=True)

    (reference,) = chat.references()
    (comment,) = only_conversation_comments(db_session, conversation_id(db_session, reference))
    assert comment.text == RESOURCES_FI
    assert comment.lang == "fi"
    assert comment.stakeholder == "influence_body"
    assert comment.organisation == "Vanhusneuvosto"
    assert comment.predicted_label == "resources"
    assert comment.submitter_label == "resources"
    assert comment.followup_answer == "Kotihoidon iltakäynneissä Orivedellä."
    assert comment.model_version == classifier.version
    assert set(comment.scores) == {
        "quality",
        "small_producers",
        "cost_comparability",
        "development",
        "resources",
    }
    assert comment.status == "new"
    assert (
        db_session.exec(
            select(Contact).where(Contact.conversation_id == comment.conversation_id)
        ).first()
        is None
    )


def test_correction_path_keeps_both_labels(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("fi")
    chat.represent("staff")
    chat.say(COSTS_FI)
    assert 'value="yes"' in chat.html
    chat.answer("quality")  # the person says it is mainly about quality
    assert "Mikä tekisi palvelusta sinulle tai asiakkaillenne paremman" in chat.html
    chat.follow_up(None)
    chat.more("finish")
    chat.finish(skip=True)
    (reference,) = chat.references()
    (comment,) = only_conversation_comments(db_session, conversation_id(db_session, reference))
    assert comment.predicted_label == "cost_comparability"
    assert comment.submitter_label == "quality"
    assert comment.followup_answer is None


def test_two_comments_in_one_conversation_with_contact_details(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("fi")
    chat.represent("producer_ngo", "Kylätoimintayhdistys")
    chat.say(
        "Pienet yhdistykset eivät pysty osallistumaan kilpailutuksiin, kun hankinnat ovat niin suuria."
    )
    chat.answer("yes")
    chat.follow_up(None)
    chat.more("another")
    chat.say(COSTS_FI)
    chat.answer("yes")
    chat.follow_up("Julkaiskaa kotihoidon tuntihinta.")
    chat.more("finish")
    chat.finish(name="Aino Esimerkki", email="aino@example.fi", consent=True)

    references = chat.references()
    assert len(references) == 2
    comments = only_conversation_comments(db_session, conversation_id(db_session, references[0]))
    assert [c.reference for c in comments] == references
    assert [c.submitter_label for c in comments] == ["small_producers", "cost_comparability"]
    contact = db_session.exec(
        select(Contact).where(Contact.conversation_id == comments[0].conversation_id)
    ).one()
    assert (contact.name, contact.email) == ("Aino Esimerkki", "aino@example.fi")
    assert "consent" in contact.consent_text.lower() or "agree" in contact.consent_text.lower()


def test_a_swedish_conversation(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("sv")
    assert '<html lang="sv">' in chat.html
    chat.represent("resident")
    chat.say("Hemvården i Närpes har för lite personal, vårdarna hinner inte stanna hos min mamma.")
    assert "Resursernas tillräcklighet och fördelning" in chat.html
    chat.answer("yes")
    assert "Var räcker resurserna enligt dig minst till" in chat.html
    chat.follow_up(None)
    chat.more("finish")
    chat.finish(skip=True)
    (reference,) = chat.references()
    (comment,) = only_conversation_comments(db_session, conversation_id(db_session, reference))
    assert comment.lang == "sv"
    assert comment.submitter_label == "resources"


def test_an_english_conversation(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("en")
    assert '<html lang="en">' in chat.html
    chat.represent("producer_company", "Example Care Oy")
    chat.say(
        "Small local firms cannot compete when the county bundles all home care into one huge tender."
    )
    assert "Position of small producers and NGOs" in chat.html
    chat.answer("yes")
    chat.follow_up("Split the tender into regional lots.")
    chat.more("finish")
    chat.finish(skip=True)
    (reference,) = chat.references()
    (comment,) = only_conversation_comments(db_session, conversation_id(db_session, reference))
    assert comment.lang == "en"
    assert comment.organisation == "Example Care Oy"
    assert comment.followup_answer == "Split the tender into regional lots."


def test_an_unsure_prediction_offers_the_likeliest_categories(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("en")
    chat.represent("resident")
    chat.say("Well, I have some thoughts about all of this.")
    assert "not sure" in chat.html
    assert 'value="yes"' not in chat.html
    first_option = chat.html.split('name="answer" value="')[1].split('"')[0]
    chat.answer(first_option)
    db_session.rollback()
    comment = db_session.exec(
        select(Comment).where(Comment.text == "Well, I have some thoughts about all of this.")
    ).first()
    assert comment.submitter_label == first_option


def test_withdrawal_through_the_private_link(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("fi")
    chat.represent("resident")
    chat.say(RESOURCES_FI)
    chat.answer("yes")
    chat.follow_up(None)
    chat.more("finish")
    chat.finish(skip=True)
    link = chat.private_link()
    secret = link.rsplit("/", 1)[1]
    (reference,) = chat.references()

    mine = app_client.get(link)
    assert mine.status_code == 200
    assert RESOURCES_FI in mine.text
    withdrawn = app_client.post(f"{link}/withdraw", data={"reference": reference})
    assert withdrawn.status_code == 200
    assert reference in withdrawn.text
    db_session.rollback()
    comment = db_session.exec(select(Comment).where(Comment.reference == reference)).one()
    assert comment.status == "withdrawn"
    assert comment.withdrawn_at is not None
    conversation = db_session.get(Conversation, comment.conversation_id)
    assert secret not in (conversation.access_hash or "")  # only the hash is stored
    assert app_client.get("/feedback/mine/not-a-real-secret").status_code == 404


def test_a_repeated_post_does_not_duplicate_a_comment(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("fi")
    chat.represent("resident")
    step = chat.step
    first = app_client.post(
        "/feedback/comment", data={"step": step, "text": RESOURCES_FI + " (kahdesti)"}
    )
    again = app_client.post(
        "/feedback/comment", data={"step": step, "text": RESOURCES_FI + " (kahdesti)"}
    )
    assert first.status_code == again.status_code == 200
    db_session.rollback()
    assert (
        len(
            db_session.exec(
                select(Comment).where(Comment.text == RESOURCES_FI + " (kahdesti)")
            ).all()
        )
        == 1
    )
    # Refreshing the page after the redirect is a GET and changes nothing either.
    app_client.get("/feedback")
    assert (
        len(
            db_session.exec(
                select(Comment).where(Comment.text == RESOURCES_FI + " (kahdesti)")
            ).all()
        )
        == 1
    )


def test_the_transcript_is_stored_in_order(app_client, db_session):
    chat = Chat(app_client)
    chat.open()
    chat.start("fi")
    chat.represent("committee", "Sosiaali- ja terveyslautakunta")
    chat.say(COSTS_FI)
    reference = chat.html.split("VP-")[1][:6]
    cid = conversation_id(db_session, "VP-" + reference)
    kinds = [
        m.kind
        for m in db_session.exec(
            select(ChatMessage).where(ChatMessage.conversation_id == cid).order_by(ChatMessage.seq)
        )
    ]
    assert kinds == [
        "greeting",
        "ask_stakeholder",
        "stakeholder",
        "ask_comment",
        "comment",
        "understood",
    ]
