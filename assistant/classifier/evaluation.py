"""Metrics for the classifier, in the shape `assistant evaluate` prints and the model card keeps."""

from typing import Any

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from assistant.classifier.categories import CATEGORY_KEYS


def _rounded(value: float) -> float:
    return round(float(value), 4)


def classification_metrics(
    gold: list[str], predicted: list[str], langs: list[str]
) -> dict[str, Any]:
    """macro_f1, accuracy, per_label, per_lang and the confusion matrix (rows gold, columns predicted)."""
    labels = list(CATEGORY_KEYS)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_lang: dict[str, Any] = {}
    for lang in sorted(set(langs)):
        idx = [i for i, code in enumerate(langs) if code == lang]
        g = [gold[i] for i in idx]
        p = [predicted[i] for i in idx]
        per_lang[lang] = {
            "n": len(idx),
            "accuracy": _rounded(accuracy_score(g, p)),
            "macro_f1": _rounded(
                f1_score(g, p, labels=sorted(set(g)), average="macro", zero_division=0)
            ),
        }
    return {
        "n": len(gold),
        "macro_f1": _rounded(
            f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
        )
        if gold
        else 0.0,
        "accuracy": _rounded(accuracy_score(gold, predicted)) if gold else 0.0,
        "per_label": {
            label: {
                "precision": _rounded(precision[i]),
                "recall": _rounded(recall[i]),
                "f1": _rounded(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "per_lang": per_lang,
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(gold, predicted, labels=labels).tolist() if gold else [],
        },
    }
