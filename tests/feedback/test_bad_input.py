"""Bad input in the conversation: a clear message in the person's language, nothing lost, no 500."""

from sqlmodel import select

from assistant.feedback.models import Comment

from .chat_driver import Chat


def chat_at_comment(app_client, lang="fi") -> Chat:
    chat = Chat(app_client)
    chat.open()
    chat.start(lang)
    chat.represent("resident")
    return chat


def test_empty_comment_is_refused_and_the_conversation_goes_on(app_client):
    chat = chat_at_comment(app_client)
    page = chat.say("   ")
    assert page.status_code == 422
    assert "Kirjoita ensin kommenttisi" in page.text
    assert 'aria-invalid="true"' in page.text
    page = chat.say("Hoitajia on liian vähän ja jonot kasvavat.")
    assert page.status_code == 200
    assert 'value="yes"' in page.text


def test_too_long_comment_keeps_the_text_for_shortening(app_client, db_session):
    chat = chat_at_comment(app_client, "sv")
    long_text = "Hemvården behöver mer personal. " * 200
    page = chat.say(long_text)
    assert page.status_code == 422
    assert "gränsen är 5000" in page.text.replace("\u00a0", "").replace(
        " ", ""
    ) or "5000" in page.text.replace("\u00a0", "").replace(" ", "")
    assert "Hemvården behöver mer personal." in page.text  # the text is still in the box
    db_session.rollback()
    assert db_session.exec(select(Comment).where(Comment.text == long_text.strip())).first() is None


def test_control_characters_are_refused(app_client):
    chat = chat_at_comment(app_client, "en")
    page = chat.say("hello\x00world, home care needs staff")
    assert page.status_code == 422
    assert "control characters" in page.text


def test_unknown_stakeholder_group_is_refused_in_the_users_language(app_client):
    chat = Chat(app_client)
    chat.open()
    chat.start("sv")
    page = app_client.post(
        "/feedback/stakeholder", data={"step": chat.step, "stakeholder": "martians"}
    )
    assert page.status_code == 422
    assert "Välj ett av alternativen" in page.text


def test_html_in_a_comment_is_shown_as_text(app_client, db_session):
    chat = chat_at_comment(app_client)
    evil = "<script>alert('x')</script> Kotihoidon henkilöstö ei riitä <b>mitenkään</b>."
    page = chat.say(evil)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    db_session.rollback()
    assert db_session.exec(select(Comment).where(Comment.text == evil)).first() is not None


def test_forged_cookie_starts_again_with_a_notice_and_keeps_saved_comments(app_client, db_session):
    chat = chat_at_comment(app_client)
    chat.say("Kotihoidon henkilöstö ei riitä, tarvitaan lisää hoitajia iltavuoroihin.")
    db_session.rollback()
    saved = db_session.exec(
        select(Comment).where(Comment.text.startswith("Kotihoidon henkilöstö ei riitä, tarvitaan"))
    ).all()
    assert len(saved) == 1
    app_client.cookies.clear()
    app_client.cookies.set("vp_chat", "forged.value")
    page = app_client.get("/feedback")
    assert page.status_code == 200
    assert "Emme voineet jatkaa aiempaa keskusteluasi" in page.text
    # Posting with a forged cookie does not crash; it brings the person back to the start.
    app_client.cookies.clear()
    app_client.cookies.set("vp_chat", "forged.value")
    page = app_client.post("/feedback/comment", data={"step": "3", "text": "hei"})
    assert page.status_code == 200
    db_session.rollback()
    assert (
        len(
            db_session.exec(
                select(Comment).where(
                    Comment.text.startswith("Kotihoidon henkilöstö ei riitä, tarvitaan")
                )
            ).all()
        )
        == 1
    )


def test_stale_step_is_ignored(app_client):
    chat = chat_at_comment(app_client)
    old_step = chat.step
    chat.say("Jonot terveysasemalle ovat liian pitkät, lääkäreitä puuttuu.")
    page = app_client.post("/feedback/comment", data={"step": old_step, "text": "toinen kerta"})
    assert page.status_code == 200
    assert "toinen kerta" not in page.text


def test_contact_details_need_consent_and_a_valid_email(app_client, db_session):
    chat = chat_at_comment(app_client)
    chat.say("Jonot terveysasemalle ovat liian pitkät, koska lääkäreitä on liian vähän.")
    chat.answer("yes")
    chat.follow_up(None)
    chat.more("finish")
    page = chat.finish(name="Matti", email="matti@example.fi", consent=False)
    assert page.status_code == 422
    assert "suostumuksesi" in page.text
    assert 'value="matti@example.fi"' in page.text  # nothing typed is lost
    page = chat.finish(name="Matti", email="not-an-email", consent=True)
    assert page.status_code == 422
    assert "sähköpostiosoite" in page.text
    page = chat.finish(name="Matti", email="matti@example.fi", consent=True)
    assert page.status_code == 200
    assert chat.references()


def test_public_posts_are_rate_limited_with_a_friendly_page(db_url):
    from fastapi.testclient import TestClient

    from assistant.app import create_app
    from tests.conftest import make_test_settings

    settings = make_test_settings(db_url).model_copy(update={"public_post_rate": "3/minute"})
    with TestClient(create_app(settings)) as client:
        codes = [client.post("/feedback/start?lang=fi").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3] == 429
        page = client.post("/feedback/start?lang=fi")
        assert "Liian monta pyyntöä" in page.text
        api = client.post(
            "/api/v1/feedback", json={"text": "Hoitajia puuttuu.", "stakeholder": "staff"}
        )
        assert api.status_code == 429
        assert api.headers["Retry-After"] == "60"
