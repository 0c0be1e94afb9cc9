"""Request and response schemas of the classification API."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

MAX_COMMENT_CHARS = 5000
LanguageHint = Annotated[
    Literal["fi", "sv", "en"] | None, Field(description="fi, sv or en; detected when omitted.")
]


def clean_comment_text(value: str) -> str:
    """Strip surrounding space and refuse empty text or control characters (tabs and newlines are fine)."""
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value) or "\x7f" in value:
        raise ValueError("text contains control characters")
    value = value.strip()
    if not value:
        raise ValueError("text is empty")
    return value


class ClassifyRequest(BaseModel):
    """A comment to classify."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        StrictStr,
        Field(max_length=MAX_COMMENT_CHARS, description="The comment, 1–5,000 characters."),
    ]
    lang: LanguageHint = None

    @field_validator("text")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_comment_text(value)


class ExplanationTerm(BaseModel):
    """A word of the comment and how strongly it pushed toward the predicted category."""

    term: str
    lemma: str
    weight: float


class Scores(BaseModel):
    """Probability of each of the five categories; they sum to 1."""

    quality: float
    small_producers: float
    cost_comparability: float
    development: float
    resources: float


class ClassifyResponse(BaseModel):
    """The classifier's answer."""

    lang: str
    label: str
    scores: Scores
    explanation: list[ExplanationTerm]
    model_version: str


class CategoryPublic(BaseModel):
    """A category with its names and texts in Finnish, Swedish and English."""

    key: str
    name: dict[str, str]
    gloss: dict[str, str]
    description: dict[str, str]
    followup: dict[str, str]
