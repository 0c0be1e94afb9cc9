"""Language detection and spaCy pipelines for Finnish, Swedish and English."""

from assistant.nlp.language import LANGUAGES, detect_language
from assistant.nlp.pipelines import Analysis, analyse, analyse_many

__all__ = ["LANGUAGES", "Analysis", "analyse", "analyse_many", "detect_language"]
