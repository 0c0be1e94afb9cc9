"""The `assistant` console script: classify and evaluate exactly as PRODUCT.md says."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.classifier.categories import CATEGORY_KEYS

ASSISTANT = str(Path(sys.executable).parent / "assistant")


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [ASSISTANT, *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_classify_reads_and_writes_json_lines():
    lines = [
        {"id": 1, "text": "Oman tuotannon kustannukset pitää julkaista."},
        {"id": "b", "text": "Hemvården behöver mer personal och utbildning."},
        {"id": None, "text": "Pilot remote home-care visits and measure the results."},
    ]
    result = run("classify", stdin="\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", None]
    assert [o["lang"] for o in out] == ["fi", "sv", "en"]
    for o in out:
        assert set(o) == {"id", "lang", "label", "scores", "explanation"}
        assert set(o["scores"]) == set(CATEGORY_KEYS)
        assert o["label"] in CATEGORY_KEYS
    assert out[0]["label"] == "cost_comparability"


def test_classify_one_text_option():
    result = run("classify", "--text", "Järjestöt eivät pääse mukaan suuriin kilpailutuksiin.")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] == "small_producers"


def test_classify_rejects_bad_lines_with_a_line_number():
    result = run("classify", stdin='{"id": 1, "text": "ok hyvä"}\nnot json\n')
    assert result.returncode != 0
    assert "line 2" in result.stderr


def test_evaluate_prints_the_metrics(tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(x, ensure_ascii=False)
            for x in [
                {
                    "text": "Oman tuotannon tuntihinta pitää julkaista vertailua varten.",
                    "label": "cost_comparability",
                },
                {"text": "Kotihoidossa ei ole tarpeeksi hoitajia.", "label": "resources"},
                {"text": "Small NGOs cannot compete in huge tenders.", "label": "small_producers"},
            ]
        )
    )
    result = run("evaluate", "--data", str(data))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    for key in ("macro_f1", "accuracy", "per_label", "per_lang", "confusion"):
        assert key in metrics
    assert metrics["n"] == 3
    assert set(metrics["per_lang"]) == {"fi", "en"}
    assert metrics["accuracy"] == pytest.approx(1.0)


def test_evaluate_refuses_an_unknown_label(tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text('{"text": "hei hei", "label": "weather"}\n')
    result = run("evaluate", "--data", str(data))
    assert result.returncode != 0
    assert "weather" in result.stderr
