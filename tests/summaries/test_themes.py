"""Top terms per category and sub-themes, on the labelled corpus and on synthetic documents."""

import random
from dataclasses import dataclass

import pytest

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.corpus import load_comments
from assistant.nlp.pipelines import analyse_many
from assistant.summaries.themes import (
    STOP_WORDS,
    Subtheme,
    category_terms,
    is_term,
    subthemes,
    subthemes_by_language,
)


@dataclass(frozen=True)
class Corpus:
    docs: list[str]  # lemma strings
    labels: list[str]
    langs: list[str]

    def category(self, label: str, lang: str | None = None) -> list[str]:
        return [
            doc
            for doc, lab, code in zip(self.docs, self.labels, self.langs, strict=True)
            if lab == label and (lang is None or code == lang)
        ]


@pytest.fixture(scope="module")
def corpus(settings) -> Corpus:
    """The labelled comments as lemma strings (spaCy runs once per module: a few seconds)."""
    comments = load_comments(settings.corpora_dir)
    analyses = analyse_many([c.text for c in comments], [c.lang for c in comments])
    return Corpus(
        docs=[a.lemma_text for a in analyses],
        labels=[c.label for c in comments],
        langs=[c.lang for c in comments],
    )


def _lemmas(terms) -> set[str]:
    return {term.lemma for term in terms}


def _check_partition(themes: list[Subtheme], n: int, quotes: int = 2) -> None:
    assert sum(theme.size for theme in themes) == n
    members = sorted(m for theme in themes for m in theme.members)
    assert members == list(range(n))
    assert [theme.size for theme in themes] == sorted((t.size for t in themes), reverse=True)
    assert sum(theme.share for theme in themes) == pytest.approx(1.0)
    for theme in themes:
        assert theme.size == len(theme.members)
        assert theme.members == sorted(theme.members)
        assert set(theme.representatives) <= set(theme.members)
        assert 1 <= len(theme.representatives) <= quotes


# --- stop words and terms ---


def test_stop_words_drop_function_words_and_keep_the_words_of_the_domain():
    for word in ["olla", "voida", "myös", "ja", "och", "the", "ska", "kunna", "kuu", "hare"]:
        assert not is_term(word), word
    for word in ["oma", "pieni", "liten", "kustannus", "hinta", "järjestö", "kostnad", "cost"]:
        assert is_term(word), word
    assert not is_term("2024") and not is_term("24h") and not is_term("ok")
    assert "oma" not in STOP_WORDS and "olla" in STOP_WORDS


def test_inflected_finnish_forms_count_as_one_term():
    texts = [
        "Kustannukset pitää julkaista avoimesti.",
        "Kustannuksista ei tiedetä vielä mitään.",
        "Oman tuotannon kustannusten vertailu puuttuu.",
        "Asiakkaan kokemus ratkaisee laadun.",
        "Asiakkaiden palautetta pitää kuunnella.",
    ]
    docs = [a.lemma_text for a in analyse_many(texts, ["fi"] * len(texts))]
    assert all("kustannus" in doc.split() for doc in docs[:3])
    labels = ["cost_comparability"] * 3 + ["quality"] * 2
    terms = category_terms(docs, labels, top=3)
    assert terms["cost_comparability"][0].lemma == "kustannus"
    assert terms["cost_comparability"][0].count == 3
    assert terms["quality"][0].lemma == "asiakas"
    assert terms["quality"][0].count == 2


def test_category_terms_on_the_corpus_are_what_the_categories_are_about(corpus):
    terms = category_terms(corpus.docs, corpus.labels, top=10, categories=CATEGORY_KEYS)
    assert list(terms) == list(CATEGORY_KEYS)
    expected = {
        "quality": {"asiakas", "laatu", "klient", "client", "quality", "hoito"},
        "small_producers": {"pieni", "yritys", "järjestö", "liten", "small", "yhdistys"},
        "cost_comparability": {"kustannus", "hinta", "oma tuotanto", "kostnad", "cost"},
        "development": {"kokeilu", "kokeilla", "pilotti", "pilot", "pröva", "försöka"},
        "resources": {"henkilöstö", "resurssi", "hoitaja", "personal", "staff"},
    }
    for category, words in expected.items():
        found = _lemmas(terms[category])
        assert len(found & words) >= 2, (category, found)
    assert any(" " in term.lemma for term in terms["cost_comparability"])  # "oma tuotanto"


def test_category_terms_weights_counts_and_order(corpus):
    terms = category_terms(corpus.docs, corpus.labels, top=15)
    assert terms == category_terms(corpus.docs, corpus.labels, top=15)
    for category, ranked in terms.items():
        docs = corpus.category(category)
        assert len(ranked) == 15
        weights = [term.weight for term in ranked]
        assert weights == sorted(weights, reverse=True) and weights[-1] > 0
        for term in ranked:
            assert all(is_term(part) for part in term.lemma.split())
            containing = sum(1 for doc in docs if _contains(doc, term.lemma))
            if " " not in term.lemma:  # a bigram may skip stop words: only unigrams are exact
                assert term.count == containing, (category, term)
            assert 2 <= term.count <= len(docs)


def _contains(doc: str, lemma: str) -> bool:
    return lemma in doc.split() if " " not in lemma else lemma in doc


def test_category_terms_with_given_categories_and_unknown_labels():
    docs = ["hinta hinta kustannus", "hinta kustannus vertailu", "laatu asiakas", "laatu asiakas"]
    labels = ["cost_comparability", "cost_comparability", "quality", "other"]
    terms = category_terms(docs, labels, categories=["quality", "cost_comparability", "resources"])
    assert list(terms) == ["quality", "cost_comparability", "resources"]
    assert terms["resources"] == []
    assert _lemmas(terms["cost_comparability"]) >= {"hinta", "kustannus"}
    with pytest.raises(ValueError):
        category_terms(docs, labels[:2])


# --- sub-themes ---


def test_subthemes_of_a_corpus_category_partition_it_and_are_stable(corpus):
    docs = corpus.category("cost_comparability")
    themes = subthemes(docs, seed=0)
    assert 2 <= len(themes) <= 5
    _check_partition(themes, len(docs))
    assert subthemes(docs, seed=0) == themes
    for theme in themes:
        assert 1 <= len(theme.terms) <= 6
        assert all(term.count <= theme.size for term in theme.terms)
        for index in theme.representatives:  # readable quotes: 8 to 60 words
            assert 8 <= len(docs[index].split()) <= 60


def test_subthemes_of_one_language_find_topics(corpus):
    docs = corpus.category("development", lang="fi")
    themes = subthemes(docs, seed=0)
    assert 2 <= len(themes) <= 5
    _check_partition(themes, len(docs))
    # Piloting and trials run through the category; the themes say what is tried.
    all_terms = set().union(*(_lemmas(theme.terms) for theme in themes))
    assert all_terms & {"kokeilu", "kokeilla", "pilotti"}


def test_subthemes_by_language_index_into_the_mixed_documents(corpus):
    docs = corpus.category("small_producers")
    langs = [
        code
        for lab, code in zip(corpus.labels, corpus.langs, strict=True)
        if lab == "small_producers"
    ]
    by_language = subthemes_by_language(docs, langs, seed=0)
    assert list(by_language) == ["fi", "sv", "en"]  # largest group first
    covered = sorted(m for themes in by_language.values() for t in themes for m in t.members)
    assert covered == list(range(len(docs)))
    for lang, themes in by_language.items():
        assert 1 <= len(themes) <= 5
        assert sum(t.share for t in themes) == pytest.approx(1.0)
        for theme in themes:
            assert {langs[m] for m in theme.members} == {lang}
            assert set(theme.representatives) <= set(theme.members)


def test_subthemes_recover_planted_topics():
    rng = random.Random(7)
    topics = [
        "hinta kustannus laskelma vertailu tuotanto ostopalvelu julkaista avoin luku euro",
        "hoitaja henkilöstö työkuorma rekrytointi vuoro sijainen koulutus palkka uupua jaksaa",
        "kokeilu pilotti digitaalinen etävastaanotto sovellus mitata tulos malli testata uusi",
    ]
    docs, truth = [], []
    for topic_index, topic in enumerate(topics):
        words = topic.split()
        for _ in range(25):
            docs.append(" ".join(rng.choices(words, k=rng.randint(8, 14))))
            truth.append(topic_index)
    themes = subthemes(docs, seed=3)
    assert len(themes) == 3
    _check_partition(themes, len(docs))
    for theme in themes:
        assert len({truth[m] for m in theme.members}) == 1  # each theme is one planted topic
        assert set(theme.terms[0].lemma.split()) <= set(topics[truth[theme.members[0]]].split())


def test_subthemes_fit_on_a_sample_and_assign_the_rest(corpus):
    docs = corpus.category("resources", lang="fi")
    themes = subthemes(docs, seed=1, max_docs_for_model=80)
    assert 2 <= len(themes) <= 5
    _check_partition(themes, len(docs))
    assert subthemes(docs, seed=1, max_docs_for_model=80) == themes


def test_subthemes_of_few_documents():
    assert subthemes([]) == []
    docs = [
        "pieni yhdistys ei jaksaa osallistua kilpailutus",
        "pieni yritys jäädä ulos kilpailutus",
        "iso ketju voittaa",
    ]
    (theme,) = subthemes(docs)
    assert theme.size == 3 and theme.share == 1.0 and theme.members == [0, 1, 2]
    assert _lemmas(theme.terms) >= {"pieni", "kilpailutus"}
    assert theme.representatives == [0, 1]  # fewer than 8 words each: first ones in order
