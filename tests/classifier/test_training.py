"""Training end to end on the real corpus into a scratch models folder (slow)."""

import json

import pytest

from assistant.classifier.model import ModelConfig
from assistant.classifier.registry import current_version, load_classifier
from assistant.classifier.selection import chosen_config
from assistant.classifier.training import train


@pytest.mark.slow
def test_training_reproduces_the_shipped_model_card(settings, tmp_path):
    version, card = train(
        corpora_dir=settings.corpora_dir,
        models_dir=tmp_path,
        config=chosen_config(),
        progress=lambda _: None,
    )
    assert current_version(tmp_path) == version
    shipped = json.loads(
        (settings.models_dir / current_version(settings.models_dir) / "card.json").read_text()
    )
    assert card["corpus_sha256"] == shipped["corpus_sha256"]
    assert card["dev"]["macro_f1"] == pytest.approx(shipped["dev"]["macro_f1"], abs=0.01)
    reloaded = load_classifier(tmp_path)
    assert reloaded.classify("Hoitajia on liian vähän.").label == "resources"
    assert (tmp_path / version / "card.md").exists()


def test_config_round_trips_through_the_card():
    config = ModelConfig(c=3.0, estimator="svm", use_chars=False)
    assert ModelConfig.from_dict({**config.to_dict(), "unknown": 1}) == config
