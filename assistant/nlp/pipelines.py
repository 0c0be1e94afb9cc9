"""spaCy pipelines: one per language, loaded once per process, reduced to what the classifier needs.

Finnish uses the Voikko lemmatizer of `spacy-fi-experimental-web-md`. The statistical components
(tok2vec, tagger, morphologizer, parser, NER) are excluded: the lemmatizer works on its own from
Voikko's analyses, and the benchmark shows the tagger pipeline costs about eight times more per
comment for a cross-validated difference well inside the noise (see bench/RESULTS.md). Swedish and English use `spacy.blank` with
lookup lemmas from `spacy-lookups-data`.
"""

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import spacy
from spacy.language import Language as SpacyLanguage

from assistant.nlp.language import LANGUAGES, detect_language

FINNISH_MODEL = "spacy_fi_experimental_web_md"
_FI_UNUSED = ["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "ner"]

_pipelines: dict[str, SpacyLanguage] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    """A comment after language detection, tokenisation and lemmatisation."""

    lang: str
    words: tuple[str, ...]  # surface forms of word tokens, lower case
    lemmas: tuple[str, ...]  # one lemma per word, lower case

    @property
    def lemma_text(self) -> str:
        """Lemmas joined by spaces: the input of the lemma n-gram features."""
        return " ".join(self.lemmas)


def _build(lang: str) -> SpacyLanguage:
    if lang == "fi":
        nlp = spacy.load(FINNISH_MODEL, exclude=_FI_UNUSED)
        # The lemmatizer never reads the word vectors; dropping them frees about 60 MB a process.
        nlp.vocab.reset_vectors(width=0)
        return nlp
    nlp = spacy.blank(lang)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def pipeline(lang: str) -> SpacyLanguage:
    """The process-wide spaCy pipeline for a language, built on first use."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang}")
    nlp = _pipelines.get(lang)
    if nlp is None:
        with _lock:
            nlp = _pipelines.get(lang)
            if nlp is None:
                nlp = _pipelines[lang] = _build(lang)
    return nlp


def warm_up(langs: Iterable[str] = LANGUAGES) -> None:
    """Load the pipelines now so that the first request does not pay for it."""
    for lang in langs:
        pipeline(lang).make_doc("ok")


def _prepare_input(text: str, lang: str) -> str:
    # Lookup tables are keyed by lower-case forms; Voikko copes with case itself.
    return text if lang == "fi" else text.lower()


def _to_analysis(doc, lang: str) -> Analysis:
    words: list[str] = []
    lemmas: list[str] = []
    for token in doc:
        if token.is_punct or token.is_space or not any(ch.isalnum() for ch in token.text):
            continue
        words.append(token.lower_)
        lemmas.append((token.lemma_ or token.text).lower())
    return Analysis(lang=lang, words=tuple(words), lemmas=tuple(lemmas))


def analyse(text: str, lang: str | None = None) -> Analysis:
    """Detect the language (unless given) and lemmatise one text."""
    lang = lang or detect_language(text)
    doc = pipeline(lang)(_prepare_input(text, lang))
    return _to_analysis(doc, lang)


def analyse_many(texts: list[str], langs: list[str | None] | None = None) -> list[Analysis]:
    """Analyse many texts, batching each language through nlp.pipe."""
    resolved = [
        (given or detect_language(text))
        for text, given in zip(texts, langs or [None] * len(texts), strict=True)
    ]
    results: list[Analysis | None] = [None] * len(texts)
    for lang in set(resolved):
        idx = [i for i, code in enumerate(resolved) if code == lang]
        docs = pipeline(lang).pipe(_prepare_input(texts[i], lang) for i in idx)
        for i, doc in zip(idx, docs, strict=True):
            results[i] = _to_analysis(doc, lang)
    return [r for r in results if r is not None]
