"""The model in models/ is the one the corpus produces, meets the quality bar, and loads safely."""

import json
import shutil

import pytest

from assistant.classifier.categories import CATEGORY_KEYS
from assistant.classifier.corpus import corpus_hash, load_comments, load_split
from assistant.classifier.registry import (
    ModelError,
    current_version,
    load_classifier,
    read_card,
)


@pytest.fixture(scope="module")
def card(settings):
    return read_card(settings.models_dir, current_version(settings.models_dir))


def test_shipped_model_was_trained_on_the_corpus_as_it_is_now(settings, card):
    comments = load_comments(settings.corpora_dir)
    assert card["corpus_sha256"] == corpus_hash(comments, load_split(settings.corpora_dir)), (
        "the corpus changed since the shipped model was trained: run `make train` and commit models/"
    )


def test_card_meets_the_quality_bar(card):
    assert card["dev"]["macro_f1"] >= 0.85
    for lang in ("fi", "sv", "en"):
        assert card["dev"]["per_lang"][lang]["macro_f1"] >= 0.80, lang
    assert card["cross_validation"]["folds"] == 5


def test_card_records_what_a_maintainer_needs(settings, card):
    for key in (
        "version",
        "created",
        "corpus_sha256",
        "corpus",
        "config",
        "cross_validation",
        "dev",
        "libraries",
        "sha256",
    ):
        assert key in card
    assert set(card["dev"]["per_label"]) == set(CATEGORY_KEYS)
    assert len(card["dev"]["confusion"]["matrix"]) == 5
    markdown = (settings.models_dir / card["version"] / "card.md").read_text()
    assert f"{card['dev']['macro_f1']:.3f}" in markdown


def test_a_tampered_model_file_is_refused(settings, card, tmp_path):
    shutil.copytree(settings.models_dir / card["version"], tmp_path / card["version"])
    model_file = tmp_path / card["version"] / card["model_file"]
    data = bytearray(model_file.read_bytes())
    data[-10] ^= 0xFF
    model_file.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_classifier(tmp_path, card["version"])


def test_missing_pointer_gives_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="assistant train"):
        load_classifier(tmp_path)


def test_card_json_is_the_same_data_the_registry_reads(settings, card):
    raw = json.loads((settings.models_dir / card["version"] / "card.json").read_text())
    assert raw == card
