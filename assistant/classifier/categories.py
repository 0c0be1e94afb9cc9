"""The five Pirkanmaa feedback categories, read from corpora/categories.json."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.settings import get_settings

CATEGORY_KEYS: tuple[str, ...] = (
    "quality",
    "small_producers",
    "cost_comparability",
    "development",
    "resources",
)


@dataclass(frozen=True)
class Category:
    """One category with its texts in fi, sv and en."""

    key: str
    name: dict[str, str]
    gloss: dict[str, str]
    description: dict[str, str]
    followup: dict[str, str]

    def text(self, field: str, lang: str) -> str:
        """One of the category's texts in a language, falling back to Finnish."""
        values: dict[str, str] = getattr(self, field)
        return values.get(lang) or values["fi"]


def load_categories(path: Path) -> list[Category]:
    """Read and check the category definitions; the keys must be exactly the five fixed keys."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    categories = [
        Category(
            key=item["key"],
            name=item["name"],
            gloss=item["gloss"],
            description=item["description"],
            followup=item["followup"],
        )
        for item in raw["categories"]
    ]
    keys = tuple(c.key for c in categories)
    if keys != CATEGORY_KEYS:
        raise ValueError(f"categories.json must define {CATEGORY_KEYS} in order, found {keys}")
    return categories


@lru_cache(maxsize=1)
def categories() -> list[Category]:
    """The process-wide category definitions."""
    return load_categories(get_settings().corpora_dir / "categories.json")


def category(key: str) -> Category:
    """The category with this key."""
    for item in categories():
        if item.key == key:
            return item
    raise KeyError(key)
