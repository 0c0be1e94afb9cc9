"""Model versions on disk: models/<version>/{model.joblib, card.json, card.md}; models/CURRENT names
the active one.

`get_classifier()` serves the current version to the whole process and notices, within
CURRENT_CHECK_SECONDS, when models/CURRENT names another version (an admin activated one, perhaps
in another process), so that activation needs no restart.

The model file is a compressed joblib pickle, loaded only after its SHA-256 matches the one recorded
in the card at training time (a pickle must never be loaded from an unverified file). skops was
tried first: it stores each of the ~80,000 vocabulary entries as a separate JSON object, which made
a 45 MB file instead of 2 MB.
"""

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.model import Explainer, to_matrix
from assistant.nlp.pipelines import Analysis, analyse, analyse_many
from assistant.settings import get_settings

MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
CURRENT_FILE = "CURRENT"
CURRENT_CHECK_SECONDS = 1.0

logger = logging.getLogger(__name__)


class ModelError(RuntimeError):
    """No usable model: missing, tampered with, or of an unexpected shape."""


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer for one comment."""

    lang: str
    label: str
    scores: dict[str, float]
    explanation: list[dict[str, Any]]
    model_version: str
    lemma_text: str = ""  # the comment's lemmas, stored at intake so summaries never re-run spaCy

    def ranked(self) -> list[tuple[str, float]]:
        """Categories from most to least likely."""
        return sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_version(models_dir: Path) -> str:
    """The version that models/CURRENT names."""
    pointer = models_dir / CURRENT_FILE
    if not pointer.exists():
        raise ModelError(f"no {CURRENT_FILE} in {models_dir}: train a model with `assistant train`")
    return pointer.read_text(encoding="utf-8").strip()


def read_card(models_dir: Path, version: str) -> dict[str, Any]:
    """The model card (JSON) of a version."""
    path = models_dir / version / CARD_FILE
    if not path.exists():
        raise ModelError(f"model version {version!r} has no card at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def save_version(models_dir: Path, version: str, pipeline: Pipeline, card: dict[str, Any]) -> Path:
    """Write model.skops and card.json for a new version; returns its folder."""
    folder = models_dir / version
    folder.mkdir(parents=True, exist_ok=False)
    model_path = folder / MODEL_FILE
    joblib.dump(pipeline, model_path, compress=3)
    card = {**card, "version": version, "model_file": MODEL_FILE, "sha256": sha256_of(model_path)}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return folder


def set_current(models_dir: Path, version: str) -> None:
    """Point models/CURRENT at a version (atomically: a reader never sees a half-written file)."""
    pointer = models_dir / CURRENT_FILE
    scratch = pointer.with_name(f".{CURRENT_FILE}.{os.getpid()}.{threading.get_ident()}")
    scratch.write_text(version + "\n", encoding="utf-8")
    os.replace(scratch, pointer)


def load_pipeline(models_dir: Path, version: str) -> tuple[Pipeline, dict[str, Any]]:
    """Verify the model file against its card's SHA-256, then unpickle it."""
    card = read_card(models_dir, version)
    path = models_dir / version / card.get("model_file", MODEL_FILE)
    if not path.exists():
        raise ModelError(f"model file missing: {path}")
    if sha256_of(path) != card.get("sha256"):
        raise ModelError(f"{path} does not match the SHA-256 in its card; refusing to load it")
    pipeline = joblib.load(path)
    if list(pipeline.classes_) != sorted(CATEGORY_KEYS):
        raise ModelError(f"{path} predicts {list(pipeline.classes_)}, not the five categories")
    return pipeline, card


class Classifier:
    """A loaded model version: classify comments, with scores for all five categories and reasons."""

    def __init__(self, pipeline: Pipeline, version: str, card: dict[str, Any] | None = None):
        self.pipeline = pipeline
        self.version = version
        self.card = card or {}
        self._classes = list(pipeline.classes_)
        self._explainer = Explainer(pipeline)

    def predict_analyses(self, analyses: list[Analysis], explain: bool = True) -> list[Prediction]:
        """Predictions for comments that have already been through spaCy."""
        if not analyses:
            return []
        matrix = to_matrix(analyses)
        features = self.pipeline.named_steps["features"].transform(matrix)
        probabilities = self.pipeline.named_steps["clf"].predict_proba(features)
        predictions = []
        for i, analysis in enumerate(analyses):
            best = int(probabilities[i].argmax())
            scores = {
                key: round(float(probabilities[i][self._classes.index(key)]), 4)
                for key in CATEGORY_KEYS
            }
            explanation = self._explainer.explain(features[i], analysis, best) if explain else []
            predictions.append(
                Prediction(
                    lang=analysis.lang,
                    label=self._classes[best],
                    scores=scores,
                    explanation=explanation,
                    model_version=self.version,
                    lemma_text=analysis.lemma_text,
                )
            )
        return predictions

    def classify(self, text: str, lang: str | None = None) -> Prediction:
        """Classify one comment (language detected unless given)."""
        return self.predict_analyses([analyse(text, lang)])[0]

    def classify_many(
        self, texts: list[str], langs: list[str | None] | None = None, explain: bool = True
    ) -> list[Prediction]:
        """Classify many comments, batching the spaCy work per language."""
        return self.predict_analyses(analyse_many(texts, langs), explain=explain)


def load_classifier(models_dir: Path, version: str | None = None) -> Classifier:
    """Load a version (default: the current one)."""
    version = version or current_version(models_dir)
    pipeline, card = load_pipeline(models_dir, version)
    return Classifier(pipeline, version, card)


@dataclass(frozen=True)
class _Loaded:
    models_dir: Path
    version: str
    classifier: Classifier
    checked_at: float


class CurrentClassifier:
    """Callable that returns the process-wide classifier of the version models/CURRENT names.

    The hot path is a clock read and a comparison. At most every CURRENT_CHECK_SECONDS one caller
    re-reads CURRENT; when it names another version, that caller loads it while the others keep
    being served the previous one. A prediction carries the version of the classifier that made
    it, so what was stored before a switch keeps its model_version.
    """

    def __init__(self) -> None:
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Classifier:
        """The current classifier, (re)loaded when models/CURRENT changed."""
        models_dir = get_settings().models_dir
        loaded = self._loaded
        if loaded is not None and loaded.models_dir == models_dir:
            if time.monotonic() - loaded.checked_at < CURRENT_CHECK_SECONDS:
                return loaded.classifier
            # With a usable classifier in hand, never wait for another thread's check or load.
            if not self._lock.acquire(blocking=False):
                return loaded.classifier
        else:
            self._lock.acquire()
        try:
            return self._refresh(models_dir)
        finally:
            self._lock.release()

    def _refresh(self, models_dir: Path) -> Classifier:
        loaded = self._loaded
        usable = loaded if loaded is not None and loaded.models_dir == models_dir else None
        now = time.monotonic()
        if usable is not None and now - usable.checked_at < CURRENT_CHECK_SECONDS:
            return usable.classifier  # another thread refreshed it meanwhile
        try:
            version = current_version(models_dir)
            if usable is not None and usable.version == version:
                classifier = usable.classifier
            else:
                classifier = load_classifier(models_dir, version)
                logger.info("classifier version %s loaded from %s", version, models_dir)
        except (ModelError, OSError, ValueError) as exc:
            if usable is None:
                raise
            # A broken activation must not take classification down: keep serving, retry later.
            logger.error("keeping classifier %s: %s", usable.version, exc)
            version, classifier = usable.version, usable.classifier
        self._loaded = _Loaded(models_dir, version, classifier, time.monotonic())
        return classifier

    def cache_clear(self) -> None:
        """Forget the loaded classifier; the next call loads the current version afresh."""
        with self._lock:
            self._loaded = None


get_classifier = CurrentClassifier()
"""The process-wide current classifier; `get_classifier.cache_clear()` forgets it."""
