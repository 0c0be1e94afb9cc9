"""The labelled corpus: loading and checking comments, the fixed development split, the corpus hash."""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, Field, field_validator, model_validator
from sklearn.model_selection import train_test_split

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.nlp.language import LANGUAGES

STAKEHOLDERS: tuple[str, ...] = (
    "resident",
    "staff",
    "producer_company",
    "producer_ngo",
    "council",
    "committee",
    "influence_body",
    "political",
    "in_house",
)
DEV_FRACTION = 0.15
SPLIT_SEED = 20241017


class CorpusComment(BaseModel):
    """One labelled comment of the corpus."""

    id: str
    lang: str
    stakeholder: str
    label: str
    secondary: list[str] = Field(default_factory=list)
    hard: bool = False
    text: str

    @field_validator("lang")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}")
        return value

    @field_validator("stakeholder")
    @classmethod
    def _known_stakeholder(cls, value: str) -> str:
        if value not in STAKEHOLDERS:
            raise ValueError(f"stakeholder must be one of {STAKEHOLDERS}")
        return value

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in CATEGORY_KEYS:
            raise ValueError(f"label must be one of {CATEGORY_KEYS}")
        return value

    @model_validator(mode="after")
    def _secondary_are_other_labels(self) -> "CorpusComment":
        unknown = [s for s in self.secondary if s not in CATEGORY_KEYS or s == self.label]
        if unknown:
            raise ValueError(f"secondary labels must be other category keys: {unknown}")
        return self


class CorpusError(ValueError):
    """The corpus files are malformed."""


def read_jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    """Yield (line number, object) for each non-empty line of a JSON Lines file."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path.name}:{number}: not valid JSON ({exc.msg})") from exc


def load_comments(corpora_dir: Path) -> list[CorpusComment]:
    """All comments under corpora/comments/, checked, in a stable order (sorted by id)."""
    comments: list[CorpusComment] = []
    seen: set[str] = set()
    for path in sorted((corpora_dir / "comments").glob("*.jsonl")):
        for number, raw in read_jsonl(path):
            try:
                comment = CorpusComment.model_validate(raw)
            except ValueError as exc:
                raise CorpusError(f"{path.name}:{number}: {exc}") from exc
            if comment.id in seen:
                raise CorpusError(f"{path.name}:{number}: duplicate id {comment.id}")
            seen.add(comment.id)
            comments.append(comment)
    return sorted(comments, key=lambda c: c.id)


def split_path(corpora_dir: Path) -> Path:
    """Where the fixed train/dev assignment is kept."""
    return corpora_dir / "split.json"


def load_split(corpora_dir: Path) -> dict[str, list[str]]:
    """The fixed assignment {"train": [ids], "dev": [ids]}; empty lists when none exists yet."""
    path = split_path(corpora_dir)
    if not path.exists():
        return {"train": [], "dev": []}
    return json.loads(path.read_text(encoding="utf-8"))


def extend_split(
    comments: list[CorpusComment], split: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Assign comments not yet in the split, stratified by language and label; old ones stay put."""
    assigned = set(split["train"]) | set(split["dev"])
    new = [c for c in comments if c.id not in assigned]
    train, dev = list(split["train"]), list(split["dev"])
    if new:
        strata = [f"{c.lang}:{c.label}" for c in new]
        if len(new) * DEV_FRACTION >= len(set(strata)):
            new_train, new_dev = train_test_split(
                new, test_size=DEV_FRACTION, stratify=strata, random_state=SPLIT_SEED
            )
        else:  # too few new comments to stratify: keep them all for training
            new_train, new_dev = new, []
        train += [c.id for c in new_train]
        dev += [c.id for c in new_dev]
    known = {c.id for c in comments}
    return {
        "train": sorted(i for i in train if i in known),
        "dev": sorted(i for i in dev if i in known),
    }


def save_split(corpora_dir: Path, split: dict[str, list[str]]) -> None:
    """Write the split file."""
    split_path(corpora_dir).write_text(json.dumps(split, indent=0) + "\n", encoding="utf-8")


def partition(
    comments: list[CorpusComment], split: dict[str, list[str]]
) -> tuple[list[CorpusComment], list[CorpusComment]]:
    """(train, dev) by the fixed split; a comment missing from the split is a corpus error."""
    dev_ids, train_ids = set(split["dev"]), set(split["train"])
    missing = [c.id for c in comments if c.id not in dev_ids and c.id not in train_ids]
    if missing:
        raise CorpusError(
            f"{len(missing)} comments are not in corpora/split.json (run `assistant corpus split`)"
        )
    return [c for c in comments if c.id in train_ids], [c for c in comments if c.id in dev_ids]


def corpus_hash(comments: list[CorpusComment], split: dict[str, list[str]]) -> str:
    """SHA-256 over the comments (canonical JSON, by id) and the split: what a model was trained on."""
    digest = hashlib.sha256()
    for comment in sorted(comments, key=lambda c: c.id):
        digest.update(json.dumps(comment.model_dump(), sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    digest.update(json.dumps(split, sort_keys=True).encode())
    return digest.hexdigest()
