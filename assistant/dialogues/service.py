"""Market-dialogue rules: scheduling, registration with capacity and waitlist, cancellation with
promotion, one-to-one slots. Each use case commits once before returning."""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.classifier.registry import Prediction
from assistant.dialogues import emails
from assistant.dialogues.enums import EventKind, EventStatus, RegistrationStatus
from assistant.dialogues.models import Event, EventCreate, EventUpdate, Registration, Slot
from assistant.dialogues.validation import RegistrationInput
from assistant.errors import N_, DomainError, InvalidInput, NotFound
from assistant.feedback.models import utcnow
from assistant.feedback.service import hash_secret, new_secret

HELSINKI = ZoneInfo("Europe/Helsinki")


class EventNotFound(NotFound):
    """No such event, or not published."""

    message = N_("This event does not exist or is not published.")


class EventCancelled(DomainError):
    """The event was cancelled."""

    status_code = 409
    message = N_("This event has been cancelled.")


class RegistrationClosed(DomainError):
    """Outside the registration window."""

    status_code = 409
    message = N_("Registration for this event is not open.")


class DuplicateRegistration(DomainError):
    """The organisation already registered for this event."""

    status_code = 409
    message = N_(
        "Your organisation has already registered for this event. Use the link in your confirmation email to change or cancel it."
    )


class SlotUnavailable(DomainError):
    """The slot is booked, or the registration may not book."""

    status_code = 409
    message = N_("This time slot has just been booked by someone else. Please choose another.")


class AlreadyHasSlot(DomainError):
    """An organisation books at most one slot."""

    status_code = 409
    message = N_("Your organisation already has a time slot for this event.")


class RegistrationNotFound(NotFound):
    """A private link that opens nothing."""

    message = N_("This link is not valid. Check that you copied all of it.")


@lru_cache(maxsize=4)
def _service_areas(path: Path) -> dict[str, dict[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {item["key"]: item["name"] for item in data["service_areas"]}


def service_areas(path: Path) -> dict[str, dict[str, str]]:
    """The configurable service areas: key → names in fi/sv/en."""
    return _service_areas(path)


def as_utc(value: datetime) -> datetime:
    """Aware UTC time; a naive value is read as Helsinki time (what an admin types)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    return value.astimezone(UTC)


def _check_event_fields(data: EventCreate | Event, areas: dict[str, dict[str, str]]) -> None:
    if data.kind not in EventKind.__members__:
        raise InvalidInput(N_("Unknown kind of event."), field="kind")
    if data.service_area not in areas:
        raise InvalidInput(N_("Unknown service area."), field="service_area")
    if not set(data.languages) or not set(data.languages) <= {"fi", "sv", "en"}:
        raise InvalidInput(N_("Languages must be among fi, sv and en."), field="languages")
    if as_utc(data.ends_at) <= as_utc(data.starts_at):
        raise InvalidInput(N_("The event must end after it starts."), field="ends_at")
    if as_utc(data.registration_closes_at) <= as_utc(data.registration_opens_at):
        raise InvalidInput(
            N_("Registration must close after it opens."), field="registration_closes_at"
        )
    if as_utc(data.registration_closes_at) > as_utc(data.starts_at):
        raise InvalidInput(
            N_("Registration must close before the event starts."), field="registration_closes_at"
        )


def scheduling_warnings(session: Session, event: Event) -> list[str]:
    """Overlaps the admin should know about: same venue at the same time, same service area that day."""
    warnings: list[str] = []
    others = session.exec(
        select(Event).where(Event.id != event.id, Event.status != EventStatus.cancelled.value)
    ).all()
    day = as_utc(event.starts_at).astimezone(HELSINKI).date()
    for other in others:
        overlaps = as_utc(other.starts_at) < as_utc(event.ends_at) and as_utc(
            event.starts_at
        ) < as_utc(other.ends_at)
        if (
            overlaps
            and event.venue
            and other.venue
            and event.venue.strip().lower() == other.venue.strip().lower()
        ):
            warnings.append(f"overlaps_venue:{other.id}")
        if (
            other.service_area == event.service_area
            and as_utc(other.starts_at).astimezone(HELSINKI).date() == day
        ):
            warnings.append(f"same_service_area_same_day:{other.id}")
    return warnings


def create_event(
    *, session: Session, data: EventCreate, areas: dict[str, dict[str, str]]
) -> tuple[Event, list[str]]:
    """A new draft event and the scheduling warnings it raises."""
    _check_event_fields(data, areas)
    values = data.model_dump()
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        values[name] = as_utc(values[name])
    event = Event(**values, uid=f"{uuid.uuid4()}@vuoropuhe", status=EventStatus.draft.value)
    session.add(event)
    session.flush()
    warnings = scheduling_warnings(session, event)
    session.commit()
    return event, warnings


def get_event(*, session: Session, event_id: int, public: bool = True) -> Event:
    """An event; the public sees only published and cancelled ones."""
    event = session.get(Event, event_id)
    if event is None or (public and event.status == EventStatus.draft.value):
        raise EventNotFound()
    return event


def update_event(
    *,
    session: Session,
    event_id: int,
    data: EventUpdate,
    areas: dict[str, dict[str, str]],
    event_url: str,
) -> tuple[Event, list[str]]:
    """Change an event; SEQUENCE goes up; publishing a memo notifies every registrant."""
    event = get_event(session=session, event_id=event_id, public=False)
    changes = data.model_dump(exclude_unset=True)
    memo_published = bool(
        (changes.get("memo_fi") and changes.get("memo_fi") != event.memo_fi)
        or (changes.get("memo_sv") and changes.get("memo_sv") != event.memo_sv)
    )
    before = {name: getattr(event, name) for name in PRACTICAL_FIELDS}
    for name, value in changes.items():
        if (
            name in {"starts_at", "ends_at", "registration_opens_at", "registration_closes_at"}
            and value is not None
        ):
            value = as_utc(value)
        setattr(event, name, value)
    moved = [
        name
        for name in PRACTICAL_FIELDS
        if name in changes and _comparable(before[name]) != _comparable(getattr(event, name))
    ]
    _check_event_fields(event, areas)
    if event.capacity < event.seats_taken:
        raise InvalidInput(
            N_("Capacity cannot go below the seats already confirmed."), field="capacity"
        )
    event.sequence += 1
    event.updated_at = utcnow()
    session.add(event)
    session.flush()
    if "capacity" in changes and event.status == EventStatus.published.value:
        promote_from_waitlist(session, event, event_url)
    if memo_published:
        for registration in _active_registrations(session, event.id):
            emails.queue_memo_email(
                session, event=event, registration=registration, event_url=event_url
            )
    if moved and event.status == EventStatus.published.value:
        # Registrants get the new time or place, with the updated calendar entry.
        for registration in _active_registrations(session, event.id):
            emails.queue_change_email(
                session, event=event, registration=registration, event_url=event_url
            )
    warnings = scheduling_warnings(session, event)
    session.commit()
    return event, warnings


PRACTICAL_FIELDS = ("starts_at", "ends_at", "venue", "remote_url")


def _comparable(value: object) -> object:
    return as_utc(value) if isinstance(value, datetime) else value


def publish_event(*, session: Session, event_id: int) -> Event:
    """Make a draft event public."""
    event = get_event(session=session, event_id=event_id, public=False)
    if event.status == EventStatus.cancelled.value:
        raise EventCancelled()
    event.status = EventStatus.published.value
    event.sequence += 1
    event.updated_at = utcnow()
    session.add(event)
    session.commit()
    return event


def _active_registrations(session: Session, event_id: int | None) -> Sequence[Registration]:
    return session.exec(
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status != RegistrationStatus.cancelled.value,
        )
        .order_by(col(Registration.id))
    ).all()


def cancel_event(*, session: Session, event_id: int, event_url: str) -> Event:
    """Cancel an event and notify everyone registered."""
    event = get_event(session=session, event_id=event_id, public=False)
    if event.status == EventStatus.cancelled.value:
        return event
    for registration in _active_registrations(session, event.id):
        registration.status = RegistrationStatus.cancelled.value
        registration.cancelled_at = utcnow()
        session.add(registration)
        emails.queue_cancellation_email(
            session, event=event, registration=registration, event_url=event_url
        )
    event.status = EventStatus.cancelled.value
    event.seats_taken = 0
    event.sequence += 1
    event.updated_at = utcnow()
    session.add(event)
    session.commit()
    return event


def upcoming_events(
    *, session: Session, now: datetime, service_area: str | None = None, language: str | None = None
) -> list[Event]:
    """Published events that have not ended, soonest first."""
    query = select(Event).where(Event.status == EventStatus.published.value, Event.ends_at >= now)
    if service_area:
        query = query.where(Event.service_area == service_area)
    events = list(session.exec(query.order_by(col(Event.starts_at))).all())
    return [e for e in events if not language or language in e.languages]


def registration_open(event: Event, now: datetime) -> bool:
    """Whether the registration window is open now."""
    return as_utc(event.registration_opens_at) <= now <= as_utc(event.registration_closes_at)


def register(
    *,
    session: Session,
    event_id: int,
    form: RegistrationInput,
    lang: str,
    topics_prediction: Prediction | None,
    now: datetime,
    cancel_url_for,
    event_url: str,
) -> tuple[Registration, str]:
    """Register an organisation: confirmed while seats last, then waitlisted in arrival order.

    `topics_prediction` is the classifier's reading of what the producer wants to discuss, made
    before the transaction so that the write lock is never held during classification.
    Returns the registration and its private-link secret (only its hash is stored). The seat count
    is taken with one conditional UPDATE, so concurrent registrations can never overbook; the
    database's CHECK constraint backs it.
    """
    # The event row is locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises), so
    # registrations for one event are decided one at a time and seats go in arrival order.
    event = session.exec(select(Event).where(Event.id == event_id).with_for_update()).first()
    if event is None or event.status == EventStatus.draft.value:
        raise EventNotFound()
    if event.status == EventStatus.cancelled.value:
        raise EventCancelled()
    if not registration_open(event, now):
        raise RegistrationClosed()
    if form.attendees > event.max_per_organisation:
        raise InvalidInput(
            N_("At most %(limit)s people per organisation can attend this event."),
            field="attendees",
            limit=event.max_per_organisation,
        )
    secret = new_secret()
    registration = Registration(
        event_id=event.id,  # type: ignore[arg-type]
        organisation_name=form.organisation_name,
        organisation_key=form.organisation_key,
        organisation_name_key=form.organisation_name_key,
        business_id=form.business_id,
        register_number=form.register_number,
        organisation_type=form.organisation_type,
        organisation_size=form.organisation_size,
        contact_name=form.contact_name,
        email=form.email,
        phone=form.phone,
        attendees=form.attendees,
        topics=form.topics,
        lang=lang,
        cancel_hash=hash_secret(secret),
        status=RegistrationStatus.waitlisted.value,
    )
    if topics_prediction is not None:
        registration.topics_label = topics_prediction.label
        registration.topics_scores = topics_prediction.scores
        registration.model_version = topics_prediction.model_version
    session.add(registration)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateRegistration() from exc
    someone_waits = (
        session.exec(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.waitlisted.value,
                Registration.id != registration.id,
            )
        ).first()
        is not None
    )
    # Nobody overtakes the waitlist: while someone waits, newcomers wait too.
    if not someone_waits:
        taken = session.execute(
            update(Event)
            .where(
                col(Event.id) == event.id,
                col(Event.seats_taken) + form.attendees <= col(Event.capacity),
            )
            .values(seats_taken=col(Event.seats_taken) + form.attendees)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            registration.status = RegistrationStatus.confirmed.value
    session.add(registration)
    session.flush()
    session.refresh(event)
    emails.queue_registration_email(
        session,
        event=event,
        registration=registration,
        cancel_url=cancel_url_for(secret),
        event_url=event_url,
    )
    session.commit()
    return registration, secret


def registration_for_secret(*, session: Session, secret: str) -> Registration:
    """The registration a private link opens."""
    registration = session.exec(
        select(Registration).where(Registration.cancel_hash == hash_secret(secret))
    ).first()
    if registration is None:
        raise RegistrationNotFound()
    return registration


def promote_from_waitlist(session: Session, event: Event, event_url: str) -> list[Registration]:
    """Confirm waitlisted registrations in arrival order while their attendees fit (caller commits)."""
    promoted = []
    for waiting in session.exec(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.waitlisted.value,
        )
        .order_by(col(Registration.created_at), col(Registration.id))
    ).all():
        taken = session.execute(
            update(Event)
            .where(
                col(Event.id) == event.id,
                col(Event.seats_taken) + waiting.attendees <= col(Event.capacity),
            )
            .values(seats_taken=col(Event.seats_taken) + waiting.attendees)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            break  # arrival order is kept: nobody jumps the queue with a smaller group
        waiting.status = RegistrationStatus.confirmed.value
        waiting.promoted_at = utcnow()
        session.add(waiting)
        emails.queue_promotion_email(
            session, event=event, registration=waiting, event_url=event_url
        )
        promoted.append(waiting)
    session.flush()
    return promoted


def cancel_registration(
    *, session: Session, secret: str, event_url: str
) -> tuple[Registration, list[Registration]]:
    """Cancel through the private link; frees seats and a slot, and promotes from the waitlist."""
    registration = registration_for_secret(session=session, secret=secret)
    if registration.status == RegistrationStatus.cancelled.value:
        return registration, []
    # Lock the event row (PostgreSQL) so that promotions are decided one at a time.
    event = session.exec(
        select(Event).where(Event.id == registration.event_id).with_for_update()
    ).one()
    was_confirmed = registration.status == RegistrationStatus.confirmed.value
    registration.status = RegistrationStatus.cancelled.value
    registration.cancelled_at = utcnow()
    session.add(registration)
    session.execute(
        update(Slot)
        .where(col(Slot.registration_id) == registration.id)
        .values(registration_id=None)
    )
    promoted: list[Registration] = []
    if was_confirmed:
        session.execute(
            update(Event)
            .where(col(Event.id) == event.id)
            .values(seats_taken=col(Event.seats_taken) - registration.attendees)
        )
        session.flush()
        session.refresh(event)
        if event.status == EventStatus.published.value:
            promoted = promote_from_waitlist(session, event, event_url)
    session.commit()
    return registration, promoted


def generate_slots(
    *, session: Session, event_id: int, window_start: datetime, window_end: datetime, minutes: int
) -> list[Slot]:
    """Cut a time window into one-to-one slots of the given length (existing slots stay)."""
    event = get_event(session=session, event_id=event_id, public=False)
    if event.kind != EventKind.one_to_one.value:
        raise InvalidInput(N_("Only one-to-one meeting events have time slots."), field="kind")
    if not 5 <= minutes <= 240:
        raise InvalidInput(N_("A slot must be 5 to 240 minutes long."), field="minutes")
    start, end = as_utc(window_start), as_utc(window_end)
    if end <= start:
        raise InvalidInput(N_("The window must end after it starts."), field="window_end")
    existing = {
        as_utc(s.starts_at)
        for s in session.exec(select(Slot).where(Slot.event_id == event_id)).all()
    }
    created = []
    cursor = start
    while cursor + timedelta(minutes=minutes) <= end:
        if cursor not in existing:
            slot = Slot(
                event_id=event_id, starts_at=cursor, ends_at=cursor + timedelta(minutes=minutes)
            )
            session.add(slot)
            created.append(slot)
        cursor += timedelta(minutes=minutes)
    session.commit()
    return created


def slots_of(*, session: Session, event_id: int) -> list[Slot]:
    """An event's slots in time order."""
    return list(
        session.exec(
            select(Slot).where(Slot.event_id == event_id).order_by(col(Slot.starts_at))
        ).all()
    )


def book_slot(*, session: Session, secret: str, slot_id: int) -> Slot:
    """Book one slot for a confirmed registration; a slot is never booked twice."""
    registration = registration_for_secret(session=session, secret=secret)
    if registration.status != RegistrationStatus.confirmed.value:
        raise SlotUnavailable(N_("Only confirmed registrations can book a time slot."))
    if (
        session.exec(select(Slot).where(Slot.registration_id == registration.id)).first()
        is not None
    ):
        raise AlreadyHasSlot()
    try:
        booked = session.execute(
            update(Slot)
            .where(
                col(Slot.id) == slot_id,
                col(Slot.event_id) == registration.event_id,
                col(Slot.registration_id).is_(None),
            )
            .values(registration_id=registration.id)
        )
        if booked.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise SlotUnavailable()
        session.commit()
    except (
        IntegrityError
    ) as exc:  # the unique registration_id: a concurrent booking of another slot
        session.rollback()
        raise AlreadyHasSlot() from exc
    slot = session.get(Slot, slot_id)
    assert slot is not None
    return slot


def registrations_of(*, session: Session, event_id: int) -> list[Registration]:
    """All registrations of an event in arrival order."""
    return list(
        session.exec(
            select(Registration)
            .where(Registration.event_id == event_id)
            .order_by(col(Registration.created_at), col(Registration.id))
        ).all()
    )
