"""All comments of a summary with their labels, as rows for CSV and XLSX.

Personal identity codes never leave in an export: they are replaced by a placeholder in the
export's language. (Other personal data stays: the file is the preparers' working copy.)
"""

from sqlmodel import Session, col, select

from assistant.classifier.categories import category
from assistant.consultations.models import ConsultationSession
from assistant.feedback.models import Comment
from assistant.feedback.texts import STAKEHOLDER_LABELS
from assistant.i18n import translations
from assistant.spreadsheets import to_csv, to_xlsx
from assistant.summaries.masking import mask_identity_codes
from assistant.summaries.service import SummaryFilters, comment_query

__all__ = ["comment_rows", "to_csv", "to_xlsx"]


def comment_rows(session: Session, filters: SummaryFilters, lang: str) -> list[list[object]]:
    """A header row and one row per comment (the summary's filters; hidden ones left out)."""
    t = translations(lang)
    _ = t.gettext
    ids = [row[0] for row in session.exec(comment_query(filters)).all()]
    sessions = {s.id: s for s in session.exec(select(ConsultationSession)).all()}
    rows: list[list[object]] = [
        [
            _("Reference"),
            _("Received"),
            _("Language"),
            _("Stakeholder group"),
            _("Organisation"),
            _("Consultation session"),
            _("Category"),
            _("Set by a preparer"),
            _("Model's category"),
            _("Model confidence"),
            _("Submitter's own category"),
            _("Also touches"),
            _("Status"),
            _("Comment"),
        ]
    ]
    for start in range(0, len(ids), 1000):
        chunk = session.exec(
            select(Comment)
            .where(col(Comment.id).in_(ids[start : start + 1000]))
            .order_by(col(Comment.id))
        ).all()
        for c in chunk:
            consultation = sessions.get(c.consultation_id) if c.consultation_id else None
            rows.append(
                [
                    c.reference,
                    c.created_at.isoformat(timespec="seconds"),
                    c.lang,
                    t.gettext(STAKEHOLDER_LABELS.get(c.stakeholder, STAKEHOLDER_LABELS["other"])),
                    c.organisation or "",
                    consultation.name if consultation else "",
                    category(c.label).text("name", lang),
                    _("yes") if c.final_label else _("no"),
                    category(c.predicted_label).text("name", lang),
                    round(c.top_score, 3),
                    category(c.submitter_label).text("name", lang) if c.submitter_label else "",
                    ", ".join(category(k).text("name", lang) for k in c.secondary_labels or []),
                    c.status,
                    mask_identity_codes(c.text, placeholder_lang=lang),
                ]
            )
    return rows
