"""The scikit-learn part of the classifier: features, estimator, probabilities and explanations.

The saved model is a plain scikit-learn Pipeline (persisted with joblib behind a SHA-256 check). Its input is a
two-column object array built from spaCy's output: column 0 the lemmas, column 1 the lower-cased
word forms. spaCy itself is never stored in the model file.
"""

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from assistant.nlp.pipelines import Analysis

LEMMA_COLUMN, WORD_COLUMN = 0, 1


@dataclass
class ModelConfig:
    """Declared settings of the classifier pipeline; recorded in every model card."""

    use_lemmas: bool = True
    lemma_ngram_max: int = 2
    use_chars: bool = True
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    char_max_features: int = 60000
    min_df: int = 2
    estimator: str = "logreg"  # "logreg" or "svm" (LinearSVC with sigmoid calibration)
    c: float = 10.0
    class_weight: str | None = "balanced"

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON-able data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelConfig":
        """Settings from a model card; unknown keys are ignored."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _token_list(text: str) -> list[str]:
    return text.split()


def build_pipeline(config: ModelConfig) -> Pipeline:
    """A fresh, unfitted pipeline for the given settings."""
    transformers: list[tuple[str, Any, int]] = []
    if config.use_lemmas:
        transformers.append(
            (
                "lemma",
                TfidfVectorizer(
                    analyzer="word",
                    token_pattern=r"(?u)[^ ]+",
                    ngram_range=(1, config.lemma_ngram_max),
                    min_df=config.min_df,
                    sublinear_tf=True,
                    lowercase=False,
                ),
                LEMMA_COLUMN,
            )
        )
    if config.use_chars:
        transformers.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(config.char_ngram_min, config.char_ngram_max),
                    min_df=config.min_df,
                    max_features=config.char_max_features,
                    sublinear_tf=True,
                    lowercase=False,
                ),
                WORD_COLUMN,
            )
        )
    if not transformers:
        raise ValueError("at least one of use_lemmas and use_chars must be set")
    if config.estimator == "logreg":
        estimator: Any = LogisticRegression(
            C=config.c, class_weight=config.class_weight, max_iter=3000
        )
    elif config.estimator == "svm":
        estimator = CalibratedClassifierCV(
            LinearSVC(C=config.c, class_weight=config.class_weight),
            method="sigmoid",
            cv=3,
        )
    else:
        raise ValueError(f"unknown estimator {config.estimator!r}")
    return Pipeline([("features", ColumnTransformer(transformers)), ("clf", estimator)])


def to_matrix(analyses: list[Analysis]) -> np.ndarray:
    """The model input for analysed comments: one row per comment, lemma and word columns."""
    rows = np.empty((len(analyses), 2), dtype=object)
    for i, analysis in enumerate(analyses):
        rows[i, LEMMA_COLUMN] = analysis.lemma_text
        rows[i, WORD_COLUMN] = " ".join(analysis.words)
    return rows


def strip_for_saving(pipeline: Pipeline) -> Pipeline:
    """Drop fitted attributes that only serve introspection (the pruned vocabulary is large)."""
    for _, vectorizer, _ in pipeline.named_steps["features"].transformers_:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    return pipeline


def linear_coefficients(pipeline: Pipeline) -> np.ndarray:
    """Class-by-feature weights of the linear model (averaged over calibration folds for SVM)."""
    clf = pipeline.named_steps["clf"]
    if isinstance(clf, CalibratedClassifierCV):
        return np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)
    return clf.coef_


@dataclass
class Explainer:
    """Turns a comment's feature weights into the words that pushed it toward a category."""

    pipeline: Pipeline
    _relative: np.ndarray = field(init=False, repr=False)
    _offsets: dict[str, int] = field(init=False, repr=False)
    _vocab: dict[str, dict[str, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        coef = linear_coefficients(self.pipeline)
        # Evidence for a class relative to the average class: what moves the softmax toward it.
        self._relative = coef - coef.mean(axis=0, keepdims=True)
        features = self.pipeline.named_steps["features"]
        self._offsets, self._vocab, start = {}, {}, 0
        for name, vectorizer, _ in features.transformers_:
            self._offsets[name] = start
            self._vocab[name] = vectorizer.vocabulary_
            start += len(vectorizer.vocabulary_)
        self._char_analyzer = (
            features.named_transformers_["char"].build_analyzer()
            if "char" in self._offsets
            else None
        )

    def explain(
        self, features_row: Any, analysis: Analysis, class_index: int, top: int = 6
    ) -> list[dict[str, Any]]:
        """The comment's terms with the largest positive weight toward the class, largest first."""
        row = features_row.tocsr()
        values = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        weights = self._relative[class_index]
        by_term: dict[str, float] = {}
        surface: dict[str, str] = {}
        for word, lemma in zip(analysis.words, analysis.lemmas, strict=True):
            surface.setdefault(lemma, word)
        if "lemma" in self._offsets:
            offset, vocab = self._offsets["lemma"], self._vocab["lemma"]
            lemmas = list(analysis.lemmas)
            grams = set(lemmas) | {f"{a} {b}" for a, b in itertools.pairwise(lemmas)}
            for gram in grams:
                j = vocab.get(gram)
                if j is not None and offset + j in values:
                    by_term[gram] = (
                        by_term.get(gram, 0.0) + values[offset + j] * weights[offset + j]
                    )
        if self._char_analyzer is not None:
            offset, vocab = self._offsets["char"], self._vocab["char"]
            for word, lemma in dict(zip(analysis.words, analysis.lemmas, strict=True)).items():
                total = 0.0
                for gram in set(self._char_analyzer(word)):
                    j = vocab.get(gram)
                    if j is not None and offset + j in values:
                        total += values[offset + j] * weights[offset + j]
                # Character evidence is credited to the word's lemma, so that the explanation
                # speaks in words rather than in fragments like "kust".
                by_term[lemma] = by_term.get(lemma, 0.0) + total
        ranked = sorted(((w, t) for t, w in by_term.items() if w > 0), reverse=True)[:top]
        return [
            {"term": surface.get(term, term), "lemma": term, "weight": round(weight, 4)}
            for weight, term in ranked
        ]
