"""The corpus: size, balance, variety, no near-duplicates, and a fixed stratified dev split."""

from collections import Counter

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from assistant.classifier.categories import CATEGORY_KEYS, load_categories
from assistant.classifier.corpus import (
    STAKEHOLDERS,
    CorpusComment,
    extend_split,
    load_comments,
    load_split,
    partition,
)


@pytest.fixture(scope="module")
def comments(settings):
    return load_comments(settings.corpora_dir)


def test_corpus_is_large_enough_in_every_language(comments):
    per_lang = Counter(c.lang for c in comments)
    assert len(comments) >= 1500
    assert per_lang["fi"] >= 900
    assert per_lang["sv"] >= 400
    assert per_lang["en"] >= 200


def test_labels_are_balanced_within_twenty_percent_in_each_language(comments):
    for lang in ("fi", "sv", "en"):
        counts = Counter(c.label for c in comments if c.lang == lang)
        mean = sum(counts.values()) / len(CATEGORY_KEYS)
        for label in CATEGORY_KEYS:
            assert abs(counts[label] - mean) <= 0.2 * mean, (lang, label, counts)


def test_at_least_a_fifth_are_hard_cases_spread_over_labels(comments):
    hard = [c for c in comments if c.hard]
    assert len(hard) >= 0.2 * len(comments)
    assert set(Counter(c.label for c in hard)) == set(CATEGORY_KEYS)


def test_comments_are_5_to_150_words_and_voices_vary(comments):
    for comment in comments:
        assert 5 <= len(comment.text.split()) <= 150, comment.id
    assert set(c.stakeholder for c in comments) == set(STAKEHOLDERS)


def test_no_two_comments_are_near_duplicates(comments):
    texts = [c.text.lower() for c in comments]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    similarity = cosine_similarity(matrix, dense_output=False)
    similarity.setdiag(0)
    similarity = similarity.tocoo()
    pairs = [
        (comments[i].id, comments[j].id, round(v, 3))
        for i, j, v in zip(similarity.row, similarity.col, similarity.data, strict=True)
        if i < j and v > 0.9
    ]
    assert pairs == []


def test_near_duplicate_check_would_catch_a_copy():
    texts = [
        "Oman tuotannon kustannukset pitää julkaista, jotta vertailu on reilu.",
        "Oman tuotannon kustannukset pitää julkaista, jotta vertailu on reilua.",
    ]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    assert cosine_similarity(matrix)[0, 1] > 0.9


def test_dev_split_is_fixed_complete_and_stratified(settings, comments):
    split = load_split(settings.corpora_dir)
    train, dev = partition(comments, split)
    assert not set(split["train"]) & set(split["dev"])
    assert len(train) + len(dev) == len(comments)
    assert 0.12 <= len(dev) / len(comments) <= 0.18
    for lang in ("fi", "sv", "en"):
        for label in CATEGORY_KEYS:
            total = sum(1 for c in comments if c.lang == lang and c.label == label)
            in_dev = sum(1 for c in dev if c.lang == lang and c.label == label)
            assert 0.09 * total <= in_dev <= 0.21 * total, (lang, label, in_dev, total)
    # Re-running the split on an unchanged corpus moves nothing.
    assert extend_split(comments, split) == {
        "train": sorted(split["train"]),
        "dev": sorted(split["dev"]),
    }


def test_extending_the_split_keeps_old_assignments():
    def make(i: int, label: str) -> CorpusComment:
        return CorpusComment(
            id=f"t-{i:04d}", lang="fi", stakeholder="resident", label=label, text=f"kommentti {i}"
        )

    old = [make(i, CATEGORY_KEYS[i % 5]) for i in range(100)]
    first = extend_split(old, {"train": [], "dev": []})
    new = old + [make(i, CATEGORY_KEYS[i % 5]) for i in range(100, 200)]
    second = extend_split(new, first)
    assert set(first["dev"]) <= set(second["dev"])
    assert set(first["train"]) <= set(second["train"])
    assert len(second["dev"]) == 30


def test_category_definitions_have_every_text_in_three_languages(settings):
    categories = load_categories(settings.corpora_dir / "categories.json")
    assert [c.key for c in categories] == list(CATEGORY_KEYS)
    for category in categories:
        for field in ("name", "gloss", "description", "followup"):
            texts = getattr(category, field)
            assert set(texts) == {"fi", "sv", "en"}
            assert all(len(t) > 10 for t in texts.values())


def test_bad_corpus_lines_are_refused(tmp_path):
    from assistant.classifier.corpus import CorpusError

    (tmp_path / "comments").mkdir()
    (tmp_path / "comments" / "x.jsonl").write_text(
        '{"id": "x-1", "lang": "fi", "stakeholder": "martian", "label": "quality", "text": "hei"}\n'
    )
    with pytest.raises(CorpusError, match=r"x\.jsonl:1"):
        load_comments(tmp_path)
