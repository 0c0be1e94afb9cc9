"""Account rules: users, sign-in, server-side sessions and API tokens.

Sessions end on sign-out, after 30 minutes idle and 12 hours after sign-in. Cookie values and API
tokens are 256-bit random strings; only their SHA-256 is stored, so a copy of the database does not
let anyone in.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.accounts.models import ApiToken, Role, User, UserSession
from assistant.accounts.passwords import (
    burn_time,
    check_password,
    hash_password,
    verify_password,
)
from assistant.audit.service import record
from assistant.errors import N_, InvalidInput, NotFound
from assistant.feedback.models import utcnow

IDLE_LIMIT = timedelta(minutes=30)
ABSOLUTE_LIMIT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # how often a request refreshes last_seen_at (a write)
TOKEN_PREFIX = "vp_"


def digest(value: str) -> str:
    """SHA-256 hex digest of a secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """A checked, lower-cased email address (no DNS look-up)."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(N_("Enter a valid email address."), field="email") from exc


def find_user(session: Session, email: str) -> User | None:
    """The user with this email (any case), or None."""
    return session.exec(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def get_user(session: Session, email: str) -> User:
    """The user with this email, or NotFound."""
    user = find_user(session, email)
    if user is None:
        raise NotFound(N_("No user with that email address."), field="email")
    return user


def add_user(
    session: Session,
    *,
    email: str,
    role: str,
    password: str,
    name: str | None = None,
    actor: User | None = None,
    actor_name: str | None = None,
) -> User:
    """Create a user (the password checked and hashed); audited; commits."""
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise InvalidInput(N_("Choose a role."), field="role")
    if find_user(session, email) is not None:
        raise InvalidInput(N_("A user with that email address already exists."), field="email")
    check_password(password, user_inputs=[email, email.split("@")[0], name or ""])
    user = User(
        email=email,
        role=role,
        name=(name or "").strip() or None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        actor_name=actor_name,
        action="user.add",
        target_type="user",
        target_id=user.email,
        after={"role": role, "active": True},
    )
    session.commit()
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by email."""
    return list(session.exec(select(User).order_by(User.email)).all())


def update_user(
    session: Session,
    user: User,
    *,
    role: str | None = None,
    active: bool | None = None,
    actor: User | None = None,
    actor_name: str | None = None,
) -> User:
    """Change a user's role or active flag; disabling ends their sessions and tokens. Audited."""
    before = {"role": user.role, "active": user.active}
    if role is not None:
        if role not in {r.value for r in Role}:
            raise InvalidInput(N_("Choose a role."), field="role")
        user.role = role
    if active is not None:
        user.active = active
    if actor is not None and actor.id == user.id and (not user.active or not user.is_admin):
        session.rollback()
        raise InvalidInput(N_("You cannot remove your own admin rights."), field="role")
    after = {"role": user.role, "active": user.active}
    if before == after:
        return user
    user.updated_at = utcnow()
    if not user.active:
        _end_all(session, user)
    elif before["role"] == Role.admin.value and not user.is_admin:
        _revoke_tokens(session, user)  # API tokens are an admin's; a demotion ends them for good
    session.add(user)
    record(
        session,
        actor=actor,
        actor_name=actor_name,
        action="user.update",
        target_type="user",
        target_id=user.email,
        before=before,
        after=after,
    )
    session.commit()
    return user


def _end_all(session: Session, user: User) -> None:
    now = utcnow()
    for row in session.exec(
        select(UserSession).where(
            UserSession.user_id == user.id, col(UserSession.ended_at).is_(None)
        )
    ):
        row.ended_at = now
        session.add(row)
    _revoke_tokens(session, user)


def _revoke_tokens(session: Session, user: User) -> None:
    now = utcnow()
    for token in session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ):
        token.revoked_at = now
        session.add(token)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user whose password matches, or None (in constant-ish time either way)."""
    user = find_user(session, email)
    if user is None or not user.active:
        burn_time(password)
        return None
    ok, new_hash = verify_password(password, user.password_hash)
    if not ok:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


@dataclass(frozen=True)
class SignedIn:
    """A valid session: its user, its CSRF token and its database id."""

    user: User
    csrf: str
    session_id: int


def start_session(session: Session, user: User) -> str:
    """A new session for the user (always a fresh id); returns the cookie value. Audited."""
    value = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=digest(value),
            user_id=user.id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    user.last_sign_in_at = now
    session.add(user)
    record(session, actor=user, action="auth.sign_in", target_type="user", target_id=user.email)
    session.commit()
    return value


def resume_session(
    session: Session, value: str | None, now: datetime | None = None
) -> SignedIn | None:
    """The signed-in user for a cookie value, or None when missing, ended, idle or too old."""
    if not value or len(value) > 200:
        return None
    now = now or utcnow()
    row = session.exec(select(UserSession).where(UserSession.token_hash == digest(value))).first()
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > ABSOLUTE_LIMIT:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return SignedIn(user=user, csrf=row.csrf, session_id=row.id)


def end_session(session: Session, value: str | None) -> None:
    """Sign out: the session row is ended on the server. Audited."""
    if not value:
        return
    row = session.exec(select(UserSession).where(UserSession.token_hash == digest(value))).first()
    if row is None or row.ended_at is not None:
        return
    row.ended_at = utcnow()
    session.add(row)
    user = session.get(User, row.user_id)
    record(
        session,
        actor=user,
        action="auth.sign_out",
        target_type="user",
        target_id=user.email if user else None,
    )
    session.commit()


def create_token(
    session: Session, user: User, *, label: str | None = None, actor_name: str | None = None
) -> tuple[ApiToken, str]:
    """A new API token for an admin; the plain value is returned once and never stored."""
    if not user.active or not user.is_admin:
        raise InvalidInput(N_("API tokens are for active admins only."), field="email")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=digest(value), label=label)
    session.add(token)
    session.flush()
    record(
        session,
        actor=None,
        actor_name=actor_name,
        action="token.create",
        target_type="token",
        target_id=token.id,
        after={"user": user.email, "label": label},
    )
    session.commit()
    return token, value


def revoke_token(session: Session, token_id: int, *, actor_name: str | None = None) -> ApiToken:
    """Revoke a token by its id. Audited."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(N_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        record(
            session,
            actor=None,
            actor_name=actor_name,
            action="token.revoke",
            target_type="token",
            target_id=token.id,
        )
        session.commit()
    return token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())
        ).all()
    )


def user_for_token(session: Session, value: str) -> User | None:
    """The active admin that a bearer token belongs to, or None."""
    if not value.startswith(TOKEN_PREFIX) or len(value) > 200:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(value))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active or not user.is_admin:
        return None
    if not hmac.compare_digest(token.token_hash, digest(value)):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
        session.commit()
    return user
