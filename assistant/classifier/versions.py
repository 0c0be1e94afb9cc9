"""Model versions for the admin: retrain with reviewed comments, compare, activate and roll back.

Pure functions over the models and corpora folders; the web layer hands in the comments a preparer
has reviewed (`ReviewedExample`) and shows what comes back.

Reviewed comments are split by a hash of their reference, not at random: a comment lands in the
same part in every run, so no version retrained here has ever seen a comment of the holdout, and
`compare` can measure every version on it fairly.

Activations are appended to models/ACTIVATIONS.jsonl ({version, previous, at, action}); the log
file is also the lock that keeps models/CURRENT and the log in step between processes.
"""

import fcntl
import hashlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.corpus import load_comments, load_split, partition
from assistant.classifier.evaluation import classification_metrics
from assistant.classifier.registry import (
    MODEL_FILE,
    Classifier,
    ModelError,
    current_version,
    load_classifier,
    read_card,
    set_current,
    sha256_of,
)
from assistant.classifier.selection import chosen_config
from assistant.classifier.training import train
from assistant.errors import N_, DomainError, NotFound
from assistant.nlp.language import LANGUAGES
from assistant.nlp.pipelines import Analysis, analyse_many

ACTIVATIONS_FILE = "ACTIVATIONS.jsonl"
HOLDOUT_PERCENT = 20
# Part of the hashed text, so that the holdout does not line up with any other hash of references.
_HOLDOUT_SALT = b"vuoropuhe/reviewed-holdout/"

logger = logging.getLogger(__name__)


class VersionNotFound(NotFound):
    """No model version of that name with a readable card."""

    message = N_("Model version %(version)s does not exist.")


class VersionUnusable(DomainError):
    """The version's files are missing or do not match its card."""

    status_code = 409
    message = N_("Model version %(version)s cannot be used: its files are missing or damaged.")


class NothingToRollBack(DomainError):
    """No activation recorded a version that was current before it."""

    status_code = 409
    message = N_("There is no earlier model version to return to.")


@dataclass(frozen=True)
class ReviewedExample:
    """A comment whose final category a preparer set; `reference` is its stable public code."""

    text: str
    lang: str
    label: str
    reference: str

    def __post_init__(self) -> None:
        if self.label not in CATEGORY_KEYS:
            raise ValueError(f"label must be one of {CATEGORY_KEYS}, not {self.label!r}")
        if self.lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, not {self.lang!r}")


@dataclass(frozen=True)
class VersionInfo:
    """One model version as the admin page lists it."""

    version: str
    created: datetime
    dev_macro_f1: float
    dev_accuracy: float
    corpus_size: int
    reviewed_added: int
    base_version: str | None
    is_current: bool


@dataclass(frozen=True)
class Activation:
    """One line of models/ACTIVATIONS.jsonl."""

    version: str
    previous: str | None
    at: str  # ISO 8601, UTC
    action: str = "activate"  # or "rollback"


def in_holdout(reference: str) -> bool:
    """Whether a reviewed comment belongs to the holdout (about HOLDOUT_PERCENT %), forever."""
    digest = hashlib.sha256(_HOLDOUT_SALT + reference.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % 100 < HOLDOUT_PERCENT


def split_reviewed(
    examples: Sequence[ReviewedExample],
) -> tuple[list[ReviewedExample], list[ReviewedExample]]:
    """(train, holdout) by a hash of each reference; input order is kept within each part."""
    train_part = [e for e in examples if not in_holdout(e.reference)]
    holdout = [e for e in examples if in_holdout(e.reference)]
    return train_part, holdout


def _reviewed_hash(examples: Sequence[ReviewedExample]) -> str:
    """SHA-256 over the reviewed training examples, by reference: what a version was trained on."""
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: e.reference):
        digest.update(json.dumps(asdict(example), sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _current_or_none(models_dir: Path) -> str | None:
    try:
        return current_version(models_dir) or None
    except ModelError:
        return None


def retrain(
    *,
    corpora_dir: Path,
    models_dir: Path,
    reviewed: list[ReviewedExample],
    progress: Callable[[float, str], None],
    cv_folds: int | None = None,
) -> str:
    """Train a new version on the corpus training split plus the training part of `reviewed`.

    Uses the selected settings (`selection.chosen_config`), writes the version beside the others
    without making it current, and returns its name. The card records `base_version` (current at
    the time), `reviewed_added`, `reviewed_holdout` and `reviewed_sha256`. `cv_folds=0` skips
    cross-validation; `progress(fraction, message)` is called at every stage.
    """
    train_part, holdout = split_reviewed(reviewed)
    base_version = _current_or_none(models_dir)
    progress(0.0, f"{len(train_part)} reviewed comments for training, {len(holdout)} held out")
    version, _ = train(
        corpora_dir=corpora_dir,
        models_dir=models_dir,
        config=chosen_config(),
        progress=logger.info,
        make_current=False,
        extra_examples=train_part,
        cv_folds=cv_folds,
        on_stage=progress,
        card_extra={
            "base_version": base_version,
            "reviewed_added": len(train_part),
            "reviewed_holdout": len(holdout),
            "reviewed_sha256": _reviewed_hash(train_part),
        },
    )
    progress(1.0, f"version {version} written; not active yet")
    return version


def _summary(gold: list[str], predicted: list[str], langs: list[str]) -> dict[str, Any]:
    """The figures the comparison shows, from evaluation.classification_metrics."""
    metrics = classification_metrics(gold, predicted, langs)
    return {
        "n": metrics["n"],
        "macro_f1": metrics["macro_f1"],
        "accuracy": metrics["accuracy"],
        "per_label_f1": {k: v["f1"] for k, v in metrics["per_label"].items()},
        "per_lang": metrics["per_lang"],
        # macro-F1 averages over all five categories: one absent from a small holdout counts as
        # 0 for both versions alike, so compare the versions, not the figure with the card's.
        "absent_labels": [k for k, v in metrics["per_label"].items() if v["support"] == 0],
    }


def _load(models_dir: Path, version: str) -> Classifier:
    _check_name(version)
    try:
        return load_classifier(models_dir, version)
    except ModelError as exc:
        if not (models_dir / version).is_dir():
            raise VersionNotFound(version=version) from exc
        raise VersionUnusable(version=version) from exc


def compare(
    *,
    corpora_dir: Path,
    models_dir: Path,
    baseline: str,
    candidate: str,
    reviewed_holdout: Sequence[ReviewedExample],
) -> dict[str, Any]:
    """Both versions on the dev split and the reviewed holdout, and where they disagree.

    Returns {"baseline": {...}, "candidate": {...}, "dev_n", "dev_disagreements", "reviewed_n",
    "reviewed_disagreements"}; each side has "version", "dev" and "reviewed" (None when the
    holdout is empty), each with n, macro_f1, accuracy, per_label_f1, per_lang, absent_labels.
    """
    classifiers = {"baseline": _load(models_dir, baseline)}
    classifiers["candidate"] = _load(models_dir, candidate)
    _, dev_set = partition(load_comments(corpora_dir), load_split(corpora_dir))
    texts = [c.text for c in dev_set] + [e.text for e in reviewed_holdout]
    langs: list[str | None] = [c.lang for c in dev_set] + [e.lang for e in reviewed_holdout]
    analyses = analyse_many(texts, langs)  # spaCy once, shared by both versions
    dev_analyses, holdout_analyses = analyses[: len(dev_set)], analyses[len(dev_set) :]

    def labels(classifier: Classifier, of: list[Analysis]) -> list[str]:
        return [p.label for p in classifier.predict_analyses(of, explain=False)]

    result: dict[str, Any] = {}
    dev_predicted, holdout_predicted = {}, {}
    for role, classifier in classifiers.items():
        dev_predicted[role] = labels(classifier, dev_analyses)
        holdout_predicted[role] = labels(classifier, holdout_analyses)
        result[role] = {
            "version": classifier.version,
            "dev": _summary(
                [c.label for c in dev_set], dev_predicted[role], [c.lang for c in dev_set]
            ),
            "reviewed": _summary(
                [e.label for e in reviewed_holdout],
                holdout_predicted[role],
                [e.lang for e in reviewed_holdout],
            )
            if reviewed_holdout
            else None,
        }

    def disagreements(predicted: dict[str, list[str]]) -> int:
        return sum(a != b for a, b in zip(*predicted.values(), strict=True))

    result["dev_n"] = len(dev_set)
    result["dev_disagreements"] = disagreements(dev_predicted)
    result["reviewed_n"] = len(reviewed_holdout)
    result["reviewed_disagreements"] = disagreements(holdout_predicted)
    return result


def _check_name(version: str) -> None:
    """A version name is a plain folder name inside models/ (it may come from a web form)."""
    if not version or version != Path(version).name or version.startswith("."):
        raise VersionNotFound(version=version)


def _check_usable(models_dir: Path, version: str) -> None:
    """The version has a card and a model file that matches it (without unpickling it)."""
    _check_name(version)
    try:
        card = read_card(models_dir, version)
    except (ModelError, ValueError) as exc:
        raise VersionNotFound(version=version) from exc
    model_path = models_dir / version / card.get("model_file", MODEL_FILE)
    if not model_path.is_file() or sha256_of(model_path) != card.get("sha256"):
        raise VersionUnusable(version=version)


@contextmanager
def _locked_log(models_dir: Path) -> Iterator[IO[str]]:
    """The activation log, open for reading and appending, under an exclusive lock."""
    with (models_dir / ACTIVATIONS_FILE).open("a+", encoding="utf-8") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        try:
            yield log
        finally:
            fcntl.flock(log, fcntl.LOCK_UN)


def _read_log(log: IO[str]) -> list[Activation]:
    log.seek(0)
    entries = []
    for line in log:
        try:
            raw = json.loads(line)
            entries.append(
                Activation(raw["version"], raw.get("previous"), raw["at"], raw.get("action", ""))
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("skipping an unreadable line of %s: %r", ACTIVATIONS_FILE, line)
    return entries


def _record(log: IO[str], models_dir: Path, version: str, action: str) -> Activation:
    """Point CURRENT at the version and append the activation (the caller holds the lock)."""
    entry = Activation(
        version=version,
        previous=_current_or_none(models_dir),
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        action=action,
    )
    set_current(models_dir, version)
    log.seek(0, 2)
    log.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    log.flush()
    return entry


def activate(models_dir: Path, version: str) -> Activation:
    """Make a version current (every process notices within a second) and log the activation."""
    _check_usable(models_dir, version)
    with _locked_log(models_dir) as log:
        return _record(log, models_dir, version, "activate")


def rollback(models_dir: Path) -> str:
    """Reactivate the version that was current before the latest activation; returns its name.

    A rollback is itself logged as an activation, so a second rollback undoes the first.
    """
    with _locked_log(models_dir) as log:
        history = _read_log(log)
        previous = history[-1].previous if history else None
        if previous is None:
            raise NothingToRollBack()
        _check_usable(models_dir, previous)
        _record(log, models_dir, previous, "rollback")
        return previous


def activation_history(models_dir: Path) -> list[Activation]:
    """Every recorded activation, oldest first (as in the log)."""
    if not (models_dir / ACTIVATIONS_FILE).exists():
        return []
    with _locked_log(models_dir) as log:
        return _read_log(log)


def list_versions(models_dir: Path) -> list[VersionInfo]:
    """The versions under models_dir with a valid card, newest first."""
    current = _current_or_none(models_dir)
    versions = []
    for folder in models_dir.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            card = read_card(models_dir, folder.name)
            corpus = card["corpus"]
            info = VersionInfo(
                version=folder.name,
                created=datetime.fromisoformat(card["created"]),
                dev_macro_f1=float(card["dev"]["macro_f1"]),
                dev_accuracy=float(card["dev"]["accuracy"]),
                corpus_size=int(corpus["train"]["n"]) + int(corpus["dev"]["n"]),
                reviewed_added=int(card.get("reviewed_added", 0)),
                base_version=card.get("base_version"),
                is_current=folder.name == current,
            )
        except (ModelError, ValueError, KeyError, TypeError) as exc:
            logger.warning("skipping %s: no valid model card (%s)", folder, exc)
            continue
        versions.append(info)
    return sorted(versions, key=lambda v: (v.created, v.version), reverse=True)
