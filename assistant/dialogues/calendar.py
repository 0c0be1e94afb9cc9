"""iCalendar files made with the `icalendar` library: stable UIDs, time zones, SEQUENCE, STATUS."""

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as IcsEvent

from assistant.dialogues.models import Event

HELSINKI = ZoneInfo("Europe/Helsinki")
PRODID = "-//Vuoropuhe//Market dialogues//FI"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", " ".join(name.split()))
    return calendar


def _vevent(event: Event, lang: str, url: str | None) -> IcsEvent:
    item = IcsEvent()
    item.add("uid", event.uid)
    item.add("dtstamp", datetime.now(UTC))
    item.add("dtstart", event.starts_at.astimezone(HELSINKI))
    item.add("dtend", event.ends_at.astimezone(HELSINKI))
    item.add("summary", event.text("title", lang))
    description = event.text("description", lang)
    if event.remote_url:
        description = f"{description}\n\n{event.remote_url}".strip()
    if description:
        item.add("description", description)
    if event.venue:
        item.add("location", event.venue)
    if url:
        item.add("url", url)
    item.add("sequence", event.sequence)
    item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    item.add("last-modified", event.updated_at)
    return item


def event_ics(event: Event, lang: str, url: str | None = None) -> bytes:
    """One event as an .ics file."""
    calendar = _calendar(event.text("title", lang))
    calendar.add_component(_vevent(event, lang, url))
    if hasattr(calendar, "add_missing_timezones"):
        calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_ics(
    events: Iterable[Event], lang: str, name: str, url_for: dict[int, str] | None = None
) -> bytes:
    """A subscribable feed of events."""
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_vevent(event, lang, (url_for or {}).get(event.id or 0)))
    if hasattr(calendar, "add_missing_timezones"):
        calendar.add_missing_timezones()
    return calendar.to_ical()
