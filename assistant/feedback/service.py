"""Feedback rules: storing classified comments, reference codes, private links and withdrawal."""

import hashlib
import secrets
from collections.abc import Sequence

from sqlmodel import Session, select

from assistant.classifier.registry import Classifier, Prediction
from assistant.errors import N_, NotFound
from assistant.feedback.enums import CommentSource, CommentStatus
from assistant.feedback.models import Comment, Conversation, utcnow

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
REFERENCE_LENGTH = 6


def hash_secret(secret: str) -> str:
    """SHA-256 of a private-link secret; only this is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """A fresh private-link secret (192 bits)."""
    return secrets.token_urlsafe(24)


def new_reference(session: Session) -> str:
    """A short unused reference code such as VP-7K3M9Q."""
    while True:
        code = "VP-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
        if session.exec(select(Comment.id).where(Comment.reference == code)).first() is None:
            return code


def build_comment(
    *,
    session: Session,
    prediction: Prediction,
    text: str,
    stakeholder: str,
    organisation: str | None,
    source: CommentSource,
    conversation_id: str | None = None,
    followup: str | None = None,
) -> Comment:
    """A new comment with its prediction, added to the session (the caller commits)."""
    comment = Comment(
        reference=new_reference(session),
        text=text,
        lang=prediction.lang,
        stakeholder=stakeholder,
        organisation=organisation,
        source=source,
        conversation_id=conversation_id,
        predicted_label=prediction.label,
        scores=prediction.scores,
        top_score=max(prediction.scores.values(), default=0.0),
        explanation=prediction.explanation,
        model_version=prediction.model_version,
        lemmas=prediction.lemma_text or None,
        followup_answer=followup,
    )
    session.add(comment)
    return comment


def submit_feedback(
    *,
    session: Session,
    classifier: Classifier,
    text: str,
    stakeholder: str,
    lang: str | None = None,
    organisation: str | None = None,
    followup: str | None = None,
) -> Comment:
    """Classify and store one comment that came through the API."""
    prediction = classifier.classify(text, lang)
    comment = build_comment(
        session=session,
        prediction=prediction,
        text=text,
        stakeholder=stakeholder,
        organisation=organisation,
        source=CommentSource.api,
        followup=followup,
    )
    session.commit()
    return comment


def conversation_for_secret(*, session: Session, secret: str) -> Conversation:
    """The finished conversation a private link opens."""
    conversation = session.exec(
        select(Conversation).where(Conversation.access_hash == hash_secret(secret))
    ).first()
    if conversation is None:
        raise NotFound(N_("This link is not valid. Check that you copied all of it."))
    return conversation


def comments_of(*, session: Session, conversation_id: str) -> Sequence[Comment]:
    """A conversation's comments, oldest first."""
    return session.exec(
        select(Comment).where(Comment.conversation_id == conversation_id).order_by(Comment.id)
    ).all()


def withdraw_comment(*, session: Session, secret: str, reference: str) -> Comment:
    """Withdraw one comment of the conversation the private link opens; withdrawing twice is harmless."""
    conversation = conversation_for_secret(session=session, secret=secret)
    comment = session.exec(
        select(Comment).where(
            Comment.reference == reference, Comment.conversation_id == conversation.id
        )
    ).first()
    if comment is None:
        raise NotFound(N_("No such comment in this conversation."))
    if comment.status != CommentStatus.withdrawn:
        comment.status = CommentStatus.withdrawn
        comment.withdrawn_at = comment.updated_at = utcnow()
        session.add(comment)
        session.commit()
    return comment
