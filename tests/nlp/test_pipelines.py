"""Language detection and lemmatisation for fi, sv and en."""

import pytest

from assistant.nlp import analyse, analyse_many, detect_language
from assistant.nlp.pipelines import pipeline


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("miks ei voi julkasta hintoja?", "fi"),
        ("Vanhusneuvosto katsoo, että kotihoidon laatu on turvattava.", "fi"),
        ("ja tycker int att det här e bra", "sv"),
        ("Äldrerådet anser att hemvården behöver mer personal.", "sv"),
        ("The county should publish its own unit costs.", "en"),
    ],
)
def test_detects_the_three_languages(text, lang):
    assert detect_language(text) == lang


def test_text_without_evidence_falls_back_to_the_default():
    assert detect_language("1234 !!!", default="sv") == "sv"


def test_finnish_inflected_forms_share_a_lemma():
    analysis = analyse("Kotihoidon asiakkaiden palvelujen laatu, palveluissa ja palveluun.")
    assert analysis.lang == "fi"
    assert analysis.lemmas.count("palvelu") == 3
    assert "kotihoito" in analysis.lemmas
    assert "," not in analysis.words


def test_swedish_and_english_get_lookup_lemmas():
    assert "förening" in analyse("Föreningarnas ställning måste stärkas.").lemmas
    assert "association" in analyse("Small associations were excluded from the tenders.").lemmas


def test_pipelines_are_loaded_once_and_slimmed():
    assert pipeline("fi") is pipeline("fi")
    assert pipeline("fi").pipe_names == ["lemmatizer"]
    assert pipeline("sv").pipe_names == ["lemmatizer"]


def test_batch_analysis_keeps_the_order_of_mixed_languages():
    texts = [
        "Hemvården behöver mer personal.",
        "Kotihoito tarvitsee lisää hoitajia.",
        "Home care needs staff.",
    ]
    assert [a.lang for a in analyse_many(texts)] == ["sv", "fi", "en"]


def test_unsupported_language_is_refused():
    with pytest.raises(ValueError):
        pipeline("de")
