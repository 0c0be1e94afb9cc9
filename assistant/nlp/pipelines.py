"""spaCy pipelines: one per language, loaded once per process, reduced to what the classifier needs.

Finnish uses the Voikko lemmatizer of `spacy-fi-experimental-web-md`. The statistical components
(tok2vec, tagger, morphologizer, parser, NER) are excluded: the lemmatizer works on its own from
Voikko's analyses, and the benchmark shows the tagger pipeline costs about eight times more per
comment for a cross-validated difference well inside the noise (see bench/RESULTS.md). The model's
vocab folder (50,000 × 300 vectors, a 500,000-entry `lexeme_prob` table, 127,000 strings) is not
loaded either: the lemmatizer reads none of it, and skipping it saves about 180 MB and three seconds
a process.

Swedish and English use `spacy.blank` with the lookup lemmas of `spacy-lookups-data`, served by
`LookupLemmatizer`: the same table as spaCy's lookup lemmatizer (the form's hash → its lemma), kept
as two numpy arrays and the list of distinct lemmas instead of a dict of 660,000 Python strings
(Swedish): about 15 MB instead of 155 MB. The arrays are built once from the package's JSON and
cached under var/cache/lemmas, keyed by the source file's SHA-256, so a process start reads them in
milliseconds instead of parsing the JSON for seconds.

spaCy itself is imported on first use, not with this module: `assistant serve --workers N` imports
the CLI (and through it this package) in the supervising process too, which never lemmatises.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.nlp.language import LANGUAGES, detect_language

if TYPE_CHECKING:
    from spacy.language import Language as SpacyLanguage
    from spacy.tokens import Doc

FINNISH_MODEL = "spacy_fi_experimental_web_md"
_FI_UNUSED = ["tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "ner", "vocab"]
LEMMA_CACHE_DIR = Path(__file__).resolve().parents[2] / "var" / "cache" / "lemmas"
_CACHE_FORMAT = "2"
_LOOKUP_FACTORY = "compact_lookup_lemmatizer"

_pipelines: dict[str, SpacyLanguage] = {}
_lock = threading.Lock()
_settled = False
logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class LemmaTable:
    """A lookup table of lemmas: `keys` (sorted spaCy string ids of the forms, as `Token.orth`),
    `rows` (for each key, its lemma's index in `lemmas`)."""

    keys: np.ndarray  # uint64, sorted
    rows: np.ndarray  # int32
    lemmas: list[str]

    @classmethod
    def from_mapping(cls, mapping: dict[str, str]) -> LemmaTable:
        """Build from {form: lemma}, keying the forms as spaCy's StringStore and lookup tables do
        (a hash, or the symbol's id for spaCy's reserved strings such as "det")."""
        from spacy.strings import get_string_id

        index: dict[str, int] = {}
        rows_by_key = {
            get_string_id(k): index.setdefault(v, len(index)) for k, v in mapping.items()
        }
        keys = np.fromiter(rows_by_key, dtype=np.uint64, count=len(rows_by_key))
        rows = np.fromiter(rows_by_key.values(), dtype=np.int32, count=len(rows_by_key))
        order = np.argsort(keys)
        return cls(keys=keys[order], rows=rows[order], lemmas=list(index))

    def lookup(self, orths: np.ndarray) -> list[str | None]:
        """The lemma of each hash in `orths`, None where the table has none."""
        if not len(self.keys):
            return [None] * len(orths)
        at = np.minimum(np.searchsorted(self.keys, orths), len(self.keys) - 1)
        found = self.keys[at] == orths
        rows = self.rows[at]
        return [
            self.lemmas[r] if f else None
            for r, f in zip(rows.tolist(), found.tolist(), strict=True)
        ]

    def save(self, path: Path) -> None:
        """Write the table as an .npz (no pickles), atomically."""
        blob = "\0".join(self.lemmas).encode("utf-8")
        buffer = io.BytesIO()
        np.savez(buffer, keys=self.keys, rows=self.rows, lemmas=np.frombuffer(blob, np.uint8))
        scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        scratch.write_bytes(buffer.getvalue())
        os.replace(scratch, path)

    @classmethod
    def load(cls, path: Path) -> LemmaTable:
        """Read a table written by `save`; ValueError when it is not a consistent one."""
        with np.load(path, allow_pickle=False) as data:
            keys, rows = data["keys"], data["rows"]
            lemmas = data["lemmas"].tobytes().decode("utf-8").split("\0")
        if (
            keys.dtype != np.uint64
            or rows.dtype != np.int32
            or len(keys) != len(rows)
            or (len(rows) and not 0 <= int(rows.min()) <= int(rows.max()) < len(lemmas))
        ):
            raise ValueError(f"{path} is not a lemma table")
        return cls(keys=keys, rows=rows, lemmas=lemmas)


def lemma_table(lang: str, cache_dir: Path | None = None) -> LemmaTable:
    """The `lemma_lookup` table of spacy-lookups-data for a language, from the cache when it holds
    the table of the installed data file, else built from the JSON (and cached when possible)."""
    from spacy.util import load_language_data, registry

    source = Path(registry.lookups.get(lang)["lemma_lookup"])
    raw = source if source.exists() else source.with_name(source.name + ".gz")
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()[:16]
    cache_dir = cache_dir or LEMMA_CACHE_DIR
    cached = cache_dir / f"{lang}-lemma_lookup-{digest}-v{_CACHE_FORMAT}.npz"
    if cached.exists():
        try:
            return LemmaTable.load(cached)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("rebuilding the %s lemma table: %s", lang, exc)
    mapping = load_language_data(source)
    table = LemmaTable.from_mapping(mapping)
    del mapping
    if not any("\0" in lemma for lemma in table.lemmas):
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            table.save(cached)
        except OSError as exc:  # a read-only checkout still works, only slower to start
            logger.warning("cannot cache the %s lemma table in %s: %s", lang, cache_dir, exc)
    return table


class LookupLemmatizer:
    """spaCy's lookup lemmatizer (`mode="lookup"`, no overwrite) over a compact `LemmaTable`: a
    token's lemma is the table's entry for its exact text, or the text itself."""

    def __init__(self, table: LemmaTable):
        self.table = table

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        orths = np.fromiter((token.orth for token in doc), dtype=np.uint64, count=len(doc))
        for token, lemma in zip(doc, self.table.lookup(orths), strict=True):
            if token.lemma == 0:
                token.lemma_ = lemma if lemma is not None else token.text
        return doc


def _make_lookup_lemmatizer(nlp: SpacyLanguage, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(lemma_table(nlp.lang))


def _serialise_lemmatizer(lemmatizer) -> None:
    """Let one thread at a time into the Voikko lemmatizer, a document at a time.

    libvoikko says a handle must not be used from several threads at once, and ctypes releases the
    GIL during its calls: the API lemmatises in a thread pool, and concurrent Finnish comments made
    the process abort in FinnishVfstAnalyzer (an assertion) or crash. The lock is taken once per
    document, not per word: a lock handed over per word queues behind the GIL at every word
    (py-spy showed a sixth of the feedback POST's thread time waiting there)."""

    class SerialisedLemmatizer(type(lemmatizer)):
        def __call__(self, doc: Doc) -> Doc:
            with self._vuoropuhe_lock:
                return super().__call__(doc)

    lemmatizer._vuoropuhe_lock = threading.Lock()
    lemmatizer.__class__ = SerialisedLemmatizer


def _build(lang: str) -> SpacyLanguage:
    import spacy
    from spacy.language import Language

    if lang == "fi":
        nlp = spacy.load(FINNISH_MODEL, exclude=_FI_UNUSED)
        _serialise_lemmatizer(nlp.get_pipe("lemmatizer"))
        return nlp
    if not Language.has_factory(_LOOKUP_FACTORY):
        Language.factory(_LOOKUP_FACTORY, func=_make_lookup_lemmatizer)
    nlp = spacy.blank(lang)
    nlp.add_pipe(_LOOKUP_FACTORY, name="lemmatizer")
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


def settle_memory() -> None:
    """After warm-up: move every object alive now out of the garbage collector's sight (gc.freeze,
    once a process), and hand freed heap back to the system (glibc's malloc_trim).

    The ~260,000 objects of the imported libraries and loaded models live as long as the process;
    without the freeze every full collection walks them all (about 170 ms, a latency spike for the
    request that triggers it), with it a full collection takes about a millisecond. There is no
    gc.collect() first: after warm-up it finds a few hundred unreachable objects, not worth its
    0.2 s of start-up."""
    global _settled
    if not _settled:
        gc.freeze()
        _settled = True
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def warm_up(langs: Iterable[str] = LANGUAGES) -> None:
    """Load the pipelines now so that the first request does not pay for it, then settle memory."""
    for lang in langs:
        pipeline(lang).make_doc("ok")
    settle_memory()


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
