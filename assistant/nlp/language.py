"""Language detection restricted to the three languages Vuoropuhe speaks.

lingua runs in its low-accuracy mode (trigram models only): 8 MB and a few milliseconds to load
instead of 100 MB and two to three seconds, and it still gets every comment of the corpus right.
On short texts, where trigrams alone are weaker, function words decide first: a text of at most
SHORT_TEXT_WORDS words goes to the language whose spaCy stop words (counting only those that are
stop words in no other of the three languages) it uses most, when one language leads; otherwise
lingua decides. On the corpus comments cut to their first two, three or five words this is right
more often than lingua's high-accuracy mode (bench/RESULTS.md has the figures).
"""

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
SHORT_TEXT_WORDS = 8
_LINGUA_TO_CODE = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    """Each language's spaCy stop words that are stop words in neither of the other two."""
    # Imported here: importing spaCy costs a second, which the CLI's supervising process skips.
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fi.stop_words import STOP_WORDS as FI
    from spacy.lang.sv.stop_words import STOP_WORDS as SV

    stop = {"fi": FI, "sv": SV, "en": EN}
    return {
        lang: frozenset(
            w for w in words if not any(w in stop[other] for other in stop if other != lang)
        )
        for lang, words in stop.items()
    }


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    # Restricting lingua to three languages keeps it small and makes short texts more reliable.
    return (
        LanguageDetectorBuilder.from_languages(*_LINGUA_TO_CODE)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def function_word_vote(text: str) -> str | None:
    """The language whose own function words a short text uses most, if one leads; else None."""
    words = _WORD.findall(text.lower())
    if not words or len(words) > SHORT_TEXT_WORDS:
        return None
    hits = sorted(
        ((sum(w in own for w in words), lang) for lang, own in _function_words().items()),
        reverse=True,
    )
    (best, lang), (second, _) = hits[0], hits[1]
    return lang if best > second else None


def detect_language(text: str, default: str = "fi") -> str:
    """Return "fi", "sv" or "en" for the text; `default` when the text gives no evidence."""
    voted = function_word_vote(text)
    if voted is not None:
        return voted
    found = _detector().detect_language_of(text)
    return _LINGUA_TO_CODE.get(found, default) if found is not None else default


def warm_up() -> None:
    """Load the detector's models (and the function words) now rather than on the first request."""
    _function_words()
    _detector().detect_language_of("Kiitos palautteesta.")
