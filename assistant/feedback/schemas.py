"""Request and response schemas of the feedback API."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from assistant.classifier.schemas import MAX_COMMENT_CHARS, LanguageHint, Scores, clean_comment_text
from assistant.feedback.enums import Stakeholder

MAX_ORGANISATION_CHARS = 200
MAX_FOLLOWUP_CHARS = 2000


def clean_optional_text(value: str | None) -> str | None:
    """Strip optional free text; empty becomes None; control characters are refused."""
    if value is None:
        return None
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x7f" in value:
        raise ValueError("text contains control characters")
    return value.strip() or None


class FeedbackCreate(BaseModel):
    """A comment submitted through the API."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        StrictStr,
        Field(max_length=MAX_COMMENT_CHARS, description="The comment, 1–5,000 characters."),
    ]
    stakeholder: Stakeholder
    lang: LanguageHint = None
    organisation: Annotated[StrictStr | None, Field(max_length=MAX_ORGANISATION_CHARS)] = None
    followup: Annotated[StrictStr | None, Field(max_length=MAX_FOLLOWUP_CHARS)] = None

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return clean_comment_text(value)

    @field_validator("organisation", "followup")
    @classmethod
    def _clean_optional(cls, value: str | None) -> str | None:
        return clean_optional_text(value)


class FeedbackCreated(BaseModel):
    """The stored comment's identifiers and its classification."""

    id: int
    reference: str
    lang: str
    label: str
    scores: Scores
    model_version: str
