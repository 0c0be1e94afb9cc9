"""The outbox: enqueue in the caller's transaction; a worker claims, sends and marks messages.

Delivery is at least once: a crash after sending but before marking sent re-sends on restart.
The file transport makes that harmless (one file per Message-ID, written atomically); over SMTP
the repeated message carries the same Message-ID, so mail systems can drop the duplicate.
"""

import base64
import os
import smtplib
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from assistant.db import read_only
from assistant.feedback.models import utcnow
from assistant.outbox.models import OutboxMessage

MAX_ATTEMPTS = 8


class Transport(Protocol):
    """Something that delivers an email."""

    def deliver(self, message: EmailMessage) -> None:
        """Send the message or raise."""


class FileTransport:
    """Writes each message as <Message-ID>.eml under a folder (the default outside production)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def deliver(self, message: EmailMessage) -> None:
        """Write atomically, so a reader never sees half a message and a retry overwrites in place."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_")
        final = self.folder / f"{name}.eml"
        temporary = final.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(final)


class SmtpTransport:
    """Sends through an SMTP server."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
    ):
        self.host, self.port, self.username, self.password, self.starttls = (
            host,
            port,
            username,
            password,
            starttls,
        )

    def deliver(self, message: EmailMessage) -> None:
        """One connection per message keeps failures independent."""
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    domain: str = "vuoropuhe.local",
) -> OutboxMessage:
    """Add a message to the session; it is sent only if the caller's transaction commits."""
    message = OutboxMessage(
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
        to=to,
        subject=subject,
        body=body,
        attachments=[
            {
                "filename": name,
                "content_type": content_type,
                "data": base64.b64encode(data).decode(),
            }
            for name, content_type, data in attachments
        ],
    )
    session.add(message)
    return message


def to_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The stored message as an RFC 5322 email."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body)
    for attachment in message.attachments:
        maintype, _, subtype = attachment["content_type"].partition("/")
        email.add_attachment(
            base64.b64decode(attachment["data"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return email


def _claim(
    session: Session, now: datetime, limit: int, *, lock: bool = True
) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        # Several workers may run: each skips the rows another has locked.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def send_pending(
    *, engine: Engine, transport: Transport, sender: str, limit: int = 100
) -> dict[str, int]:
    """Send what is due, one message per transaction; failures back off exponentially."""
    sent = failed = 0
    with Session(read_only(engine)) as session:  # an idle poll takes no write lock
        if not _claim(session, utcnow(), 1, lock=False):
            return {"sent": 0, "failed": 0}
    while True:
        with Session(engine) as session:
            batch = _claim(session, utcnow(), 1)
            if not batch:
                break
            message = batch[0]
            try:
                transport.deliver(to_email(message, sender))
            except (TimeoutError, OSError, smtplib.SMTPException) as exc:
                message.attempts += 1
                message.last_error = str(exc)[:500]
                message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "pending"
                message.next_attempt_at = utcnow() + timedelta(seconds=30 * 2**message.attempts)
                failed += 1
            else:
                message.status = "sent"
                message.sent_at = utcnow()
                message.attempts += 1
                sent += 1
            session.add(message)
            session.commit()
        if sent + failed >= limit:
            break
    return {"sent": sent, "failed": failed}


def pending_count(session: Session) -> int:
    """Messages still waiting."""
    return len(
        session.exec(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all()
    )


def transport_from_settings(settings: Any) -> Transport:
    """SMTP when a host is configured, otherwise .eml files under var/outbox/."""
    if settings.smtp_host:
        return SmtpTransport(
            settings.smtp_host, settings.smtp_port, settings.smtp_username, settings.smtp_password
        )
    return FileTransport(settings.outbox_dir)
