"""The emails of the market-dialogue domain, in the registrant's language, queued in the outbox."""

from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlmodel import Session

from assistant.dialogues.calendar import event_ics
from assistant.dialogues.models import Event, Registration
from assistant.errors import N_
from assistant.i18n import gettext_for
from assistant.outbox.service import enqueue

HELSINKI = ZoneInfo("Europe/Helsinki")


def _when(event: Event, lang: str) -> str:
    start = format_datetime(event.starts_at, "EEEE d.M.yyyy HH:mm", tzinfo=HELSINKI, locale=lang)
    end = format_datetime(event.ends_at, "HH:mm", tzinfo=HELSINKI, locale=lang)
    return f"{start}–{end}"


def _where(event: Event) -> str:
    return ", ".join(x for x in (event.venue, event.remote_url) if x)


def _details(event: Event, lang: str) -> str:
    _ = gettext_for(lang)
    return "\n".join(
        [
            event.text("title", lang),
            _("When: %(when)s") % {"when": _when(event, lang)},
            _("Where: %(where)s") % {"where": _where(event) or "–"},
        ]
    )


def _queue_notice(
    session: Session,
    *,
    event: Event,
    registration: Registration,
    subject: str,
    lines: list[str],
    event_url: str,
    calendar: bool = True,
    details: tuple[str, ...] = (),
) -> None:
    """A notice in the registrant's language: its lines, the event's details, its page, and the .ics."""
    _ = gettext_for(registration.lang)
    title = event.text("title", registration.lang)
    enqueue(
        session,
        to=registration.email,
        subject=_(subject) % {"title": title},
        body="\n\n".join(
            [
                *(_(line) for line in lines),
                _details(event, registration.lang),
                *details,
                _("Event page: %(url)s") % {"url": event_url},
            ]
        ),
        attachments=[("event.ics", "text/calendar", event_ics(event, registration.lang, event_url))]
        if calendar
        else [],
    )


def queue_registration_email(
    session: Session, *, event: Event, registration: Registration, cancel_url: str, event_url: str
) -> None:
    """Confirmation or waitlist notice with the .ics and the private cancel link."""
    _ = gettext_for(registration.lang)
    confirmed = registration.status == "confirmed"
    _queue_notice(
        session,
        event=event,
        registration=registration,
        event_url=event_url,
        subject=N_("Registration confirmed: %(title)s")
        if confirmed
        else N_("On the waiting list: %(title)s"),
        lines=[
            N_("Your registration is confirmed.")
            if confirmed
            else N_(
                "The event is full, so your registration is on the waiting list. We will tell you at once if a seat becomes free."
            )
        ],
        details=(
            _("Attendees: %(n)s") % {"n": registration.attendees},
            _("To cancel or to see your registration, open this private link: %(url)s")
            % {"url": cancel_url},
        ),
    )


def queue_promotion_email(
    session: Session, *, event: Event, registration: Registration, event_url: str
) -> None:
    """A seat became free: the waitlisted registration is now confirmed."""
    _queue_notice(
        session,
        event=event,
        registration=registration,
        event_url=event_url,
        subject=N_("A seat is yours: %(title)s"),
        lines=[
            N_(
                "A seat became free and your registration has moved from the waiting list to confirmed."
            )
        ],
    )


def queue_cancellation_email(
    session: Session, *, event: Event, registration: Registration, event_url: str
) -> None:
    """The county cancelled the event."""
    _queue_notice(
        session,
        event=event,
        registration=registration,
        event_url=event_url,
        subject=N_("Cancelled: %(title)s"),
        lines=[
            N_(
                "We are sorry: this event has been cancelled. Your registration has been cancelled with it."
            )
        ],
    )


def queue_memo_email(
    session: Session, *, event: Event, registration: Registration, event_url: str
) -> None:
    """The memo and the questions and answers were published: equal information to every supplier."""
    _queue_notice(
        session,
        event=event,
        registration=registration,
        event_url=event_url,
        calendar=False,
        subject=N_("Memo published: %(title)s"),
        lines=[
            N_(
                "The memo of the market dialogue and the questions and answers are now on the event page, in Finnish and Swedish."
            )
        ],
    )


def queue_change_email(
    session: Session, *, event: Event, registration: Registration, event_url: str
) -> None:
    """The time or place changed: the new details and an updated calendar entry."""
    _queue_notice(
        session,
        event=event,
        registration=registration,
        event_url=event_url,
        subject=N_("Changed: %(title)s"),
        lines=[
            N_("The time or place of this event has changed. Your registration is still valid.")
        ],
    )
