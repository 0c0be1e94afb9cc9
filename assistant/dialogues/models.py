"""Tables of the market-dialogue domain. The schema backs the rules: seats can never exceed
capacity, an organisation registers once per event, a slot is booked at most once and an
organisation books at most one slot."""

from datetime import datetime
from typing import Any

from pydantic import field_validator, model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from assistant.dialogues.enums import EventStatus, RegistrationStatus
from assistant.feedback.models import utcnow


def _web_address(value: str | None) -> str | None:
    """Only http(s) links are shown to the public."""
    if value and not value.lower().startswith(("https://", "http://")):
        raise ValueError("the remote link must start with https:// or http://")
    return value or None


class Event(SQLModel, table=True):
    """An information session, market dialogue, one-to-one meeting day or procurement fair."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=80, unique=True, description="Stable iCalendar UID")
    title_fi: str = Field(max_length=200)
    title_sv: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description_fi: str = ""
    description_sv: str = ""
    description_en: str | None = None
    kind: str = Field(max_length=32)
    service_area: str = Field(max_length=40, index=True)
    procurement: str | None = Field(default=None, max_length=200)
    starts_at: datetime = Field(index=True)
    ends_at: datetime
    venue: str | None = Field(default=None, max_length=300)
    remote_url: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(
        default_factory=lambda: ["fi"], sa_column=Column(JSON, nullable=False)
    )
    capacity: int = Field(ge=0)
    seats_taken: int = Field(default=0)
    max_per_organisation: int = Field(default=2, ge=1)
    registration_opens_at: datetime
    registration_closes_at: datetime
    status: str = Field(default=EventStatus.draft.value, max_length=16, index=True)
    sequence: int = Field(default=0, description="iCalendar SEQUENCE, bumped on every change")
    memo_fi: str | None = None
    memo_sv: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def text(self, field: str, lang: str) -> str:
        """Title or description in a language: English falls back to Finnish, Swedish is required."""
        value = getattr(self, f"{field}_{lang}", None)
        return value or getattr(self, f"{field}_fi") or ""


class Registration(SQLModel, table=True):
    """A producer's registration; confirmed, waitlisted in arrival order, or cancelled."""

    __tablename__ = "registration"
    # One active registration per organisation (by business ID or register number, and by name);
    # a cancelled registration does not stop the organisation from registering again.
    __table_args__ = (
        Index(
            "ux_registration_active_organisation",
            "event_id",
            "organisation_key",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index(
            "ux_registration_active_name",
            "event_id",
            "organisation_name_key",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    organisation_name: str = Field(max_length=200)
    organisation_key: str = Field(
        max_length=220, description="y:<Y-tunnus>, r:<register no.> or n:<name>"
    )
    organisation_name_key: str = Field(
        max_length=220, description="The name, lower-cased, spaces collapsed"
    )
    business_id: str | None = Field(default=None, max_length=9)
    register_number: str | None = Field(default=None, max_length=40)
    organisation_type: str = Field(max_length=16)
    organisation_size: str = Field(max_length=16)
    contact_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str = Field(max_length=20, description="E.164")
    attendees: int = Field(ge=1)
    topics: str = ""
    topics_label: str | None = Field(default=None, max_length=32)
    topics_scores: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    model_version: str | None = Field(default=None, max_length=40)
    lang: str = Field(default="fi", max_length=2)
    status: str = Field(default=RegistrationStatus.confirmed.value, max_length=16, index=True)
    cancel_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    promoted_at: datetime | None = None
    cancelled_at: datetime | None = None


class Slot(SQLModel, table=True):
    """A one-to-one meeting slot; `registration_id` is unique, so an organisation holds at most one."""

    __tablename__ = "slot"
    __table_args__ = (UniqueConstraint("event_id", "starts_at", name="one_slot_per_start"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    starts_at: datetime
    ends_at: datetime
    registration_id: int | None = Field(default=None, foreign_key="registration.id", unique=True)


class EventCreate(SQLModel):
    """Admin input for a new event (times with a time zone; naive times are read as Helsinki time)."""

    title_fi: str = Field(min_length=1, max_length=200)
    title_sv: str = Field(min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description_fi: str = ""
    description_sv: str = ""
    description_en: str | None = None
    kind: str
    service_area: str
    procurement: str | None = Field(default=None, max_length=200)
    starts_at: datetime
    ends_at: datetime
    venue: str | None = Field(default=None, max_length=300)
    remote_url: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(default_factory=lambda: ["fi"])
    capacity: int = Field(ge=0, le=10000)
    max_per_organisation: int = Field(default=2, ge=1, le=50)
    registration_opens_at: datetime
    registration_closes_at: datetime

    @field_validator("remote_url")
    @classmethod
    def _remote_url(cls, value: str | None) -> str | None:
        return _web_address(value)


class EventUpdate(SQLModel):
    """Admin changes to an event; omitted fields stay as they are."""

    title_fi: str | None = Field(default=None, min_length=1, max_length=200)
    title_sv: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = None
    description_fi: str | None = None
    description_sv: str | None = None
    description_en: str | None = None
    procurement: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue: str | None = None
    remote_url: str | None = None
    languages: list[str] | None = None
    capacity: int | None = Field(default=None, ge=0, le=10000)
    max_per_organisation: int | None = Field(default=None, ge=1, le=50)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    memo_fi: str | None = None
    memo_sv: str | None = None

    @field_validator("remote_url")
    @classmethod
    def _remote_url(cls, value: str | None) -> str | None:
        return _web_address(value)

    @model_validator(mode="after")
    def _required_fields_are_not_cleared(self) -> "EventUpdate":
        required = {
            "title_fi",
            "title_sv",
            "description_fi",
            "description_sv",
            "starts_at",
            "ends_at",
            "languages",
            "capacity",
            "max_per_organisation",
            "registration_opens_at",
            "registration_closes_at",
        }
        cleared = sorted(
            name for name in self.model_fields_set & required if getattr(self, name) is None
        )
        if cleared:
            raise ValueError(f"these fields cannot be empty: {', '.join(cleared)}")
        return self


class EventPublic(SQLModel):
    """An event as the public API shows it."""

    id: int
    uid: str
    title_fi: str
    title_sv: str
    title_en: str | None
    description_fi: str
    description_sv: str
    description_en: str | None
    kind: str
    service_area: str
    procurement: str | None
    starts_at: datetime
    ends_at: datetime
    venue: str | None
    remote_url: str | None
    languages: list[str]
    capacity: int
    seats_left: int
    max_per_organisation: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    status: str
    memo_fi: str | None
    memo_sv: str | None


def event_public(event: Event) -> EventPublic:
    """The public view of an event."""
    data: dict[str, Any] = event.model_dump()
    data["seats_left"] = max(event.capacity - event.seats_taken, 0)
    return EventPublic(**data)
