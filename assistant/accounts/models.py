"""Tables of the accounts domain."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from assistant.feedback.models import utcnow


class Role(StrEnum):
    """What a user may do: preparers review and summarise; admins also manage users, events, models."""

    preparer = "preparer"
    admin = "admin"


class User(SQLModel, table=True):
    """A preparer or an admin. The password is stored only as an Argon2 hash."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        """Whether the user holds the admin role."""
        return self.role == Role.admin.value


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random value; only its SHA-256 is stored."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token for the admin API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
