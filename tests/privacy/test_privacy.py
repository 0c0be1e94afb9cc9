"""Personal data on request and by retention: export, erasure and purge, each audited."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select
from typer.testing import CliRunner

from assistant.audit.models import AuditEntry
from assistant.cli import app as cli
from assistant.db import build_engine
from assistant.dialogues.models import Registration
from assistant.feedback.models import ChatMessage, Comment, Contact, Conversation
from assistant.privacy.service import email_key, erase, export, purge
from tests.dialogues.conftest import make_event, registration_form


def _person(db_url: str, *, days_ago: int = 0) -> tuple[str, str]:
    """A conversation with a comment and consented contact details; returns (email, reference)."""
    email = f"maija.{uuid.uuid4().hex[:6]}@example.fi"
    when = datetime.now(UTC) - timedelta(days=days_ago)
    reference = "VP-" + uuid.uuid4().hex[:6].upper()
    engine = build_engine(db_url)
    with Session(engine) as session:
        conversation = Conversation(
            id=uuid.uuid4().hex, created_at=when, access_hash=uuid.uuid4().hex
        )
        session.add(conversation)
        session.flush()
        session.add(
            ChatMessage(
                conversation_id=conversation.id, seq=1, role="person", kind="comment", data={}
            )
        )
        session.add(
            Comment(
                reference=reference,
                text="Kotihoidon iltakäynnit ovat liian lyhyitä, äiti jää usein yksin.",
                lang="fi",
                stakeholder="resident",
                predicted_label="resources",
                scores={"resources": 0.8},
                model_version="test",
                conversation_id=conversation.id,
                created_at=when,
            )
        )
        session.add(
            Contact(
                conversation_id=conversation.id,
                name="Maija Meikäläinen",
                email=email,
                consent_text="Saa ottaa yhteyttä",
                consented_at=when,
            )
        )
        session.commit()
    engine.dispose()
    return email, reference


def test_export_erase_and_audit(db_url, db_session, app_client):
    email, reference = _person(db_url)
    event = make_event(db_session)
    form = registration_form(901, email=email.upper())
    created = app_client.post(f"/api/v1/events/{event.id}/registrations", json=form)
    assert created.status_code == 201, created.text

    engine = build_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        data = export(session, email, actor=None, actor_name="cli")
        assert data["feedback"][0]["name"] == "Maija Meikäläinen"
        assert data["feedback"][0]["comments"][0]["reference"] == reference
        assert data["registrations"][0]["phone"].startswith("+358")
        assert json.dumps(data, ensure_ascii=False)  # JSON-ready
        counts = erase(session, email, actor=None, actor_name="cli")
        assert counts["contacts"] == 1 and counts["registrations"] == 1
        again = export(session, email, actor=None, actor_name="cli")
        assert again["feedback"] == [] and again["registrations"] == []
        comment = session.exec(select(Comment).where(Comment.reference == reference)).one()
        assert comment.text.startswith("Kotihoidon")  # the comment stays, unlinked from the person
        registration = session.exec(
            select(Registration).where(Registration.event_id == event.id)
        ).one()
        assert registration.contact_name == "(erased)" and email not in registration.email
        log = session.exec(select(AuditEntry).where(AuditEntry.target_id == email_key(email))).all()
        assert {e.action for e in log} == {"privacy.export", "privacy.erase"}
        assert all(email not in json.dumps(e.after or {}) for e in log)
    engine.dispose()


def test_purge_removes_old_personal_data_and_keeps_comments(db_url):
    old_email, old_reference = _person(db_url, days_ago=400)
    new_email, _new_reference = _person(db_url, days_ago=1)
    engine = build_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        counts = purge(session, older_than_days=365)
        assert counts["contacts"] >= 1 and counts["chat_messages"] >= 1
        emails = set(session.exec(select(Contact.email)).all())
        assert old_email not in emails and new_email in emails
        assert session.exec(select(Comment).where(Comment.reference == old_reference)).one()
    engine.dispose()


def test_cli_export_and_erase(db_url, monkeypatch):
    from assistant.settings import get_settings

    email, _reference = _person(db_url)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        exported = runner.invoke(cli, ["privacy", "export", email])
        assert exported.exit_code == 0, exported.output
        assert json.loads(exported.stdout)["feedback"][0]["email"] == email
        erased = runner.invoke(cli, ["privacy", "erase", email, "--yes"])
        assert erased.exit_code == 0 and json.loads(erased.stdout)["contacts"] == 1
        purged = runner.invoke(cli, ["purge", "--older-than", "3650"])
        assert purged.exit_code == 0 and "contacts" in json.loads(purged.stdout)
        refused = runner.invoke(cli, ["purge", "--older-than", "0"])
        assert refused.exit_code != 0
    finally:
        get_settings.cache_clear()
