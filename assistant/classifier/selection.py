"""Model selection: candidate feature sets and estimators compared by 5-fold CV on the train split.

The winner is recorded as CHOSEN below (and the comparison in models/selection.json), so that
`assistant train` is reproducible without re-running the search.
"""

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.classifier.corpus import load_comments, load_split, partition
from assistant.classifier.model import ModelConfig
from assistant.classifier.training import analyse_comments, cross_validate

CHOSEN = ModelConfig()

CANDIDATES: dict[str, ModelConfig] = {
    "lemmas only, logreg": ModelConfig(use_chars=False),
    "chars only, logreg": ModelConfig(use_lemmas=False),
    "lemmas + chars, logreg C=10": ModelConfig(),
    "lemmas + chars, logreg C=3": ModelConfig(c=3.0),
    "lemmas + chars, logreg C=30": ModelConfig(c=30.0),
    "lemmas + chars (1-4), logreg": ModelConfig(char_ngram_max=4),
    "lemmas + chars, svm calibrated C=0.5": ModelConfig(estimator="svm", c=0.5),
}


def chosen_config() -> ModelConfig:
    """A copy of the selected settings."""
    return replace(CHOSEN)


def run_selection(*, corpora_dir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    """Cross-validate every candidate on the training split and report the figures."""
    comments = load_comments(corpora_dir)
    train_set, _ = partition(comments, load_split(corpora_dir))
    analyses = analyse_comments(train_set)
    results: dict[str, Any] = {}
    for name, config in CANDIDATES.items():
        started = time.perf_counter()
        cv = cross_validate(config, train_set, analyses)
        results[name] = {
            "config": config.to_dict(),
            "macro_f1_mean": cv["macro_f1_mean"],
            "macro_f1_std": cv["macro_f1_std"],
            "per_lang_macro_f1": {k: v["macro_f1"] for k, v in cv["per_lang"].items()},
            "seconds": round(time.perf_counter() - started, 1),
        }
        progress(f"{name:45s} {cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}")
    return {"train_comments": len(train_set), "candidates": results}
