"""The theme summary: counts and shares per category, who raised what, key terms, sub-themes with
privacy-safe quotes, the category × stakeholder cross-tabulation, the sessions table and the
change over time.

Everything is computed from the lemmas stored at intake; only comments stored before lemmas were
kept are analysed once, here, and their lemmas saved.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.consultations.models import ConsultationSession
from assistant.feedback.enums import CommentStatus
from assistant.feedback.models import Comment, Contact
from assistant.summaries import themes
from assistant.summaries.crosstab import CrossTab, crosstab
from assistant.summaries.masking import mask

HELSINKI = ZoneInfo("Europe/Helsinki")
MAX_THEMES = 5
QUOTES_PER_THEME = 2
BACKFILL_BATCH = 200


@dataclass
class SummaryFilters:
    """Which comments a summary covers."""

    date_from: date | None = None
    date_to: date | None = None
    consultation_id: int | None = None
    stakeholder: str | None = None
    lang: str | None = None
    reviewed_only: bool = False

    def query_items(self) -> dict[str, str]:
        """The filters as query parameters."""
        items: dict[str, str] = {}
        if self.date_from:
            items["from"] = self.date_from.isoformat()
        if self.date_to:
            items["to"] = self.date_to.isoformat()
        if self.consultation_id:
            items["session"] = str(self.consultation_id)
        if self.stakeholder:
            items["stakeholder"] = self.stakeholder
        if self.lang:
            items["in_lang"] = self.lang
        if self.reviewed_only:
            items["reviewed"] = "1"
        return items


@dataclass(frozen=True)
class Row:
    """What the summary needs of one comment."""

    id: int
    reference: str
    text: str
    lang: str
    stakeholder: str
    label: str
    lemmas: str
    consultation_id: int | None
    created_at: datetime


@dataclass
class Quote:
    """A representative comment, masked, attributed to a group or a body, never to a person."""

    reference: str
    text: str
    lang: str
    stakeholder: str
    body: str | None


@dataclass
class Theme:
    """A sub-theme of a category."""

    terms: list[str]
    size: int
    share: float  # of the category
    lang: str
    quotes: list[Quote]


@dataclass
class CategorySummary:
    """One category of the summary."""

    key: str
    n: int
    share: float
    groups: list[tuple[str, int, float]]  # stakeholder, count, share of the category
    terms: dict[str, list[str]]  # per language of the comments, the largest language first
    themes: list[Theme]

    def terms_for(self, lang: str) -> list[str]:
        """The key terms in a language, or in the language with the most comments."""
        if self.terms.get(lang):
            return self.terms[lang]
        return next(iter(self.terms.values()), [])

    @property
    def quotes(self) -> list[Quote]:
        """The first quote of each theme."""
        return [theme.quotes[0] for theme in self.themes if theme.quotes]


@dataclass
class Summary:
    """The whole summary."""

    filters: SummaryFilters
    total: int
    session_count: int
    categories: list[CategorySummary]
    crosstab: CrossTab
    sessions_table: list[tuple[str, list[ConsultationSession]]]
    timeline: list[tuple[str, dict[str, int]]]
    groups: list[tuple[str, int]]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    placeholder_lang: str = "fi"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=HELSINKI).astimezone(UTC)


def comment_query(filters: SummaryFilters):
    """The SELECT of the comments a summary covers (id, reference, text, lang, group, label …)."""
    label = func.coalesce(Comment.final_label, Comment.predicted_label)
    query = select(
        Comment.id,
        Comment.reference,
        Comment.text,
        Comment.lang,
        Comment.stakeholder,
        label,
        Comment.lemmas,
        Comment.consultation_id,
        Comment.created_at,
    )
    if filters.reviewed_only:
        query = query.where(Comment.status == CommentStatus.reviewed.value)
    else:
        query = query.where(
            col(Comment.status).in_([CommentStatus.new.value, CommentStatus.reviewed.value])
        )
    if filters.date_from:
        query = query.where(col(Comment.created_at) >= _midnight(filters.date_from))
    if filters.date_to:
        query = query.where(col(Comment.created_at) < _midnight(filters.date_to + timedelta(1)))
    if filters.consultation_id:
        query = query.where(Comment.consultation_id == filters.consultation_id)
    if filters.stakeholder:
        query = query.where(Comment.stakeholder == filters.stakeholder)
    if filters.lang:
        query = query.where(Comment.lang == filters.lang)
    return query.order_by(col(Comment.id))


def backfill_lemmas(session: Session) -> int:
    """Analyse and store the lemmas of comments that have none (stored before lemmas were kept)."""
    from assistant.nlp.pipelines import analyse_many

    done = 0
    while True:
        rows = session.exec(
            select(Comment.id, Comment.text, Comment.lang)
            .where(col(Comment.lemmas).is_(None))
            .limit(BACKFILL_BATCH)
        ).all()
        session.rollback()  # no lock held while spaCy runs
        if not rows:
            return done
        analyses = analyse_many([r[1] for r in rows], [r[2] for r in rows])
        for (comment_id, _text, _lang), analysis in zip(rows, analyses, strict=True):
            comment = session.get(Comment, comment_id)
            if comment is not None:
                comment.lemmas = analysis.lemma_text or " "
                session.add(comment)
        session.commit()
        done += len(rows)


def load_rows(session: Session, filters: SummaryFilters) -> list[Row]:
    """The comments the summary covers (hidden and withdrawn ones never)."""
    backfill_lemmas(session)
    rows = [
        Row(
            id=r[0],
            reference=r[1],
            text=r[2],
            lang=r[3],
            stakeholder=r[4],
            label=r[5],
            lemmas=r[6] or "",
            consultation_id=r[7],
            created_at=r[8],
        )
        for r in session.exec(comment_query(filters)).all()
    ]
    session.rollback()
    return rows


def known_names(session: Session) -> list[str]:
    """Names the service holds (contact details, registrants, users): masked in every quote."""
    from assistant.accounts.models import User
    from assistant.dialogues.models import Registration

    names: set[str] = set()
    for query in (
        select(Contact.name).where(col(Contact.name).is_not(None)),
        select(Registration.contact_name),
        select(User.name).where(col(User.name).is_not(None)),
    ):
        names.update(n for n in session.exec(query).all() if n)
    return sorted(names)


def _sessions_table(
    session: Session, used: set[int], filters: SummaryFilters
) -> list[tuple[str, list[ConsultationSession]]]:
    query = select(ConsultationSession).order_by(
        col(ConsultationSession.stakeholder), col(ConsultationSession.held_on)
    )
    if filters.consultation_id:
        query = query.where(ConsultationSession.id == filters.consultation_id)
    grouped: dict[str, list[ConsultationSession]] = defaultdict(list)
    for row in session.exec(query).all():
        if row.id in used:
            grouped[row.stakeholder].append(row)
    return sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))


def build_summary(
    session: Session, filters: SummaryFilters, *, placeholder_lang: str = "fi", seed: int = 0
) -> Summary:
    """The summary of the comments that match the filters."""
    rows = load_rows(session, filters)
    consultations = {
        s.id: s for s in session.exec(select(ConsultationSession)).all() if s.id is not None
    }
    names = known_names(session)
    session.rollback()
    total = len(rows)
    docs = [r.lemmas for r in rows]
    labels = [r.label for r in rows]
    # Terms per language: Finnish, Swedish and English lemmas never overlap, and a report wants
    # the terms of its own language.
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lang[r.lang].append(i)
    terms_by_lang = {
        lang: themes.category_terms(
            [docs[i] for i in indices], [labels[i] for i in indices], categories=CATEGORY_KEYS
        )
        for lang, indices in sorted(by_lang.items(), key=lambda item: -len(item[1]))
    }
    categories: list[CategorySummary] = []
    for key in CATEGORY_KEYS:
        mine = [i for i, r in enumerate(rows) if r.label == key]
        group_counts = Counter(rows[i].stakeholder for i in mine)
        groups = [
            (group, n, n / len(mine))
            for group, n in sorted(group_counts.items(), key=lambda g: (-g[1], g[0]))
        ]
        category_themes: list[Theme] = []
        if mine:
            by_lang = themes.subthemes_by_language(
                [docs[i] for i in mine],
                [rows[i].lang for i in mine],
                seed=seed,
                quotes=QUOTES_PER_THEME,
            )
            for lang, found in by_lang.items():
                for theme in found:
                    quotes = []
                    for index in theme.representatives[:QUOTES_PER_THEME]:
                        row = rows[mine[index]]
                        consultation = consultations.get(row.consultation_id or 0)
                        quotes.append(
                            Quote(
                                reference=row.reference,
                                text=mask(
                                    row.text,
                                    lang=row.lang,
                                    known_names=names,
                                    placeholder_lang=placeholder_lang,
                                ),
                                lang=row.lang,
                                stakeholder=row.stakeholder,
                                body=consultation.body if consultation else None,
                            )
                        )
                    category_themes.append(
                        Theme(
                            terms=[t.lemma for t in theme.terms],
                            size=theme.size,
                            share=theme.size / len(mine),
                            lang=lang,
                            quotes=quotes,
                        )
                    )
            category_themes.sort(key=lambda t: -t.size)
        categories.append(
            CategorySummary(
                key=key,
                n=len(mine),
                share=len(mine) / total if total else 0.0,
                groups=groups,
                terms={
                    lang: [t.lemma for t in found[key]]
                    for lang, found in terms_by_lang.items()
                    if found.get(key)
                },
                themes=category_themes[:MAX_THEMES],
            )
        )
    used_sessions = {r.consultation_id for r in rows if r.consultation_id}
    months: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        months[r.created_at.astimezone(HELSINKI).strftime("%Y-%m")][r.label] += 1
    group_totals = Counter(r.stakeholder for r in rows)
    return Summary(
        filters=filters,
        total=total,
        session_count=len(used_sessions),
        categories=categories,
        crosstab=crosstab(labels, [r.stakeholder for r in rows], categories=CATEGORY_KEYS),
        sessions_table=_sessions_table(session, used_sessions, filters),
        timeline=[(month, dict(months[month])) for month in sorted(months)],
        groups=sorted(group_totals.items(), key=lambda g: (-g[1], g[0])),
        placeholder_lang=placeholder_lang,
    )


def summary_facts(summary: Summary) -> dict[str, Any]:
    """Plain numbers of a summary (for tests and the JSON view)."""
    return {
        "total": summary.total,
        "sessions": summary.session_count,
        "categories": {c.key: {"n": c.n, "share": c.share} for c in summary.categories},
    }
