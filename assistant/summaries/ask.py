"""Questions to the feedback: "Mitä järjestöt sanoivat kustannuksista?" → the most relevant
comments, with counts. The answer is always the comments themselves, never generated text.

The question is lemmatised like the comments, so "kustannuksista" finds "kustannus", and a lemma
also finds the compounds that contain it ("kustannusvertailu"). Words that name a stakeholder
group ("järjestöt", "föreningar", "NGOs") become a filter instead of a search term. Comments are
ranked with BM25 over the lemmas stored at intake.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from assistant.consultations.importing import match_stakeholder
from assistant.feedback.enums import CommentStatus
from assistant.feedback.models import Comment
from assistant.summaries.themes import is_term

MAX_CANDIDATES = 50_000
K1, B = 1.2, 0.75
PARTIAL = 0.6  # a compound that contains the lemma counts for this much of an exact match


@dataclass
class Answer:
    """The comments that answer a question, and what was recognised in it."""

    question: str
    terms: list[str]
    stakeholder: str | None
    matches: int
    results: list[tuple[Comment, float]]
    by_category: Counter = field(default_factory=Counter)
    by_group: Counter = field(default_factory=Counter)


def understand(question: str, lang: str | None = None) -> tuple[list[str], str | None]:
    """The question's search lemmas, and a stakeholder group it names (if any)."""
    from assistant.nlp.pipelines import analyse

    analysis = analyse(question, lang)
    terms: list[str] = []
    stakeholder = None
    for word, lemma in zip(analysis.words, analysis.lemmas, strict=True):
        group = match_stakeholder(lemma) or match_stakeholder(word)
        if group is not None and stakeholder is None:
            stakeholder = group.value
            continue
        if is_term(lemma) and lemma not in terms:
            terms.append(lemma)
    return terms, stakeholder


def ask(
    session: Session,
    question: str,
    *,
    category: str | None = None,
    stakeholder: str | None = None,
    consultation_id: int | None = None,
    lang: str | None = None,
    limit: int = 10,
) -> Answer:
    """Rank the comments for a question, within the chosen or recognised filters."""
    terms, named_group = understand(question)
    group = stakeholder or named_group
    label = func.coalesce(Comment.final_label, Comment.predicted_label)
    conditions = [col(Comment.status).in_([CommentStatus.new.value, CommentStatus.reviewed.value])]
    if category:
        conditions.append(label == category)
    if group:
        conditions.append(Comment.stakeholder == group)
    if consultation_id:
        conditions.append(Comment.consultation_id == consultation_id)
    if lang:
        conditions.append(Comment.lang == lang)
    population = session.exec(select(func.count()).select_from(Comment).where(*conditions)).one()
    if terms:
        conditions.append(or_(*(col(Comment.lemmas).contains(t, autoescape=True) for t in terms)))
    rows = session.exec(
        select(Comment.id, Comment.lemmas, label, Comment.stakeholder)
        .where(*conditions)
        .limit(MAX_CANDIDATES)
    ).all()
    scored = _bm25(rows, terms, int(population)) if terms else [(r[0], 0.0) for r in rows]
    scored.sort(key=lambda item: (-item[1], -item[0]))
    top_ids = [comment_id for comment_id, _score in scored[:limit]]
    comments = {c.id: c for c in session.exec(select(Comment).where(col(Comment.id).in_(top_ids)))}
    session.rollback()
    return Answer(
        question=question,
        terms=terms,
        stakeholder=group,
        matches=len(rows),
        results=[(comments[i], score) for i, score in scored[:limit] if i in comments],
        by_category=Counter(r[2] for r in rows),
        by_group=Counter(r[3] for r in rows),
    )


def _bm25(rows, terms: list[str], population: int) -> list[tuple[int, float]]:
    docs = [(row[0], (row[1] or "").split()) for row in rows]
    if not docs:
        return []
    average = sum(len(tokens) for _id, tokens in docs) / len(docs) or 1.0
    frequencies: list[tuple[int, int, dict[str, float]]] = []
    containing: Counter = Counter()
    for comment_id, tokens in docs:
        tf: dict[str, float] = {}
        for term in terms:
            hits = sum(1.0 if token == term else PARTIAL for token in tokens if term in token)
            if hits:
                tf[term] = hits
                containing[term] += 1
        frequencies.append((comment_id, len(tokens), tf))
    n = max(population, len(docs))
    idf = {t: math.log(1 + (n - containing[t] + 0.5) / (containing[t] + 0.5)) for t in terms}
    scored = []
    for comment_id, length, tf in frequencies:
        score = sum(
            idf[t] * f * (K1 + 1) / (f + K1 * (1 - B + B * length / average)) for t, f in tf.items()
        )
        scored.append((comment_id, round(score, 4)))
    return scored
