"""The preparers' review: finding comments, correcting their categories, moderation, notes and how
often the model, the submitter and the preparer agree.

The list pages with a keyset cursor (the sort value and the id of the last row shown), so page 2,000
costs what page 1 costs; indexes on created_at and top_score back both orders.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from assistant.accounts.models import User
from assistant.audit.models import AuditEntry
from assistant.audit.service import record
from assistant.classifier.categories import CATEGORY_KEYS
from assistant.errors import N_, InvalidInput, NotFound
from assistant.feedback.enums import CommentStatus
from assistant.feedback.models import Comment, CommentNote, utcnow

HELSINKI = ZoneInfo("Europe/Helsinki")
PAGE_SIZE = 50
SORTS = ("newest", "oldest", "least_confident")
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 500

effective_label = func.coalesce(Comment.final_label, Comment.predicted_label)


@dataclass
class ReviewFilters:
    """What the review list shows; every field optional."""

    category: str | None = None
    stakeholder: str | None = None
    lang: str | None = None
    consultation_id: int | None = None
    status: str | None = None  # None: everything except withdrawn
    min_confidence: float | None = None  # 0..1
    max_confidence: float | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    sort: str = "newest"

    def query_items(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        items: dict[str, str] = {}
        for name in ("category", "stakeholder", "status", "q"):
            value = getattr(self, name)
            if value:
                items[name] = value
        if self.lang:  # not "lang": that parameter switches the interface's language
            items["in_lang"] = self.lang
        if self.consultation_id:
            items["session"] = str(self.consultation_id)
        if self.min_confidence is not None:
            items["min_conf"] = str(round(self.min_confidence * 100))
        if self.max_confidence is not None:
            items["max_conf"] = str(round(self.max_confidence * 100))
        if self.date_from:
            items["from"] = self.date_from.isoformat()
        if self.date_to:
            items["to"] = self.date_to.isoformat()
        if self.sort != "newest":
            items["sort"] = self.sort
        return items


@dataclass
class Page:
    """One page of the review list."""

    items: list[Comment]
    total: int
    next_cursor: str | None
    filters: ReviewFilters
    counts: dict[str, int] = field(default_factory=dict)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=HELSINKI).astimezone(UTC)


def _conditions(filters: ReviewFilters, dialect: str) -> list[Any]:
    conditions: list[Any] = []
    if filters.category:
        conditions.append(effective_label == filters.category)
    if filters.stakeholder:
        conditions.append(Comment.stakeholder == filters.stakeholder)
    if filters.lang:
        conditions.append(Comment.lang == filters.lang)
    if filters.consultation_id:
        conditions.append(Comment.consultation_id == filters.consultation_id)
    if filters.status:
        conditions.append(Comment.status == filters.status)
    else:
        conditions.append(Comment.status != CommentStatus.withdrawn.value)
    if filters.min_confidence is not None:
        conditions.append(col(Comment.top_score) >= filters.min_confidence)
    if filters.max_confidence is not None:
        conditions.append(col(Comment.top_score) <= filters.max_confidence)
    if filters.date_from:
        conditions.append(col(Comment.created_at) >= _local_midnight(filters.date_from))
    if filters.date_to:
        conditions.append(
            col(Comment.created_at) < _local_midnight(filters.date_to + timedelta(days=1))
        )
    if filters.q:
        conditions.append(_text_search(filters.q.strip(), dialect))
    return conditions


def _text_search(needle: str, dialect: str) -> Any:
    """Case-insensitive search in the text, the organisation and the reference.

    PostgreSQL's ILIKE folds every letter and uses the trigram indexes of migration 0006
    (needles of three or more characters). SQLite's LIKE folds only A–Z but runs in C, so an
    ASCII needle uses it directly; a needle with Ä, Ö or Å goes through lower(), which the
    connection defines in Python (assistant.db) and which is several times slower on 100,000 rows.
    """
    organisation = func.coalesce(Comment.organisation, "")
    reference = col(Comment.reference) == needle.upper()  # references are upper case: VP-7K3M9Q
    if dialect == "postgresql":
        return or_(
            col(Comment.text).icontains(needle, autoescape=True),
            organisation.icontains(needle, autoescape=True),
            reference,
        )
    if needle.isascii():
        return or_(
            col(Comment.text).contains(needle, autoescape=True),
            organisation.contains(needle, autoescape=True),
            reference,
        )
    lowered = needle.lower()
    return or_(
        func.lower(Comment.text).contains(lowered, autoescape=True),
        func.lower(organisation).contains(lowered, autoescape=True),
        reference,
    )


def _order(sort: str) -> tuple[Any, Any, bool]:
    """The sort column, the id column and whether the order is descending."""
    if sort == "least_confident":
        return col(Comment.top_score), col(Comment.id), False
    if sort == "oldest":
        return col(Comment.created_at), col(Comment.id), False
    return col(Comment.created_at), col(Comment.id), True


def _cursor_of(comment: Comment, sort: str) -> str:
    if sort == "least_confident":
        return f"{comment.top_score!r}|{comment.id}"
    return f"{comment.created_at.isoformat()}|{comment.id}"


def _after(cursor: str, sort: str) -> Any:
    value_text, _, id_text = cursor.rpartition("|")
    try:
        last_id = int(id_text)
        value: Any = (
            float(value_text) if sort == "least_confident" else datetime.fromisoformat(value_text)
        )
    except ValueError as exc:
        raise InvalidInput(N_("The page link is not valid."), field="after") from exc
    column, id_column, descending = _order(sort)
    if descending:
        return or_(column < value, and_(column == value, id_column < last_id))
    return or_(column > value, and_(column == value, id_column > last_id))


def review_page(
    session: Session,
    filters: ReviewFilters,
    *,
    after: str | None = None,
    limit: int = PAGE_SIZE,
    with_counts: bool = True,
) -> Page:
    """One page of comments matching the filters, in the chosen order."""
    if filters.sort not in SORTS:
        filters.sort = "newest"
    conditions = _conditions(filters, session.get_bind().dialect.name)
    column, id_column, descending = _order(filters.sort)
    query = select(Comment).where(*conditions)
    if after:
        query = query.where(_after(after, filters.sort))
    ordering = (column.desc(), id_column.desc()) if descending else (column.asc(), id_column.asc())
    items = list(session.exec(query.order_by(*ordering).limit(limit + 1)).all())
    more = len(items) > limit
    items = items[:limit]
    counts: dict[str, int] = {}
    total = len(items)
    if with_counts:
        # One pass gives the per-category counts and, summed, the total.
        rows = session.exec(
            select(effective_label, func.count()).where(*conditions).group_by(effective_label)
        ).all()
        counts = {str(label): int(n) for label, n in rows}
        total = sum(counts.values())
    next_cursor = _cursor_of(items[-1], filters.sort) if more and items else None
    return Page(items=items, total=total, next_cursor=next_cursor, filters=filters, counts=counts)


def next_comment(session: Session, filters: ReviewFilters, current: Comment) -> Comment | None:
    """The comment after this one in the list's order (with the same filters), if any."""
    page = review_page(
        session, filters, after=_cursor_of(current, filters.sort), limit=1, with_counts=False
    )
    return page.items[0] if page.items else None


def get_comment(session: Session, reference: str) -> Comment:
    """A comment by its reference code."""
    comment = session.exec(select(Comment).where(Comment.reference == reference.upper())).first()
    if comment is None:
        raise NotFound(N_("No comment with that reference."))
    return comment


def _snapshot(comment: Comment) -> dict[str, Any]:
    return {
        "final_label": comment.final_label,
        "secondary_labels": list(comment.secondary_labels or []),
        "status": comment.status,
        "hidden_reason": comment.hidden_reason,
    }


def _check_label(label: str | None) -> None:
    if label is not None and label not in CATEGORY_KEYS:
        raise InvalidInput(N_("Choose one of the five categories."), field="final_label")


def set_labels(
    session: Session,
    comment: Comment,
    *,
    actor: User,
    final_label: str,
    secondary: list[str],
    mark_reviewed: bool = True,
) -> Comment:
    """The preparer's category (and secondary ones), marking the comment reviewed. Audited."""
    if comment.status == CommentStatus.withdrawn.value:
        raise InvalidInput(N_("The submitter has withdrawn this comment."))
    _check_label(final_label)
    for label in secondary:
        _check_label(label)
    before = _snapshot(comment)
    comment.final_label = final_label
    comment.secondary_labels = sorted({s for s in secondary if s != final_label})
    if mark_reviewed and comment.status == CommentStatus.new.value:
        comment.status = CommentStatus.reviewed.value
    if mark_reviewed:
        comment.reviewed_by_id = actor.id
        comment.reviewed_at = utcnow()
    return _save(session, comment, actor, "comment.review", before)


def hide(session: Session, comment: Comment, *, actor: User, reason: str) -> Comment:
    """Hide a comment from summaries and reports (moderation), with a reason. Audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(N_("Say why the comment is hidden."), field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            N_("The reason can be at most %(max)s characters."),
            field="reason",
            max=MAX_REASON_CHARS,
        )
    if comment.status == CommentStatus.withdrawn.value:
        raise InvalidInput(N_("The submitter has withdrawn this comment."))
    before = _snapshot(comment)
    comment.status = CommentStatus.hidden.value
    comment.hidden_reason = reason
    return _save(session, comment, actor, "comment.hide", before)


def restore(session: Session, comment: Comment, *, actor: User) -> Comment:
    """Show a hidden comment again. Audited."""
    if comment.status != CommentStatus.hidden.value:
        return comment
    before = _snapshot(comment)
    comment.status = (
        CommentStatus.reviewed.value if comment.reviewed_at else CommentStatus.new.value
    )
    comment.hidden_reason = None
    return _save(session, comment, actor, "comment.restore", before)


def _save(
    session: Session, comment: Comment, actor: User, action: str, before: dict[str, Any]
) -> Comment:
    comment.updated_at = utcnow()
    session.add(comment)
    record(
        session,
        actor=actor,
        action=action,
        target_type="comment",
        target_id=comment.reference,
        before=before,
        after=_snapshot(comment),
    )
    session.commit()
    return comment


def add_note(session: Session, comment: Comment, *, actor: User, text: str) -> CommentNote:
    """An internal note on a comment. Audited."""
    text = text.strip()
    if not text:
        raise InvalidInput(N_("Write the note first."), field="note")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(
            N_("The note can be at most %(max)s characters."), field="note", max=MAX_NOTE_CHARS
        )
    note = CommentNote(comment_id=comment.id, author_id=actor.id, author=actor.email, text=text)
    session.add(note)
    record(
        session,
        actor=actor,
        action="comment.note",
        target_type="comment",
        target_id=comment.reference,
        after={"note": text},
    )
    session.commit()
    return note


def notes_of(session: Session, comment: Comment) -> list[CommentNote]:
    """A comment's notes, oldest first."""
    return list(
        session.exec(
            select(CommentNote)
            .where(CommentNote.comment_id == comment.id)
            .order_by(col(CommentNote.id))
        ).all()
    )


def history_of(session: Session, comment: Comment) -> list[AuditEntry]:
    """Every recorded change to a comment, oldest first."""
    return list(
        session.exec(
            select(AuditEntry)
            .where(AuditEntry.target_type == "comment", AuditEntry.target_id == comment.reference)
            .order_by(col(AuditEntry.id))
        ).all()
    )


@dataclass
class Agreement:
    """How often two sources of a label agree, per category of the preparer's label."""

    reviewed: int
    rows: list[dict[str, Any]]
    overall: dict[str, Any]


def _rate(hits: int, n: int) -> float | None:
    return hits / n if n else None


def agreement(session: Session) -> Agreement:
    """Model vs preparer, submitter vs preparer and model vs submitter, over reviewed comments."""
    from sklearn.metrics import cohen_kappa_score

    rows = session.exec(
        select(Comment.predicted_label, Comment.submitter_label, Comment.final_label).where(
            col(Comment.final_label).is_not(None),
            Comment.status != CommentStatus.withdrawn.value,
        )
    ).all()
    per: list[dict[str, Any]] = []
    for key in CATEGORY_KEYS:
        mine = [r for r in rows if r[2] == key]
        with_submitter = [r for r in mine if r[1]]
        per.append(
            {
                "key": key,
                "n": len(mine),
                "model": _rate(sum(r[0] == key for r in mine), len(mine)),
                "submitter_n": len(with_submitter),
                "submitter": _rate(sum(r[1] == key for r in with_submitter), len(with_submitter)),
                "model_submitter": _rate(
                    sum(r[0] == r[1] for r in with_submitter), len(with_submitter)
                ),
            }
        )
    with_submitter = [r for r in rows if r[1]]

    def kappa(a: list[str], b: list[str]) -> float | None:
        if len(a) < 2 or len(set(a) | set(b)) < 2:
            return None
        return float(cohen_kappa_score(a, b, labels=list(CATEGORY_KEYS)))

    overall = {
        "n": len(rows),
        "model": _rate(sum(r[0] == r[2] for r in rows), len(rows)),
        "model_kappa": kappa([r[0] for r in rows], [r[2] for r in rows]),
        "submitter_n": len(with_submitter),
        "submitter": _rate(sum(r[1] == r[2] for r in with_submitter), len(with_submitter)),
        "submitter_kappa": kappa([r[1] for r in with_submitter], [r[2] for r in with_submitter]),
        "model_submitter": _rate(sum(r[0] == r[1] for r in with_submitter), len(with_submitter)),
    }
    return Agreement(reviewed=len(rows), rows=per, overall=overall)
