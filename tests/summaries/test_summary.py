"""The theme summary over a classified dataset: counts and shares that match the rows, groups,
filters, stable sub-themes, quotes without personal data, the cross-tabulation, Table 1 of the
sessions, the timeline and the lemmas of old comments analysed once.

Expected numbers are computed here from the stored rows (the preparer's category where set,
otherwise the model's; hidden and withdrawn comments left out), never from the service.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import col, select

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.feedback.enums import CommentStatus
from assistant.feedback.models import Comment
from assistant.summaries import report
from assistant.summaries.masking import PLACEHOLDERS, PiiKind, mask
from assistant.summaries.service import (
    HELSINKI,
    MAX_THEMES,
    QUOTES_PER_THEME,
    Summary,
    SummaryFilters,
    backfill_lemmas,
    build_summary,
)
from tests.summaries.conftest import KNOWN_PERSON, PII, PII_STRINGS, SESSIONS, Seeded, included


def _label(comment: Comment) -> str:
    return comment.final_label or comment.predicted_label


def _day(comment: Comment) -> date:
    return comment.created_at.astimezone(HELSINKI).date()


def _counts(rows: list[Comment]) -> dict[str, int]:
    counts = Counter(_label(c) for c in rows)
    return {key: counts.get(key, 0) for key in CATEGORY_KEYS}


def _summary_counts(summary: Summary) -> dict[str, int]:
    return {c.key: c.n for c in summary.categories}


@pytest.fixture(scope="module")
def everything(dataset: Seeded) -> Summary:
    with dataset.session() as session:
        return build_summary(session, SummaryFilters())


@pytest.fixture(scope="module")
def rows(dataset: Seeded) -> list[Comment]:
    with dataset.session() as session:
        return included(session)


# --- counts and shares ----------------------------------------------------------------------------


def test_counts_and_shares_follow_the_preparers_category_and_leave_out_hidden_and_withdrawn(
    dataset, everything, rows
):
    with dataset.session() as session:
        statuses = Counter(session.exec(select(Comment.status)).all())
    # The dataset can tell the difference: some comments are hidden or withdrawn, and some
    # categories a preparer set differ from the model's.
    assert statuses[CommentStatus.hidden.value] >= 10
    assert statuses[CommentStatus.withdrawn.value] >= 10
    assert any(c.final_label and c.final_label != c.predicted_label for c in rows)
    model_only = Counter(c.predicted_label for c in rows)
    assert {k: model_only.get(k, 0) for k in CATEGORY_KEYS} != _counts(rows)

    assert everything.total == len(rows)
    assert len(rows) == statuses[CommentStatus.new.value] + statuses[CommentStatus.reviewed.value]
    assert [c.key for c in everything.categories] == list(CATEGORY_KEYS)
    assert _summary_counts(everything) == _counts(rows)
    for c in everything.categories:
        assert c.share == pytest.approx(c.n / len(rows))
    assert sum(c.share for c in everything.categories) == pytest.approx(1.0)
    assert everything.session_count == len({c.consultation_id for c in rows if c.consultation_id})
    assert everything.session_count == len(SESSIONS) - 1  # the youth council's session is empty
    assert everything.groups == sorted(
        Counter(c.stakeholder for c in rows).items(), key=lambda g: (-g[1], g[0])
    )


def test_reviewed_only_counts_only_the_comments_a_preparer_has_reviewed(dataset, rows):
    with dataset.session() as session:
        summary = build_summary(session, SummaryFilters(reviewed_only=True))
    reviewed = [c for c in rows if c.status == CommentStatus.reviewed.value]
    assert 0 < summary.total == len(reviewed) < len(rows)
    assert _summary_counts(summary) == _counts(reviewed)


def test_the_groups_of_a_category_add_up_to_the_category(everything, rows):
    for c in everything.categories:
        expected = Counter(r.stakeholder for r in rows if _label(r) == c.key)
        assert {group: n for group, n, _share in c.groups} == dict(expected)
        assert sum(n for _group, n, _share in c.groups) == c.n
        assert [n for _group, n, _share in c.groups] == sorted(expected.values(), reverse=True)
        for _group, n, share in c.groups:
            assert share == pytest.approx(n / c.n)


# --- filters --------------------------------------------------------------------------------------

Case = Callable[[Seeded], tuple[SummaryFilters, Callable[[Comment], bool]]]
FILTERS: dict[str, Case] = {
    "october": lambda d: (
        SummaryFilters(date_from=date(2024, 10, 1), date_to=date(2024, 10, 31)),
        lambda c: date(2024, 10, 1) <= _day(c) <= date(2024, 10, 31),
    ),
    "until-september": lambda d: (
        SummaryFilters(date_to=date(2024, 9, 30)),
        lambda c: _day(c) <= date(2024, 9, 30),
    ),
    "elderly-council-session": lambda d: (
        SummaryFilters(consultation_id=d.sessions["elderly"]),
        lambda c: c.consultation_id == d.sessions["elderly"],
    ),
    "staff": lambda d: (
        SummaryFilters(stakeholder="staff"),
        lambda c: c.stakeholder == "staff",
    ),
    "swedish": lambda d: (SummaryFilters(lang="sv"), lambda c: c.lang == "sv"),
    "finnish-ngos-reviewed": lambda d: (
        SummaryFilters(lang="fi", stakeholder="producer_ngo", reviewed_only=True),
        lambda c: (
            c.lang == "fi"
            and c.stakeholder == "producer_ngo"
            and c.status == CommentStatus.reviewed.value
        ),
    ),
}


@pytest.mark.parametrize("case", FILTERS)
def test_filters_narrow_the_totals_to_the_matching_comments(dataset, everything, rows, case):
    filters, matches = FILTERS[case](dataset)
    expected = [c for c in rows if matches(c)]
    with dataset.session() as session:
        summary = build_summary(session, filters)
    assert 0 < summary.total == len(expected) < everything.total
    assert _summary_counts(summary) == _counts(expected)
    assert summary.session_count == len({c.consultation_id for c in expected if c.consultation_id})
    assert summary.crosstab.n == summary.total
    quoted = {q.reference for c in summary.categories for t in c.themes for q in t.quotes}
    assert quoted <= {c.reference for c in expected}


def test_dates_are_days_in_helsinki(dataset, rows):
    """A comment left at 21.30 UTC on 30 September arrived on 1 October in Helsinki."""
    boundary = next(c for c in rows if c.reference == dataset.references["month_boundary"])
    assert boundary.created_at.date() == date(2024, 9, 30)
    assert _day(boundary) == date(2024, 10, 1)
    with dataset.session() as session:
        september = build_summary(session, SummaryFilters(date_to=date(2024, 9, 30)))
        october_first = build_summary(
            session, SummaryFilters(date_from=date(2024, 10, 1), date_to=date(2024, 10, 1))
        )
    assert september.total == sum(1 for c in rows if _day(c) <= date(2024, 9, 30))
    assert october_first.total == sum(1 for c in rows if _day(c) == date(2024, 10, 1))
    assert _summary_counts(october_first) == _counts(
        [c for c in rows if _day(c) == date(2024, 10, 1)]
    )


# --- sub-themes and quotes ------------------------------------------------------------------------


def _themes_signature(summary: Summary) -> list:
    return [
        [(t.terms, t.size, t.lang, [q.reference for q in t.quotes]) for t in c.themes]
        for c in summary.categories
    ]


def test_sub_themes_are_stable_for_a_seed_and_fit_their_category(dataset, everything, rows):
    with dataset.session() as session:
        again = build_summary(session, SummaryFilters())
    assert _themes_signature(again) == _themes_signature(everything)
    by_reference = {c.reference: c for c in rows}
    for c in everything.categories:
        assert 0 <= len(c.themes) <= MAX_THEMES
        assert sum(t.size for t in c.themes) <= c.n
        assert [t.size for t in c.themes] == sorted((t.size for t in c.themes), reverse=True)
        if c.n:
            assert c.themes, c.key
        for theme in c.themes:
            assert theme.size >= 1 and theme.terms
            assert theme.share == pytest.approx(theme.size / c.n)
            assert 1 <= len(theme.quotes) <= QUOTES_PER_THEME
            for quote in theme.quotes:
                comment = by_reference[quote.reference]  # only covered comments are quoted
                assert _label(comment) == c.key
                assert quote.lang == comment.lang == theme.lang
                assert quote.stakeholder == comment.stakeholder
    # Themes are in the sample's languages and a large category has more than one of them.
    assert max(len(c.themes) for c in everything.categories) >= 2


def test_quotes_are_attributed_to_the_session_body_or_the_group(dataset, everything, rows):
    bodies = {dataset.sessions[s.key]: s.body for s in SESSIONS}
    by_reference = {c.reference: c for c in rows}
    quotes = [q for c in everything.categories for t in c.themes for q in t.quotes]
    assert quotes
    for quote in quotes:
        comment = by_reference[quote.reference]
        assert quote.body == (
            bodies.get(comment.consultation_id) if comment.consultation_id else None
        )


def test_quotes_carry_no_email_phone_identity_code_or_known_name(dataset):
    pii_references = {dataset.references[w.key] for w in PII}
    for lang in ("fi", "sv", "en"):
        with dataset.session() as session:
            summary = build_summary(
                session, SummaryFilters(stakeholder="other"), placeholder_lang=lang
            )
        quotes = {
            q.reference: q.text for c in summary.categories for t in c.themes for q in t.quotes
        }
        # One comment per category: every comment with personal data is a quote.
        assert set(quotes) == pii_references
        for text in quotes.values():
            for secret in PII_STRINGS:
                assert secret.lower() not in text.lower(), (secret, text)
        placeholders = PLACEHOLDERS[lang]
        assert placeholders[PiiKind.PHONE] in quotes[dataset.references["pii_phone"]]
        assert placeholders[PiiKind.EMAIL] in quotes[dataset.references["pii_email"]]
        assert placeholders[PiiKind.IDENTITY_CODE] in quotes[dataset.references["pii_hetu"]]
        assert placeholders[PiiKind.NAME] in quotes[dataset.references["pii_name"]]
        assert placeholders[PiiKind.NAME] in quotes[dataset.references["pii_sv"]]
        assert "Korsholm" in quotes[dataset.references["pii_sv"]]  # the rest of the quote stays
        # Nor anywhere else in the report.
        text = report.markdown(summary, lang)
        for secret in PII_STRINGS:
            assert secret.lower() not in text.lower(), secret


def test_every_quote_of_the_summary_is_masked(everything):
    """Masking a quote again changes nothing: no personal data was left in any of them."""
    quotes = [q for c in everything.categories for t in c.themes for q in t.quotes]
    assert len(quotes) >= 10
    for quote in quotes:
        again = mask(quote.text, lang=quote.lang, known_names=[KNOWN_PERSON], placeholder_lang="fi")
        assert again == quote.text


# --- the cross-tabulation, Table 1 and the timeline -----------------------------------------------


def test_the_cross_tabulation_adds_up_to_the_categories(everything, rows):
    table = everything.crosstab
    assert table.categories == CATEGORY_KEYS
    assert table.n == table.totals.total == everything.total
    assert [cell.count for cell in table.totals.cells] == [c.n for c in everything.categories]
    pairs = Counter((c.stakeholder, _label(c)) for c in rows)
    assert {row.group for row in table.rows} == {c.stakeholder for c in rows}
    for row in table.rows:
        assert [cell.count for cell in row.cells] == [pairs[row.group, k] for k in CATEGORY_KEYS]
        assert row.total == sum(cell.count for cell in row.cells)


def test_table_1_lists_the_sessions_of_each_group_with_their_dates(dataset, everything, rows):
    used = {c.consultation_id for c in rows if c.consultation_id}
    expected: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for spec in sorted(SESSIONS, key=lambda s: s.held_on):
        if dataset.sessions[spec.key] in used:
            expected[spec.stakeholder].append((spec.name, spec.held_on))
    table = {
        group: [(s.name, s.held_on) for s in sessions]
        for group, sessions in everything.sessions_table
    }
    assert table == dict(expected)
    assert table["influence_body"] == [("Vanhusneuvoston kokouskäsittely", date(2024, 9, 17))]
    assert "Nuorisovaltuuston kokous" not in str(table)  # no comments from it
    # The group with the most sessions first.
    assert everything.sessions_table[0][0] == "staff"
    assert len(everything.sessions_table[0][1]) == 2

    with dataset.session() as session:
        one = build_summary(session, SummaryFilters(consultation_id=dataset.sessions["ngo"]))
    assert [(g, [s.name for s in ss]) for g, ss in one.sessions_table] == [
        ("producer_ngo", ["Järjestötuottajien keskustelu"])
    ]
    assert one.session_count == 1


def test_the_timeline_counts_every_comment_once_by_month_in_helsinki(everything, rows):
    expected: dict[str, Counter] = defaultdict(Counter)
    for c in rows:
        expected[c.created_at.astimezone(HELSINKI).strftime("%Y-%m")][_label(c)] += 1
    assert everything.timeline == [(month, dict(expected[month])) for month in sorted(expected)]
    assert [month for month, _counts in everything.timeline] == ["2024-09", "2024-10", "2024-11"]
    assert sum(sum(counts.values()) for _month, counts in everything.timeline) == everything.total
    for c in everything.categories:
        assert sum(counts.get(c.key, 0) for _month, counts in everything.timeline) == c.n


# --- lemmas of comments stored before lemmas were kept -------------------------------------------


def test_a_comment_without_lemmas_is_analysed_once_and_its_lemmas_kept(dataset, monkeypatch):
    import assistant.nlp.pipelines as pipelines

    calls: list[int] = []
    analyse_many = pipelines.analyse_many

    def counting(texts, langs=None):
        calls.append(len(texts))
        return analyse_many(texts, langs)

    monkeypatch.setattr(pipelines, "analyse_many", counting)
    with dataset.session() as session:
        comment = session.exec(
            select(Comment)
            .where(Comment.lang == "fi", Comment.status == CommentStatus.new.value)
            .order_by(col(Comment.id))
        ).first()
        assert comment is not None and comment.lemmas
        stored, comment_id = comment.lemmas, comment.id
        comment.lemmas = None
        session.add(comment)
        session.commit()

        summary = build_summary(session, SummaryFilters())
        assert calls == [1]
        session.expire_all()
        again = session.get(Comment, comment_id)
        assert again is not None and again.lemmas == stored
        assert summary.total == len(included(session))

        build_summary(session, SummaryFilters())
        assert backfill_lemmas(session) == 0
        assert calls == [1]
