"""Predictions: five scores that sum to one, a label, and an explanation drawn from the comment."""

import pytest

from assistant.classifier.categories import CATEGORY_KEYS

EXAMPLES = [
    (
        "fi",
        "cost_comparability",
        "Oman tuotannon tuntihinta pitää julkaista, jotta sitä voi verrata ostopalvelujen hintoihin samoilla laskentaperiaatteilla.",
    ),
    (
        "fi",
        "small_producers",
        "Pienet yhdistykset eivät pysty osallistumaan kilpailutuksiin, kun hankinnat ovat niin suuria ja vaatimukset raskaita.",
    ),
    (
        "fi",
        "resources",
        "Kotihoidossa on liian vähän hoitajia ja työkuorma on kohtuuton, henkilöstöä pitää rekrytoida lisää.",
    ),
    (
        "sv",
        "development",
        "Låt oss pröva en ny modell med distansbesök i hemvården och mäta resultaten av pilotprojektet.",
    ),
    (
        "sv",
        "quality",
        "Kvaliteten i vården måste vara lika god oberoende av om tjänsten köps eller produceras själv, och klienten ska få service på svenska.",
    ),
    (
        "en",
        "small_producers",
        "Small associations and local firms cannot compete when the county bundles everything into huge tenders.",
    ),
]


@pytest.mark.parametrize(("lang", "label", "text"), EXAMPLES)
def test_clear_comments_get_their_category(classifier, lang, label, text):
    prediction = classifier.classify(text)
    assert prediction.lang == lang
    assert prediction.label == label


def test_scores_cover_all_five_and_sum_to_one(classifier):
    prediction = classifier.classify("Järjestöjen asema pitää turvata.")
    assert set(prediction.scores) == set(CATEGORY_KEYS)
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert prediction.label == max(prediction.scores, key=prediction.scores.get)


def test_explanation_names_words_of_the_comment_that_pushed_toward_the_label(classifier):
    text = "Oman tuotannon kustannukset pitäisi julkaista, jotta niitä voi verrata ostopalveluihin."
    prediction = classifier.classify(text)
    assert prediction.explanation, "expected at least one term"
    weights = [term["weight"] for term in prediction.explanation]
    assert weights == sorted(weights, reverse=True)
    assert all(w > 0 for w in weights)
    lowered = text.lower()
    for term in prediction.explanation:
        assert all(part in lowered for part in term["term"].split()), term
    assert {"kustannus", "tuotanto", "ostopalvelu"} & {t["lemma"] for t in prediction.explanation}


def test_given_language_overrides_detection(classifier):
    assert classifier.classify("ok", lang="sv").lang == "sv"


def test_batch_and_single_predictions_agree(classifier):
    texts = [text for _, _, text in EXAMPLES]
    batch = classifier.classify_many(texts)
    for text, prediction in zip(texts, batch, strict=True):
        single = classifier.classify(text)
        assert single.label == prediction.label
        assert single.scores == pytest.approx(prediction.scores, abs=1e-4)
