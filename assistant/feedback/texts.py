"""Interface names of the feedback vocabularies, marked for translation (rendered with gettext)."""

from assistant.errors import N_
from assistant.web.i18n import gettext

STAKEHOLDER_LABELS: dict[str, str] = {
    "resident": N_("Resident or client"),
    "staff": N_("Staff member"),
    "producer_company": N_("Producer (company)"),
    "producer_ngo": N_("NGO or association"),
    "influence_body": N_("Influence body (youth, elderly or disability council)"),
    "committee": N_("Committee or division"),
    "council": N_("Regional council, board or political group"),
    "political": N_("Political group"),
    "in_house": N_("In-house company"),
    "other": N_("Other"),
}


def stakeholder_label(key: str | None) -> str:
    """The translated name of a stakeholder group."""
    return gettext(STAKEHOLDER_LABELS.get(key or "other", STAKEHOLDER_LABELS["other"]))


def confidence_words(score: float) -> str:
    """How sure the classifier is, in words (the percentage is shown beside it)."""
    if score >= 0.85:
        return gettext("very sure")
    if score >= 0.6:
        return gettext("fairly sure")
    return gettext("somewhat sure")
