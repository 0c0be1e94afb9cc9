"""Asking the feedback: the question's words and the group it names, the comments that answer it
(only stored ones, the most relevant first), counts, filters, and the page.

"Mitä järjestöt sanoivat kustannuksista?" → the NGOs' comments about costs: "kustannuksista"
finds "kustannukset" and the compound "kustannusvertailu", "järjestöt" keeps only NGOs.
"""

import html
import re
from collections import Counter
from urllib.parse import urlencode

import pytest

from assistant.classifier.categories import category
from assistant.feedback.models import Comment
from assistant.i18n import translations
from assistant.summaries.ask import Answer, ask, understand
from tests.summaries.conftest import Seeded, included

QUESTION_FI = "Mitä järjestöt sanoivat kustannuksista?"
QUESTION_SV = "Vad sade föreningarna om kostnaderna?"
NO_MATCH = "Mitä sanottiin helikopterikuljetuksista?"


def _mentions(rows: list[Comment], stem: str, **where) -> list[Comment]:
    return [
        c
        for c in rows
        if stem in (c.lemmas or "") and all(getattr(c, k) == v for k, v in where.items())
    ]


def _ask(dataset: Seeded, question: str, **options) -> Answer:
    with dataset.session() as session:
        answer = ask(session, question, limit=100, **options)
        for comment, _score in answer.results:
            session.refresh(comment)  # ask() ends its read transaction; load before closing
        return answer


@pytest.fixture(scope="module")
def rows(dataset: Seeded) -> list[Comment]:
    with dataset.session() as session:
        return included(session)


def _check_counts(answer: Answer) -> None:
    assert sum(answer.by_category.values()) == answer.matches
    assert sum(answer.by_group.values()) == answer.matches
    assert len(answer.results) == min(answer.matches, 100)
    scores = [score for _comment, score in answer.results]
    assert scores == sorted(scores, reverse=True)


def _exists(dataset: Seeded, answer: Answer) -> None:
    """Every answer is a stored comment, word for word."""
    with dataset.session() as session:
        for comment, _score in answer.results:
            stored = session.get(Comment, comment.id)
            assert stored is not None
            assert (stored.reference, stored.text) == (comment.reference, comment.text)


# --- understanding the question ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "terms", "group"),
    [
        (QUESTION_FI, ["kustannus"], "producer_ngo"),
        (QUESTION_SV, ["kostnad"], "producer_ngo"),
        ("What did the NGOs say about the costs?", ["cost"], "producer_ngo"),
        (
            "Mitä yritykset sanoivat kustannusvertailusta?",
            ["kustannusvertailu"],
            "producer_company",
        ),
        ("Mitä sanottiin kotihoidon jonoista?", ["kotihoito", "jono"], None),
    ],
)
def test_the_question_gives_search_words_and_the_group_it_names(question, terms, group):
    assert understand(question) == (terms, group)


# --- answers -----------------------------------------------------------------------------------


def test_the_ngos_comments_about_costs_come_first_and_only_theirs(dataset, rows):
    answer = _ask(dataset, QUESTION_FI)
    assert answer.terms == ["kustannus"] and answer.stakeholder == "producer_ngo"
    expected = _mentions(rows, "kustannus", stakeholder="producer_ngo")
    assert {c.reference for c, _score in answer.results} == {c.reference for c in expected}
    assert answer.matches == len(expected) >= 5
    _check_counts(answer)
    assert answer.by_group == Counter({"producer_ngo": answer.matches})
    assert answer.by_category == Counter(c.label for c in expected)
    _exists(dataset, answer)

    refs = dataset.references
    ranked = [c.reference for c, _score in answer.results]
    # Said twice in full beats said once inside a compound.
    assert ranked.index(refs["ngo_costs_twice"]) < ranked.index(refs["ngo_comparison"])
    for comment, score in answer.results:
        assert comment.stakeholder == "producer_ngo"
        assert score > 0
        assert re.search(r"[Kk]ustannu", comment.text)
    # Not the company's costs, not the NGOs' other topics, not a hidden comment.
    for key in ("company_costs", "ngo_volunteers", "ngo_hidden"):
        assert refs[key] not in ranked


def test_a_comment_that_names_costs_only_in_a_compound_is_found(dataset):
    answer = _ask(dataset, QUESTION_FI)
    compound = next(
        c for c, _score in answer.results if c.reference == dataset.references["ngo_comparison"]
    )
    assert "kustannusvertailu" in (compound.lemmas or "").split()
    assert "kustannus" not in (compound.lemmas or "").split()


def test_a_swedish_question_finds_the_swedish_comments(dataset, rows):
    answer = _ask(dataset, QUESTION_SV)
    assert answer.terms == ["kostnad"] and answer.stakeholder == "producer_ngo"
    expected = _mentions(rows, "kostnad", stakeholder="producer_ngo")
    assert {c.reference for c, _score in answer.results} == {c.reference for c in expected}
    assert dataset.references["ngo_sv"] in {c.reference for c in expected}
    assert dataset.references["company_sv"] not in {c.reference for c, _ in answer.results}
    _check_counts(answer)
    _exists(dataset, answer)


def test_a_category_narrows_the_answer(dataset, rows):
    everything = _ask(dataset, QUESTION_FI)
    narrowed = _ask(dataset, QUESTION_FI, category="cost_comparability")
    expected = [
        c
        for c in _mentions(rows, "kustannus", stakeholder="producer_ngo")
        if c.label == "cost_comparability"
    ]
    assert 0 < narrowed.matches == len(expected) < everything.matches
    assert {c.reference for c, _score in narrowed.results} == {c.reference for c in expected}
    assert all(c.label == "cost_comparability" for c, _score in narrowed.results)
    assert narrowed.by_category == Counter({"cost_comparability": narrowed.matches})
    # The preparer's category counts: set to small_producers, it is not a cost comment.
    assert dataset.references["ngo_costs_twice"] not in {c.reference for c, _ in narrowed.results}
    _check_counts(narrowed)


def test_a_chosen_group_overrides_the_one_in_the_question(dataset, rows):
    answer = _ask(dataset, QUESTION_FI, stakeholder="producer_company")
    expected = _mentions(rows, "kustannus", stakeholder="producer_company")
    assert answer.stakeholder == "producer_company"
    assert {c.reference for c, _score in answer.results} == {c.reference for c in expected}
    assert dataset.references["company_costs"] in {c.reference for c, _ in answer.results}


def test_words_that_no_comment_contains_give_an_empty_answer(dataset):
    answer = _ask(dataset, NO_MATCH)
    assert answer.terms  # the words were understood, they just are not in any comment
    assert answer.matches == 0
    assert answer.results == []
    assert not answer.by_category


# --- the page ----------------------------------------------------------------------------------


def _page(client, **params) -> str:
    response = client.get("/workspace/ask?" + urlencode(params))
    assert response.status_code == 200
    return html.unescape(response.text)


def test_the_page_answers_with_the_comments_themselves(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    session_id = shared_dataset.sessions["ngo"]
    with shared_dataset.session() as session:
        rows = included(session, consultation_id=session_id)
    expected = _mentions(rows, "kustannus", stakeholder="producer_ngo")
    assert len(expected) >= 5

    text = _page(preparer.client, q=QUESTION_FI, session=session_id)
    listed = re.findall(r'href="/workspace/comments/(VP-[A-Z0-9]{6})"', text)
    assert set(listed) == {c.reference for c in expected}
    assert listed.index(shared_dataset.references["ngo_costs_twice"]) < listed.index(
        shared_dataset.references["ngo_comparison"]
    )
    for comment in expected:
        assert comment.text in text
    assert shared_dataset.references["ngo_volunteers"] not in text
    assert "kustannus" in text  # what was searched for
    for key in Counter(c.label for c in expected):
        assert category(key).text("name", "fi") in text


def test_the_page_says_so_when_nothing_matches(shared_dataset, sign_in):
    preparer = sign_in("preparer")
    text = _page(preparer.client, q=NO_MATCH, session=shared_dataset.sessions["ngo"])
    assert translations("fi").gettext("No comment matches. Try other words or fewer limits.") in (
        text
    )
    assert "/workspace/comments/VP-" not in text
    assert '<textarea id="q" name="q"' in text and NO_MATCH in text  # the question stays


def test_anonymous_visitors_cannot_ask(anonymous):
    response = anonymous.get("/workspace/ask?q=kustannukset", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")
