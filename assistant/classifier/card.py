"""The human-readable model card (card.md), written from card.json."""

import json
from pathlib import Path
from typing import Any

from assistant.classifier.registry import CARD_FILE


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_card(card: dict[str, Any]) -> str:
    """Markdown for a model card."""
    dev, cv = card["dev"], card["cross_validation"]
    parts = [
        f"# Vuoropuhe classifier {card['version']}",
        "",
        f"Trained {card['created']} on corpus `{card['corpus_sha256'][:16]}…`; "
        f"model file SHA-256 `{card['sha256'][:16]}…`.",
        "",
        "## Data",
        "",
        _table(
            ["split", "lang", *sorted(next(iter(card["corpus"]["train"]["per_lang"].values())))],
            [
                [split, lang, *counts.values()]
                for split in ("train", "dev")
                for lang, counts in card["corpus"][split]["per_lang"].items()
            ],
        ),
        "",
        f"Hard cases: {card['corpus']['train']['hard_share']:.0%} of the training split.",
        "",
        "## Quality",
        "",
        f"- Development split: macro-F1 **{dev['macro_f1']:.3f}**, accuracy {dev['accuracy']:.3f} "
        f"({dev['n']} comments).",
        f"- {cv['folds']}-fold cross-validation on the training split: macro-F1 "
        f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f}.",
        "",
        _table(
            ["lang", "dev n", "dev macro-F1", "dev accuracy", "CV macro-F1"],
            [
                [
                    lang,
                    v["n"],
                    v["macro_f1"],
                    v["accuracy"],
                    cv["per_lang"].get(lang, {}).get("macro_f1", ""),
                ]
                for lang, v in dev["per_lang"].items()
            ],
        ),
        "",
        "Per category on the development split:",
        "",
        _table(
            ["category", "precision", "recall", "F1", "support"],
            [
                [k, v["precision"], v["recall"], v["f1"], v["support"]]
                for k, v in dev["per_label"].items()
            ],
        ),
        "",
        "Confusion on the development split (rows: true category, columns: predicted):",
        "",
        _table(
            ["", *dev["confusion"]["labels"]],
            [
                [label, *row]
                for label, row in zip(
                    dev["confusion"]["labels"], dev["confusion"]["matrix"], strict=True
                )
            ],
        ),
        "",
        "## Settings",
        "",
        "```json",
        json.dumps(card["config"], indent=2),
        "```",
        "",
        "## Libraries",
        "",
        _table(["library", "version"], [[k, v] for k, v in card["libraries"].items()]),
        "",
    ]
    if "uncertainty" in card:
        u = card["uncertainty"]
        parts[-1:-1] = [
            "## Uncertainty",
            "",
            f"The assistant asks instead of asserting when the top score is under "
            f"{u['min_top_score']} or the top two are within {u['min_margin']}.",
            "",
        ]
    return "\n".join(parts)


def write_card_markdown(folder: Path) -> Path:
    """Write card.md beside card.json."""
    card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    path = folder / "card.md"
    path.write_text(render_card(card), encoding="utf-8")
    return path
