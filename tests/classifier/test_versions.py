"""Model versions for the admin: retrain with reviewed comments, compare, activate, roll back.

Everything runs on scratch copies of models/ and corpora/; the shipped models/ is never touched.
One retrain (cross-validation skipped) is shared by the module.
"""

import json
import shutil
import time
from pathlib import Path

import pytest

from assistant.classifier import registry
from assistant.classifier.corpus import load_comments
from assistant.classifier.registry import current_version, get_classifier, read_card
from assistant.classifier.versions import (
    ACTIVATIONS_FILE,
    NothingToRollBack,
    ReviewedExample,
    VersionNotFound,
    activate,
    activation_history,
    compare,
    list_versions,
    retrain,
    rollback,
    split_reviewed,
)
from tests.conftest import make_test_settings

REVIEWED = [
    ReviewedExample(text, lang, label, f"VP-T{i:05d}")
    for i, (lang, label, text) in enumerate(
        [
            ("fi", "resources", "Kotihoidossa on liian vähän hoitajia, kiire on jatkuvaa."),
            ("fi", "quality", "Äidilläni kävi viikossa kymmenen eri hoitajaa, jatkuvuus puuttuu."),
            (
                "fi",
                "small_producers",
                "Pienet yhdistykset eivät pysty vastaamaan isoihin kilpailutuksiin.",
            ),
            (
                "fi",
                "cost_comparability",
                "Oman tuotannon kustannukset pitää julkaista samoin perustein.",
            ),
            ("fi", "development", "Kokeillaan etävastaanottoa ja mitataan kokeilun tulokset."),
            ("sv", "resources", "Det finns för få sjukskötare på avdelningen och alla är trötta."),
            (
                "sv",
                "small_producers",
                "Små företag har inte en chans när upphandlingen görs i stora helheter.",
            ),
            (
                "sv",
                "cost_comparability",
                "Jämför kostnaderna för egen produktion och köpta tjänster öppet.",
            ),
            ("en", "quality", "The same carers every week matter more than anything else to us."),
            (
                "en",
                "development",
                "Pilot digital check-ins with producers and publish what you learn.",
            ),
            ("en", "resources", "Staff are exhausted; there is no time for training at all."),
            ("fi", "quality", "Asiakkaan ääni ei kuulu, kun palvelu vaihtuu tuottajalta toiselle."),
        ]
    )
]


def _copy_models(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def retrained(settings, tmp_path_factory) -> tuple[Path, Path, str, str, list[tuple[float, str]]]:
    """(corpora, models, base version, new version, progress calls) after one fast retrain."""
    root = tmp_path_factory.mktemp("versions")
    corpora = shutil.copytree(settings.corpora_dir, root / "corpora")
    models = _copy_models(settings.models_dir, root / "models")
    base = current_version(models)
    calls: list[tuple[float, str]] = []
    version = retrain(
        corpora_dir=corpora,
        models_dir=models,
        reviewed=REVIEWED,
        progress=lambda fraction, message: calls.append((fraction, message)),
        cv_folds=0,
    )
    return corpora, models, base, version, calls


@pytest.fixture
def models(retrained, tmp_path) -> Path:
    """A private copy of the models folder with the retrained version, for tests that activate."""
    return _copy_models(retrained[1], tmp_path / "models")


@pytest.fixture
def served_from(monkeypatch):
    """Point get_classifier at a models folder; it re-reads CURRENT on every call."""

    def point(models_dir: Path) -> None:
        settings = make_test_settings("sqlite://", models_dir=models_dir)
        monkeypatch.setattr(registry, "get_settings", lambda: settings)
        monkeypatch.setattr(registry, "CURRENT_CHECK_SECONDS", 0.0)

    yield point
    get_classifier.cache_clear()


def test_split_reviewed_is_deterministic_and_holds_out_about_a_fifth():
    train_part, holdout = split_reviewed(REVIEWED)
    reversed_holdout = split_reviewed(list(reversed(REVIEWED)))[1]
    assert {e.reference for e in reversed_holdout} == {e.reference for e in holdout}
    assert sorted(train_part + holdout, key=lambda e: e.reference) == REVIEWED
    # Pinned: a changed hash would move comments that earlier versions trained on into the holdout.
    assert [e.reference for e in holdout] == ["VP-T00001", "VP-T00002", "VP-T00005", "VP-T00011"]
    many = [ReviewedExample("x", "fi", "quality", f"VP-{i:06d}") for i in range(5000)]
    share = len(split_reviewed(many)[1]) / len(many)
    assert 0.18 < share < 0.22
    # A comment stays in its part whatever else is reviewed alongside it.
    assert split_reviewed(many[:100])[1] == [e for e in split_reviewed(many)[1] if e in many[:100]]


def test_reviewed_example_refuses_unknown_labels():
    with pytest.raises(ValueError):
        ReviewedExample("text", "fi", "weather", "VP-1")


def test_retrain_writes_a_new_version_without_activating_it(retrained):
    _, models, base, version, calls = retrained
    assert version != base
    assert current_version(models) == base
    card = read_card(models, version)
    train_part, holdout = split_reviewed(REVIEWED)
    assert card["reviewed_added"] == len(train_part)
    assert card["reviewed_holdout"] == len(holdout)
    assert card["base_version"] == base
    assert card["cross_validation"]["folds"] == 0
    assert card["corpus"]["extra_train"]["n"] == len(train_part)
    assert card["dev"]["macro_f1"] >= 0.85
    assert "Cross-validation was skipped" in (models / version / "card.md").read_text()
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(message, str) and message for _, message in calls)


def test_compare_reports_both_versions_on_dev_and_the_reviewed_holdout(retrained):
    corpora, models, base, version, _ = retrained
    _, holdout = split_reviewed(REVIEWED)
    result = compare(
        corpora_dir=corpora,
        models_dir=models,
        baseline=base,
        candidate=version,
        reviewed_holdout=holdout,
    )
    assert result["baseline"]["version"] == base
    assert result["candidate"]["version"] == version
    shipped_card = read_card(models, base)
    assert result["baseline"]["dev"]["macro_f1"] == pytest.approx(shipped_card["dev"]["macro_f1"])
    for side in ("baseline", "candidate"):
        dev, reviewed = result[side]["dev"], result[side]["reviewed"]
        assert dev["n"] == result["dev_n"] == shipped_card["dev"]["n"]
        assert set(dev["per_label_f1"]) == set(shipped_card["dev"]["per_label"])
        assert 0.0 <= reviewed["macro_f1"] <= 1.0 and 0.0 <= reviewed["accuracy"] <= 1.0
        assert reviewed["n"] == len(holdout)
    assert result["reviewed_n"] == len(holdout)
    assert 0 <= result["reviewed_disagreements"] <= len(holdout)
    assert 0 <= result["dev_disagreements"] <= result["dev_n"]


def test_compare_without_a_holdout_has_no_reviewed_figures(retrained):
    corpora, models, base, version, _ = retrained
    result = compare(
        corpora_dir=corpora,
        models_dir=models,
        baseline=base,
        candidate=version,
        reviewed_holdout=[],
    )
    assert result["baseline"]["reviewed"] is None and result["candidate"]["reviewed"] is None
    assert result["reviewed_n"] == result["reviewed_disagreements"] == 0


def test_compare_refuses_an_unknown_version(retrained):
    corpora, models, base, _, _ = retrained
    with pytest.raises(VersionNotFound):
        compare(
            corpora_dir=corpora,
            models_dir=models,
            baseline=base,
            candidate="../models",
            reviewed_holdout=[],
        )


def test_activation_switches_the_served_classifier_and_rollback_restores_it(
    retrained, models, served_from
):
    base, version = retrained[2], retrained[3]
    served_from(models)
    before = get_classifier()
    assert before.version == base
    old_prediction = before.classify("Hoitajia on liian vähän.")

    entry = activate(models, version)
    assert (entry.version, entry.previous) == (version, base)
    assert current_version(models) == version
    assert get_classifier().version == version
    assert get_classifier().classify("Hoitajia on liian vähän.").model_version == version
    assert old_prediction.model_version == base  # what was recorded keeps its version

    assert rollback(models) == base
    assert current_version(models) == base
    assert get_classifier().version == base
    lines = [json.loads(line) for line in (models / ACTIVATIONS_FILE).read_text().splitlines()]
    assert [(x["version"], x["previous"]) for x in lines] == [(version, base), (base, version)]
    assert all(set(x) >= {"version", "previous", "at"} for x in lines)
    assert [a.action for a in activation_history(models)] == ["activate", "rollback"]


def test_the_served_classifier_rereads_current_only_after_the_interval(
    retrained, models, served_from, monkeypatch
):
    base, version = retrained[2], retrained[3]
    served_from(models)
    monkeypatch.setattr(registry, "CURRENT_CHECK_SECONDS", 0.2)
    assert get_classifier().version == base
    activate(models, version)
    assert get_classifier().version == base  # within the interval: no file read at all
    time.sleep(0.25)
    assert get_classifier().version == version


def test_a_broken_activation_keeps_the_served_classifier(retrained, models, served_from):
    base = retrained[2]
    served_from(models)
    assert get_classifier().version == base
    (models / "CURRENT").write_text("no-such-version\n")
    assert get_classifier().version == base


def test_rollback_without_history_is_refused(models):
    with pytest.raises(NothingToRollBack):
        rollback(models)


def test_activate_refuses_unknown_and_path_like_versions(models):
    before = current_version(models)
    for name in ("no-such-version", "../models", "", "."):
        with pytest.raises(VersionNotFound):
            activate(models, name)
    with pytest.raises(VersionNotFound) as caught:
        activate(models, "no-such-version")
    assert caught.value.message % caught.value.params == (
        "Model version no-such-version does not exist."
    )
    assert current_version(models) == before
    assert activation_history(models) == []


def test_list_versions_newest_first_with_the_current_one_marked(retrained, models):
    base, version = retrained[2], retrained[3]
    (models / "not-a-version").mkdir()
    (models / "broken").mkdir()
    (models / "broken" / "card.json").write_text("{")
    versions = list_versions(models)
    assert [v.version for v in versions] == [version, base]
    new, old = versions
    assert (new.is_current, old.is_current) == (False, True)
    assert new.reviewed_added == len(split_reviewed(REVIEWED)[0]) and old.reviewed_added == 0
    assert new.base_version == base
    assert new.corpus_size == old.corpus_size == len(load_comments(retrained[0]))
    assert 0.85 <= new.dev_macro_f1 <= 1.0 and 0.85 <= old.dev_accuracy <= 1.0
