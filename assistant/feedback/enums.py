"""Fixed vocabularies of the feedback domain."""

from enum import StrEnum


class Stakeholder(StrEnum):
    """Whom the commenter represents."""

    resident = "resident"
    staff = "staff"
    producer_company = "producer_company"
    producer_ngo = "producer_ngo"
    influence_body = "influence_body"
    committee = "committee"
    council = "council"
    political = "political"
    in_house = "in_house"
    other = "other"


# The quick replies the assistant offers, in this order ("political" comes in through imports).
CHAT_STAKEHOLDERS: tuple[Stakeholder, ...] = (
    Stakeholder.resident,
    Stakeholder.staff,
    Stakeholder.producer_company,
    Stakeholder.producer_ngo,
    Stakeholder.influence_body,
    Stakeholder.committee,
    Stakeholder.council,
    Stakeholder.in_house,
    Stakeholder.other,
)

PRODUCER_STAKEHOLDERS = frozenset(
    {Stakeholder.producer_company, Stakeholder.producer_ngo, Stakeholder.in_house}
)


class CommentStatus(StrEnum):
    """Where a comment is in its life."""

    new = "new"
    reviewed = "reviewed"
    hidden = "hidden"
    withdrawn = "withdrawn"


class CommentSource(StrEnum):
    """How a comment arrived."""

    chat = "chat"
    api = "api"
    imported = "import"


class ChatState(StrEnum):
    """States of the feedback conversation (see conversation.py)."""

    ask_stakeholder = "ask_stakeholder"
    ask_comment = "ask_comment"
    confirm_category = "confirm_category"
    choose_category = "choose_category"
    ask_followup = "ask_followup"
    ask_more = "ask_more"
    ask_contact = "ask_contact"
    done = "done"
