"""Recording and reading the audit log. Callers add the entry in the same transaction as the change
it describes, so the log and the data never disagree."""

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.audit.models import AuditEntry

CLI = "cli"
SYSTEM = "system"


def record(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    target_type: str | None = None,
    target_id: object | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Add an audit entry (the caller commits). `actor` is a User, or None with `actor_name`."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or actor_name or SYSTEM,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    session.add(entry)
    return entry


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def entries(
    session: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """Entries newest first, filtered, one page at a time (keyset on the id)."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(func.lower(AuditEntry.actor) == actor.strip().lower())
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if before_id:
        query = query.where(col(AuditEntry.id) < before_id)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)).all())


def actions(session: Session) -> list[str]:
    """The actions that occur in the log, for the filter."""
    return sorted(session.exec(select(AuditEntry.action).distinct()).all())
