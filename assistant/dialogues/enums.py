"""Fixed vocabularies of the market-dialogue domain."""

from enum import StrEnum


class EventKind(StrEnum):
    """What kind of meeting an event is."""

    information_session = "information_session"
    market_dialogue = "market_dialogue"
    one_to_one = "one_to_one"
    procurement_fair = "procurement_fair"


class EventStatus(StrEnum):
    """An event's publication state."""

    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class OrganisationType(StrEnum):
    """What kind of producer registers."""

    company = "company"
    ngo = "ngo"
    in_house = "in_house"
    other = "other"


class OrganisationSize(StrEnum):
    """Size class of the organisation (EU SME definition)."""

    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


class RegistrationStatus(StrEnum):
    """Where a registration stands."""

    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"
