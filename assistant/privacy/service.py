"""What Vuoropuhe holds about an email address, its erasure, and the retention purge.

Personal data lives in four places: feedback contacts (given with consent at the end of a chat),
market-dialogue registrations (contact person, email, phone), the outbox (emails to people) and
user accounts. Comments are kept when their author is erased: the link to the contact goes, the
text stays (its personal details are masked wherever it is shown outside the workspace).
Every export, erasure and purge is written to the audit log; the log keeps a hash of the email,
not the email itself.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from assistant.accounts.models import User
from assistant.audit.service import record
from assistant.dialogues.models import Event, Registration
from assistant.feedback.models import ChatMessage, Comment, Contact, Conversation, utcnow
from assistant.outbox.models import OutboxMessage

ERASED = "(erased)"


def email_key(email: str) -> str:
    """A stable pseudonym of an email address for the audit log."""
    return "sha256:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(
    session: Session, email: str, *, actor: User | None, actor_name: str | None = None
) -> dict[str, Any]:
    """Everything held about an email address, as JSON-ready data. Audited."""
    needle = email.strip().lower()
    contacts = session.exec(select(Contact).where(func.lower(Contact.email) == needle)).all()
    data: dict[str, Any] = {"email": email.strip(), "exported_at": utcnow().isoformat()}
    data["feedback"] = []
    for contact in contacts:
        comments = session.exec(
            select(Comment).where(Comment.conversation_id == contact.conversation_id)
        ).all()
        data["feedback"].append(
            {
                "name": contact.name,
                "email": contact.email,
                "consent": contact.consent_text,
                "consented_at": _iso(contact.consented_at),
                "comments": [
                    {
                        "reference": c.reference,
                        "text": c.text,
                        "stakeholder": c.stakeholder,
                        "organisation": c.organisation,
                        "category": c.label,
                        "status": c.status,
                        "created_at": _iso(c.created_at),
                    }
                    for c in comments
                ],
            }
        )
    registrations = session.exec(
        select(Registration).where(func.lower(Registration.email) == needle)
    ).all()
    events = {e.id: e for e in session.exec(select(Event)).all()}
    data["registrations"] = [
        {
            "event": events[r.event_id].title_fi if r.event_id in events else None,
            "organisation": r.organisation_name,
            "business_id": r.business_id,
            "contact_name": r.contact_name,
            "email": r.email,
            "phone": r.phone,
            "attendees": r.attendees,
            "topics": r.topics,
            "status": r.status,
            "created_at": _iso(r.created_at),
        }
        for r in registrations
    ]
    messages = session.exec(
        select(OutboxMessage).where(func.lower(OutboxMessage.to) == needle)
    ).all()
    data["emails"] = [
        {"subject": m.subject, "status": m.status, "created_at": _iso(m.created_at)}
        for m in messages
    ]
    user = session.exec(select(User).where(func.lower(User.email) == needle)).first()
    data["account"] = (
        {"role": user.role, "name": user.name, "created_at": _iso(user.created_at)}
        if user
        else None
    )
    record(
        session,
        actor=actor,
        actor_name=actor_name,
        action="privacy.export",
        target_type="person",
        target_id=email_key(email),
    )
    session.commit()
    return data


def erase(
    session: Session, email: str, *, actor: User | None, actor_name: str | None = None
) -> dict[str, int]:
    """Delete an email address's contact details; comments stay, unlinked. Audited."""
    needle = email.strip().lower()
    counts = {"contacts": 0, "registrations": 0, "emails": 0}
    for contact in session.exec(select(Contact).where(func.lower(Contact.email) == needle)).all():
        session.delete(contact)
        counts["contacts"] += 1
    for registration in session.exec(
        select(Registration).where(func.lower(Registration.email) == needle)
    ).all():
        _anonymise(registration)
        session.add(registration)
        counts["registrations"] += 1
    counts["emails"] = session.execute(
        delete(OutboxMessage).where(func.lower(OutboxMessage.to) == needle)
    ).rowcount
    record(
        session,
        actor=actor,
        actor_name=actor_name,
        action="privacy.erase",
        target_type="person",
        target_id=email_key(email),
        after=counts,
    )
    session.commit()
    return counts


def _anonymise(registration: Registration) -> None:
    registration.contact_name = ERASED
    registration.email = f"erased-{registration.id}@invalid"
    registration.phone = ""
    registration.topics = ""


def purge(session: Session, *, older_than_days: int, actor_name: str = "cli") -> dict[str, int]:
    """Retention: remove personal data older than the limit. Comments stay (anonymous). Audited.

    - feedback contacts given more than DAYS ago are deleted;
    - registrations to events that ended more than DAYS ago lose their contact details;
    - emails sent (or failed for good) more than DAYS ago are deleted;
    - conversations older than DAYS lose their chat transcript and private link (the comments
      themselves stay, with their reference codes).
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = utcnow() - timedelta(days=older_than_days)
    counts: dict[str, int] = {}
    counts["contacts"] = session.execute(
        delete(Contact).where(col(Contact.consented_at) < cutoff)
    ).rowcount
    ended = select(Event.id).where(col(Event.ends_at) < cutoff)
    registrations = session.exec(
        select(Registration).where(
            col(Registration.event_id).in_(ended), Registration.contact_name != ERASED
        )
    ).all()
    for registration in registrations:
        _anonymise(registration)
        session.add(registration)
    counts["registrations"] = len(registrations)
    counts["emails"] = session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.status) != "pending", col(OutboxMessage.created_at) < cutoff
        )
    ).rowcount
    old = select(Conversation.id).where(col(Conversation.created_at) < cutoff)
    counts["chat_messages"] = session.execute(
        delete(ChatMessage).where(col(ChatMessage.conversation_id).in_(old))
    ).rowcount
    session.execute(
        Conversation.__table__.update()  # type: ignore[attr-defined]
        .where(col(Conversation.created_at) < cutoff)
        .values(access_hash=None, organisation=None)
    )
    record(
        session,
        actor=None,
        actor_name=actor_name,
        action="privacy.purge",
        target_type="retention",
        target_id=str(older_than_days),
        after=counts,
    )
    session.commit()
    return counts
