"""Language detection and lemmatisation for fi, sv and en."""

import subprocess
import sys

import numpy as np
import pytest
import spacy

from assistant.nlp import analyse, analyse_many, detect_language, language, pipelines
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


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Vi är ett", "sv"),
        ("I am a", "en"),
        ("We run a", "en"),
        ("Vår dotter har", "sv"),
        ("onks se totta", "fi"),
        ("my dad got", "en"),
        ("Hoitajia on liian vähän", "fi"),
    ],
)
def test_short_texts_are_decided_by_function_words_first(text, lang):
    assert detect_language(text) == lang


def test_function_words_vote_only_on_short_texts_with_a_leader():
    assert language.function_word_vote("Vi är ett") == "sv"
    assert language.function_word_vote("Asikkala health centre") is None  # no function word
    long_text = "Vi är ett litet företag och vi har inte råd att delta i stora upphandlingar."
    assert len(long_text.split()) > language.SHORT_TEXT_WORDS
    assert language.function_word_vote(long_text) is None
    assert detect_language(long_text) == "sv"


def test_finnish_pipeline_loads_no_vocab_data():
    vocab = pipeline("fi").vocab
    assert vocab.vectors.shape[0] == 0
    assert "lexeme_prob" not in vocab.lookups.tables


def test_compact_lookup_lemmatizer_matches_spacys_lookup_lemmatizer():
    reference = spacy.blank("en")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    text = "the associations were excluded , det nsubj i'm children ran faster 1234 ."
    assert [t.lemma_ for t in pipeline("en")(text)] == [t.lemma_ for t in reference(text)]


def test_lemma_table_keys_spacy_symbols_by_their_id():
    # "det" is one of spaCy's reserved symbols: its Token.orth is the symbol id, not a hash.
    table = pipelines.LemmaTable.from_mapping({"det": "en", "barnen": "barn"})
    doc = spacy.blank("sv")("det barnen okänd")
    orths = np.array([t.orth for t in doc], dtype=np.uint64)
    assert table.lookup(orths) == ["en", "barn", None]


def test_lemma_table_is_cached_and_a_broken_cache_is_rebuilt(tmp_path):
    built = pipelines.lemma_table("en", cache_dir=tmp_path)
    (cached,) = tmp_path.glob("en-lemma_lookup-*.npz")
    loaded = pipelines.lemma_table("en", cache_dir=tmp_path)
    assert np.array_equal(loaded.keys, built.keys) and np.array_equal(loaded.rows, built.rows)
    assert loaded.lemmas == built.lemmas
    cached.write_bytes(b"not a table")
    rebuilt = pipelines.lemma_table("en", cache_dir=tmp_path)
    assert rebuilt.lemmas == built.lemmas
    assert pipelines.LemmaTable.load(cached).lemmas == built.lemmas


def test_lemma_table_works_without_a_writable_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    table = pipelines.lemma_table("en", cache_dir=blocker / "cache")
    assert len(table.keys) > 40000


THREADED_FINNISH = """
import sys, threading
from assistant.nlp import pipelines
texts = ["Kotihoidossa on liian vähän hoitajia ja iltakäynnit jäävät lyhyiksi.",
         "Oman tuotannon tuntihinta pitää julkaista, jotta vertailu on reilu."] * 3
expected = [pipelines.analyse(t, "fi") for t in texts]
failures = []
def work():
    for _ in range(100):
        if [pipelines.analyse(t, "fi") for t in texts] != expected:
            failures.append(1)
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("failures", len(failures))
"""


def test_finnish_lemmas_from_many_threads_at_once():
    # The API lemmatises in a thread pool; libvoikko must never be entered by two threads at once
    # (unserialised, this aborts or crashes the interpreter: hence a separate process).
    done = subprocess.run(
        [sys.executable, "-c", THREADED_FINNISH], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "failures 0"
