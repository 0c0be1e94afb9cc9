"""Training steps: analyse the corpus, cross-validate, fit, evaluate on the dev split, write a version."""

import platform
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from assistant.classifier.corpus import (
    corpus_hash,
    load_comments,
    load_split,
    partition,
)
from assistant.classifier.evaluation import classification_metrics
from assistant.classifier.model import ModelConfig, build_pipeline, strip_for_saving, to_matrix
from assistant.classifier.registry import (
    Classifier,
    Prediction,
    read_card,
    save_version,
    set_current,
)
from assistant.nlp.pipelines import Analysis, analyse_many

Progress = Callable[[str], None]
StageProgress = Callable[[float, str], None]
"""Called with the fraction done (0..1) and a message, for a progress bar."""
CV_FOLDS = 5
CV_SEED = 7


class LabelledText(Protocol):
    """Anything with a text, its language and a category: corpus comments, reviewed comments."""

    @property
    def text(self) -> str: ...

    @property
    def lang(self) -> str: ...

    @property
    def label(self) -> str: ...


def analyse_comments(comments: Sequence[LabelledText]) -> list[Analysis]:
    """spaCy analyses of labelled comments, using their recorded language."""
    return analyse_many([c.text for c in comments], [c.lang for c in comments])


def cross_validate(
    config: ModelConfig,
    comments: Sequence[LabelledText],
    analyses: list[Analysis],
    folds: int = CV_FOLDS,
    on_fold: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Stratified k-fold CV (by language and label) on the training comments.

    `on_fold(done, folds)` is called after each fold.
    """
    matrix = to_matrix(analyses)
    labels = np.array([c.label for c in comments])
    langs = [c.lang for c in comments]
    strata = [f"{c.lang}:{c.label}" for c in comments]
    predicted = np.empty(len(comments), dtype=object)
    fold_scores = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=CV_SEED)
    for train_idx, test_idx in splitter.split(matrix, strata):
        model = clone(build_pipeline(config)).fit(matrix[train_idx], labels[train_idx])
        predicted[test_idx] = model.predict(matrix[test_idx])
        fold = classification_metrics(
            labels[test_idx].tolist(), predicted[test_idx].tolist(), [langs[i] for i in test_idx]
        )
        fold_scores.append(fold["macro_f1"])
        if on_fold is not None:
            on_fold(len(fold_scores), folds)
    pooled = classification_metrics(labels.tolist(), predicted.tolist(), langs)
    return {
        "folds": folds,
        "macro_f1_mean": round(statistics.mean(fold_scores), 4),
        "macro_f1_std": round(statistics.stdev(fold_scores), 4),
        "fold_macro_f1": fold_scores,
        "per_lang": pooled["per_lang"],
        "per_label": pooled["per_label"],
    }


def corpus_profile(comments: Sequence[LabelledText]) -> dict[str, Any]:
    """Counts per language and label, and the share of hard cases."""
    per_lang: dict[str, dict[str, int]] = {}
    for comment in comments:
        per_lang.setdefault(comment.lang, Counter())[comment.label] += 1
    return {
        "n": len(comments),
        "per_lang": {lang: dict(sorted(c.items())) for lang, c in sorted(per_lang.items())},
        "hard_share": round(
            sum(getattr(c, "hard", False) for c in comments) / max(len(comments), 1), 3
        ),
    }


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the model's behaviour."""
    from importlib.metadata import version

    import lingua  # noqa: F401
    import sklearn
    import spacy
    import spacy_fi_experimental_web_md as fi_model

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "spacy": spacy.__version__,
        "spacy-fi-experimental-web-md": getattr(
            fi_model, "__version__", version("spacy-fi-experimental-web-md")
        ),
        "spacy-lookups-data": version("spacy-lookups-data"),
        "lingua-language-detector": version("lingua-language-detector"),
        "joblib": version("joblib"),
    }


# Asking costs the person one click; a wrong assertion costs their trust. So the assistant asserts
# only where the dev split says it is right 99% of the time.
TARGET_CONFIDENT_ACCURACY = 0.99


def tune_uncertainty(predictions: list[Prediction], gold: list[str]) -> dict[str, Any]:
    """Thresholds under which the assistant asks instead of asserting, tuned on the dev split.

    Chooses the (top score, margin) pair that keeps the most comments "confident" while the
    confident ones are right at least TARGET_CONFIDENT_ACCURACY of the time.
    """
    ranked = [p.ranked() for p in predictions]
    best: dict[str, Any] | None = None
    for top in np.arange(0.30, 0.91, 0.05):
        for margin in np.arange(0.0, 0.41, 0.05):
            confident = [
                i for i, r in enumerate(ranked) if r[0][1] >= top and r[0][1] - r[1][1] >= margin
            ]
            if not confident:
                continue
            accuracy = sum(predictions[i].label == gold[i] for i in confident) / len(confident)
            coverage = len(confident) / len(predictions)
            candidate = {
                "min_top_score": round(float(top), 2),
                "min_margin": round(float(margin), 2),
                "coverage": round(coverage, 4),
                "confident_accuracy": round(accuracy, 4),
            }
            meets = accuracy >= TARGET_CONFIDENT_ACCURACY
            if best is None:
                best = candidate
                continue
            best_meets = best["confident_accuracy"] >= TARGET_CONFIDENT_ACCURACY
            if (meets and not best_meets) or (
                meets == best_meets
                and (coverage, accuracy) > (best["coverage"], best["confident_accuracy"])
                if meets
                else accuracy > best["confident_accuracy"]
            ):
                best = candidate
    assert best is not None
    unsure = [
        i
        for i, r in enumerate(ranked)
        if r[0][1] < best["min_top_score"] or r[0][1] - r[1][1] < best["min_margin"]
    ]
    best["unsure_accuracy"] = (
        round(sum(predictions[i].label == gold[i] for i in unsure) / len(unsure), 4)
        if unsure
        else None
    )
    best["unsure_in_top3"] = (
        round(sum(gold[i] in [k for k, _ in ranked[i][:3]] for i in unsure) / len(unsure), 4)
        if unsure
        else None
    )
    best["target_confident_accuracy"] = TARGET_CONFIDENT_ACCURACY
    return best


def new_version_name(models_dir: Path, now: datetime) -> str:
    """A sortable version name, unique within models/."""
    base = now.strftime("%Y%m%d-%H%M%S")
    name, n = base, 1
    while (models_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


class _Stages:
    """Sends each progress line on, and with the fraction done to a progress bar when there is one.

    The fraction comes from rough seconds per stage on the shipped corpus with spaCy loaded.
    """

    def __init__(self, progress: Progress, on_stage: StageProgress | None, cv_folds: int):
        self._progress, self._on_stage = progress, on_stage
        self._weights = {"analyse": 1.5, "cv": 2.7 * cv_folds, "fit": 3.0, "evaluate": 0.5}
        self._done = 0.0

    def __call__(self, message: str) -> None:
        self._progress(message)
        if self._on_stage is not None:
            self._on_stage(min(self._done / sum(self._weights.values()), 1.0), message)

    def advance(self, stage: str, share: float = 1.0) -> None:
        """Count a stage (or a share of it) as done."""
        self._done += self._weights[stage] * share


def _write_markdown(folder: Path, card: dict[str, Any]) -> None:
    """card.md beside card.json; says plainly when cross-validation was skipped."""
    from assistant.classifier.card import render_card, write_card_markdown

    if card["cross_validation"]["folds"]:
        write_card_markdown(folder)
        return
    # render_card expects CV figures: render stand-ins and replace their line.
    stand_in = {**card["cross_validation"], "macro_f1_mean": 0.0, "macro_f1_std": 0.0}
    lines = render_card({**card, "cross_validation": stand_in}).split("\n")
    lines = [
        "- Cross-validation was skipped for this version." if line.startswith("- 0-fold") else line
        for line in lines
    ]
    (folder / "card.md").write_text("\n".join(lines), encoding="utf-8")


def train(
    *,
    corpora_dir: Path,
    models_dir: Path,
    config: ModelConfig,
    progress: Progress = print,
    make_current: bool = True,
    extra_examples: Sequence[LabelledText] = (),
    cv_folds: int | None = None,
    on_stage: StageProgress | None = None,
    card_extra: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Train on the training split, cross-validate, evaluate on dev, and write a new model version.

    `extra_examples` (e.g. comments a preparer reviewed) join the training split, never the dev
    split; `cv_folds` overrides the number of CV folds (0 skips cross-validation); `on_stage` gets
    the fraction done with every progress line; `card_extra` is merged into the card.
    """
    folds = CV_FOLDS if cv_folds is None else cv_folds
    if folds == 1 or folds < 0:
        raise ValueError("cv_folds must be 0 (skip) or at least 2")
    report = _Stages(progress, on_stage, folds)
    comments = load_comments(corpora_dir)
    split = load_split(corpora_dir)
    corpus_train, dev_set = partition(comments, split)
    train_set: list[LabelledText] = [*corpus_train, *extra_examples]
    report(f"corpus: {len(comments)} comments ({len(corpus_train)} train, {len(dev_set)} dev)")
    if extra_examples:
        report(f"  + {len(extra_examples)} extra training examples")
    report("analysing with spaCy …")
    train_analyses = analyse_comments(train_set)
    dev_analyses = analyse_comments(dev_set)
    report.advance("analyse")
    if folds:
        report(f"cross-validating ({folds} folds) …")

        def fold_done(done: int, total: int) -> None:
            report.advance("cv", 1 / total)
            report(f"  fold {done}/{total} done")

        cv = cross_validate(config, train_set, train_analyses, folds=folds, on_fold=fold_done)
        report(f"  CV macro-F1 {cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}")
    else:
        cv = {"folds": 0, "skipped": True, "per_lang": {}, "per_label": {}}
        report("cross-validation skipped")
    report("fitting on the whole training split …")
    pipeline = build_pipeline(config).fit(to_matrix(train_analyses), [c.label for c in train_set])
    strip_for_saving(pipeline)
    report.advance("fit")
    now = datetime.now(UTC)
    version = new_version_name(models_dir, now)
    classifier = Classifier(pipeline, version)
    predictions = classifier.predict_analyses(dev_analyses, explain=False)
    dev = classification_metrics(
        [c.label for c in dev_set], [p.label for p in predictions], [c.lang for c in dev_set]
    )
    report(f"  dev macro-F1 {dev['macro_f1']:.3f}, accuracy {dev['accuracy']:.3f}")
    corpus = {"train": corpus_profile(corpus_train), "dev": corpus_profile(dev_set)}
    if extra_examples:
        corpus["extra_train"] = corpus_profile(extra_examples)
    card = {
        "created": now.isoformat(timespec="seconds"),
        "corpus_sha256": corpus_hash(comments, split),
        "corpus": corpus,
        "config": config.to_dict(),
        "cross_validation": cv,
        "dev": dev,
        "uncertainty": tune_uncertainty(predictions, [c.label for c in dev_set]),
        "libraries": library_versions(),
        **(card_extra or {}),
    }
    folder = save_version(models_dir, version, pipeline, card)
    _write_markdown(folder, read_card(models_dir, version))
    if make_current:
        set_current(models_dir, version)
    report.advance("evaluate")
    report(f"wrote {folder}")
    return version, card
