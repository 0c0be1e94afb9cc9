"""The feedback conversation as a state machine, readable top to bottom.

    ask_stakeholder ──(group, organisation)──▶ ask_comment
    ask_comment ──(comment, confident)──▶ confirm_category ──(yes / another)──▶ ask_followup
    ask_comment ──(comment, unsure)────▶ choose_category ──(a category)─────▶ ask_followup
    ask_followup ──(answer / skip)──▶ ask_more ──(another)──▶ ask_comment
                                               └─(finish)──▶ ask_contact ──(details / skip)──▶ done

Every transition is one use case: it checks the state and the step the form answered (a repeated or
stale POST changes nothing), records the person's turn and the assistant's reply as transcript
messages, and commits once. Messages are stored as a kind plus data and rendered in whatever
language the page is shown in.
"""

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, func, select

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.registry import Classifier, Prediction
from assistant.classifier.schemas import MAX_COMMENT_CHARS
from assistant.errors import N_, DomainError, InvalidInput
from assistant.feedback.enums import CHAT_STAKEHOLDERS, ChatState, CommentSource
from assistant.feedback.models import ChatMessage, Comment, Contact, Conversation, utcnow
from assistant.feedback.schemas import MAX_FOLLOWUP_CHARS, MAX_ORGANISATION_CHARS
from assistant.feedback.service import build_comment, hash_secret, new_secret

ASSISTANT, PERSON = "assistant", "person"
EMAIL_MAX = 320


class StaleStep(DomainError):
    """The form answered an earlier step (refresh, back button, double click): nothing to do."""

    status_code = 409
    message = "That answer was already received."


@dataclass(frozen=True)
class Uncertainty:
    """When the assistant asks instead of asserting (tuned on the dev split, kept in the model card)."""

    min_top_score: float
    min_margin: float

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> "Uncertainty":
        """Thresholds recorded in a model card, or cautious defaults for a card without them."""
        tuned = card.get("uncertainty") or {}
        return cls(float(tuned.get("min_top_score", 0.5)), float(tuned.get("min_margin", 0.15)))

    def is_unsure(self, prediction: Prediction) -> bool:
        """True when the top score is low or the top two are close."""
        (_, first), (_, second) = prediction.ranked()[:2]
        return first < self.min_top_score or first - second < self.min_margin


def _check_control_characters(value: str, field: str) -> None:
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x7f" in value:
        raise InvalidInput(
            N_("The text contains control characters. Please remove them."), field=field
        )


def _clean_comment(text: str) -> str:
    _check_control_characters(text, "text")
    text = text.strip()
    if not text:
        raise InvalidInput(N_("Please write your comment first."), field="text")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(
            N_(
                "Your comment is %(length)s characters long; the limit is %(limit)s. Please shorten it or send it in two parts."
            ),
            field="text",
            length=len(text),
            limit=MAX_COMMENT_CHARS,
        )
    return text


def _clean_optional(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    _check_control_characters(value, field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(
            N_("This answer is too long: at most %(limit)s characters."), field=field, limit=limit
        )
    return value or None


def _advance(session: Session, conversation: Conversation, step: int, *states: ChatState) -> None:
    """Claim the transition: the state must match and the step must be the one the form carried."""
    if conversation.state not in states or conversation.step != step:
        raise StaleStep()
    # Compare-and-set so that two concurrent submits of the same form cannot both win.
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.step == step)  # type: ignore[arg-type]
        .values(step=step + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise StaleStep()
    session.refresh(conversation)


def _say(session: Session, conversation: Conversation, role: str, kind: str, **data: Any) -> None:
    last = session.exec(
        select(func.max(ChatMessage.seq)).where(ChatMessage.conversation_id == conversation.id)
    ).one()
    session.add(
        ChatMessage(
            conversation_id=conversation.id, seq=(last or 0) + 1, role=role, kind=kind, data=data
        )
    )
    session.flush()


def _move(session: Session, conversation: Conversation, state: ChatState) -> None:
    conversation.state = state
    conversation.updated_at = utcnow()
    session.add(conversation)


def transcript(*, session: Session, conversation_id: str) -> list[ChatMessage]:
    """The conversation's messages in order."""
    return list(
        session.exec(
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id)
            .order_by(ChatMessage.seq)
        ).all()
    )


def start(*, session: Session, lang: str) -> Conversation:
    """Open a conversation: the greeting and the first question."""
    conversation = Conversation(
        id=secrets.token_hex(16), lang=lang, state=ChatState.ask_stakeholder
    )
    session.add(conversation)
    session.flush()
    _say(session, conversation, ASSISTANT, "greeting")
    _say(session, conversation, ASSISTANT, "ask_stakeholder")
    session.commit()
    return conversation


def choose_stakeholder(
    *,
    session: Session,
    conversation: Conversation,
    step: int,
    stakeholder: str,
    organisation: str | None,
) -> None:
    """Whom the person represents, and optionally the organisation or body."""
    if stakeholder not in CHAT_STAKEHOLDERS:
        raise InvalidInput(N_("Please choose one of the options."), field="stakeholder")
    organisation = _clean_optional(organisation, "organisation", MAX_ORGANISATION_CHARS)
    _advance(session, conversation, step, ChatState.ask_stakeholder)
    conversation.stakeholder, conversation.organisation = stakeholder, organisation
    _say(
        session,
        conversation,
        PERSON,
        "stakeholder",
        stakeholder=stakeholder,
        organisation=organisation,
    )
    _say(session, conversation, ASSISTANT, "ask_comment")
    _move(session, conversation, ChatState.ask_comment)
    session.commit()


def submit_comment(
    *,
    session: Session,
    conversation: Conversation,
    step: int,
    text: str,
    classifier: Classifier,
    uncertainty: Uncertainty,
) -> Comment:
    """Store the comment with its prediction; say what was understood, or ask when unsure."""
    text = _clean_comment(text)
    # End the read transaction that loaded the conversation before the model works: on SQLite an
    # open transaction holds the write lock. Loaded values stay (expire_on_commit=False).
    session.commit()
    prediction = classifier.classify(text)
    _advance(session, conversation, step, ChatState.ask_comment)
    comment = build_comment(
        session=session,
        prediction=prediction,
        text=text,
        stakeholder=conversation.stakeholder or "other",
        organisation=conversation.organisation,
        source=CommentSource.chat,
        conversation_id=conversation.id,
    )
    session.flush()
    conversation.current_comment_id = comment.id
    _say(session, conversation, PERSON, "comment", comment_id=comment.id)
    if uncertainty.is_unsure(prediction):
        options = [key for key, score in prediction.ranked()[:3] if score >= 0.1] or [
            prediction.label
        ]
        if len(options) < 2:
            options = [key for key, _ in prediction.ranked()[:2]]
        conversation.options = options
        _say(session, conversation, ASSISTANT, "unsure", options=options)
        _move(session, conversation, ChatState.choose_category)
    else:
        conversation.options = [prediction.label]
        top = prediction.scores[prediction.label]
        _say(session, conversation, ASSISTANT, "understood", label=prediction.label, score=top)
        _move(session, conversation, ChatState.confirm_category)
    session.commit()
    return comment


def choose_category(
    *, session: Session, conversation: Conversation, step: int, answer: str
) -> None:
    """The person's own label: "yes" confirms the model's category; a key picks another."""
    if conversation.state == ChatState.confirm_category and answer == "yes":
        label = conversation.options[0] if conversation.options else None
    else:
        label = answer
    if label not in CATEGORY_KEYS:
        raise InvalidInput(N_("Please choose one of the options."), field="answer")
    _advance(session, conversation, step, ChatState.confirm_category, ChatState.choose_category)
    comment = session.get(Comment, conversation.current_comment_id)
    if comment is None:  # the comment row is created in the same transaction as the state change
        raise StaleStep()
    comment.submitter_label = label
    comment.updated_at = utcnow()
    session.add(comment)
    _say(session, conversation, PERSON, "category", label=label, confirmed=answer == "yes")
    _say(session, conversation, ASSISTANT, "ask_followup", label=label)
    _move(session, conversation, ChatState.ask_followup)
    session.commit()


def answer_followup(
    *, session: Session, conversation: Conversation, step: int, answer: str | None, skip: bool
) -> None:
    """The answer to the category's follow-up question, or a skip."""
    answer = None if skip else _clean_optional(answer, "followup", MAX_FOLLOWUP_CHARS)
    if not skip and answer is None:
        raise InvalidInput(N_("Write an answer, or choose Skip."), field="followup")
    _advance(session, conversation, step, ChatState.ask_followup)
    comment = session.get(Comment, conversation.current_comment_id)
    if comment is None:
        raise StaleStep()
    comment.followup_answer = answer
    comment.updated_at = utcnow()
    session.add(comment)
    if answer is None:
        _say(session, conversation, PERSON, "skipped")
    else:
        _say(session, conversation, PERSON, "followup", text=answer)
    _say(session, conversation, ASSISTANT, "ask_more")
    _move(session, conversation, ChatState.ask_more)
    session.commit()


def more_or_finish(*, session: Session, conversation: Conversation, step: int, choice: str) -> None:
    """Another comment, or finish."""
    if choice not in {"another", "finish"}:
        raise InvalidInput(N_("Please choose one of the options."), field="choice")
    _advance(session, conversation, step, ChatState.ask_more)
    conversation.current_comment_id = None
    conversation.options = []
    _say(session, conversation, PERSON, choice)
    if choice == "another":
        _say(session, conversation, ASSISTANT, "ask_comment_again")
        _move(session, conversation, ChatState.ask_comment)
    else:
        _say(session, conversation, ASSISTANT, "ask_contact")
        _move(session, conversation, ChatState.ask_contact)
    session.commit()


def _valid_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(
        at and local and "." in domain.strip(".") and " " not in value and len(value) <= EMAIL_MAX
    )


def finish(
    *,
    session: Session,
    conversation: Conversation,
    step: int,
    name: str | None,
    email: str | None,
    consent: bool,
    consent_text: str,
    skip: bool,
) -> str:
    """Optional contact details (only with consent); returns the private-link secret, shown once."""
    name = None if skip else _clean_optional(name, "name", 200)
    email = None if skip else _clean_optional(email, "email", EMAIL_MAX)
    if email and not _valid_email(email):
        raise InvalidInput(
            N_("Check the email address; it should look like name@example.fi."), field="email"
        )
    if (name or email) and not consent:
        raise InvalidInput(
            N_(
                "To save your contact details we need your consent. Tick the box, or finish without them."
            ),
            field="consent",
        )
    _advance(session, conversation, step, ChatState.ask_contact)
    if name or email:
        session.add(
            Contact(
                conversation_id=conversation.id, name=name, email=email, consent_text=consent_text
            )
        )
        _say(session, conversation, PERSON, "contact_given")
    else:
        _say(session, conversation, PERSON, "contact_skipped")
    secret = new_secret()
    conversation.access_hash = hash_secret(secret)
    conversation.finished_at = utcnow()
    _say(session, conversation, ASSISTANT, "thanks")
    _move(session, conversation, ChatState.done)
    session.commit()
    return secret
