"""Language detection restricted to the three languages Vuoropuhe speaks."""

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
_LINGUA_TO_CODE = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    # Restricting lingua to three languages keeps it small and makes short texts far more reliable.
    return (
        LanguageDetectorBuilder.from_languages(*_LINGUA_TO_CODE)
        .with_preloaded_language_models()
        .build()
    )


def detect_language(text: str, default: str = "fi") -> str:
    """Return "fi", "sv" or "en" for the text; `default` when the text gives no evidence."""
    found = _detector().detect_language_of(text)
    return _LINGUA_TO_CODE.get(found, default) if found is not None else default


def warm_up() -> None:
    """Load the detector's models now rather than on the first request."""
    detect_language("Kiitos palautteesta.")
