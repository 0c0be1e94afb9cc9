"""Vuoropuhe benchmarks: one command, figures written to bench/RESULTS.md (not part of the tests).

Measures the classifier the way the service uses it: one comment at a time (language detection,
spaCy, the model, the explanation), batches per core, model load time, and what each part of the
pipeline costs and adds to accuracy. Figures are medians over repeated runs, measured side by side
in this one run so that ratios are fair on a shared, noisy machine.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.classifier.corpus import load_comments, load_split, partition  # noqa: E402
from assistant.classifier.evaluation import classification_metrics  # noqa: E402
from assistant.classifier.registry import current_version, load_classifier  # noqa: E402
from assistant.nlp import language, pipelines  # noqa: E402
from assistant.settings import get_settings  # noqa: E402

REPEATS = 5
STARTUP_RUNS = 3

# Start-up and memory of one `assistant serve` process as measured with `bench/run.py
# --startup-only` on copies of the tree with the changes of issue 9's memory work applied one after
# another (2026-12-03, medians of three starts, load average 4-6 from other work on the machine:
# CPU seconds compare better than wall seconds).
MEMORY_HISTORY = [
    ("before: lingua high accuracy, Finnish vocab loaded, spaCy lookup tables", 727, 10.7, 31.8),
    ("Finnish model without its vocab folder (vectors, lexeme_prob, strings)", 607, 8.5, 25.6),
    ("sv/en lemmas in a compact table cached as .npz (was 660,000 strings)", 409, 5.3, 14.5),
    ("lingua low-accuracy mode, function words first for short texts", 318, 4.5, 11.9),
    ("gc.freeze + malloc_trim after warm-up; spaCy imported on first use", 315, 4.3, 13.7),
]
MEMORY_STEPS_BEFORE = {  # MB added and seconds, one process, before the changes (same runs)
    "classifier model": (21, 0.40),
    "language detector": (98, 1.51),
    "spaCy fi": (189, 2.96),
    "spaCy sv": (156, 4.03),
    "spaCy en": (2, 0.26),
}
STARTUP_TARGET_S = 6.0
RSS_TARGET_MB = 600.0

# Run in a fresh interpreter by bench_memory_parts(): resident memory and seconds after each step
# of a worker's warm-up, in the order the app's lifespan takes them.
PARTS_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
steps = [("interpreter", rss(), 0.0)]
def step(name, fn):
    started = time.perf_counter()
    fn()
    steps.append((name, rss(), time.perf_counter() - started))
step("imports (assistant.app: FastAPI, sklearn, scipy, spaCy, ...)", lambda: __import__("assistant.app"))
from assistant.classifier.registry import get_classifier
from assistant.nlp import language, pipelines
step("classifier model", get_classifier)
step("language detector", language.warm_up)
for lang in ("fi", "sv", "en"):
    step(f"spaCy {lang}", lambda lang=lang: pipelines.pipeline(lang).make_doc("ok"))
step("rest of pipelines.warm_up()", pipelines.warm_up)
print(json.dumps(steps))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_startup() -> dict:
    """`assistant serve` (one process): seconds from process start to the first answered /healthz,
    the CPU seconds it used by then (less sensitive to a busy machine than the wall clock), and its
    resident memory once it answers. Medians of STARTUP_RUNS starts."""
    from tests.live import free_port

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "ASSISTANT_DATABASE_URL": f"sqlite:///{folder}/startup.sqlite3"}
        for _ in range(STARTUP_RUNS):
            port = free_port()
            started = time.perf_counter()
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "assistant"), "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                while True:
                    if process.poll() is not None:
                        raise RuntimeError("assistant serve exited during start-up")
                    try:
                        url = f"http://127.0.0.1:{port}/healthz"
                        if httpx.get(url, timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.02)
                seconds = time.perf_counter() - started
                runs.append(
                    {"s": seconds, "cpu_s": _cpu_s(process.pid), "rss_mb": _rss_mb(process.pid)}
                )
            finally:
                process.terminate()
                process.wait(timeout=30)
    return {
        "runs": runs,
        **{key: statistics.median(r[key] for r in runs) for key in ("s", "cpu_s", "rss_mb")},
    }


def bench_memory_parts() -> list[dict]:
    """What each step of a worker's warm-up adds to resident memory, in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, "-c", PARTS_CHILD, str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    steps = json.loads(output.strip().splitlines()[-1])
    parts, before = [], 0.0
    for name, rss, seconds in steps:
        parts.append({"step": name, "added_mb": rss - before, "rss_mb": rss, "s": seconds})
        before = rss
    return parts


def bench_language_detection(comments) -> dict:
    """Accuracy of the service's detector and of lingua's high-accuracy mode (what the service used
    before) on every corpus comment and on the comments cut to their first words."""
    from lingua import LanguageDetectorBuilder

    codes = language._LINGUA_TO_CODE
    high = LanguageDetectorBuilder.from_languages(*codes).build()

    def lingua_high(text: str) -> str:
        found = high.detect_language_of(text)
        return codes.get(found, "fi") if found is not None else "fi"

    sets = {"whole comments": [(c.text, c.lang) for c in comments]}
    for n in (5, 3, 2):
        sets[f"first {n} words"] = [(" ".join(c.text.split()[:n]), c.lang) for c in comments]
    figures: dict[str, dict] = {}
    for name, detect in (
        ("service", language.detect_language),
        ("lingua high accuracy", lingua_high),
    ):
        detect("Kiitos palautteesta.")
        figures[name] = {}
        for set_name, pairs in sets.items():
            right, times = 0, []
            for text, lang in pairs:
                found, seconds = timed(detect, text)
                right += found == lang
                times.append(seconds * 1000)
            figures[name][set_name] = {
                "n": len(pairs),
                "accuracy": right / len(pairs),
                "median_ms": statistics.median(times),
            }
    return figures


def bench_model_load(models_dir: Path) -> dict:
    times = []
    for _ in range(REPEATS):
        _, seconds = timed(load_classifier, models_dir)
        times.append(seconds)
    return {"median_s": statistics.median(times)}


def bench_single(classifier, dev) -> dict:
    per_lang: dict[str, dict] = {}
    for lang in ("fi", "sv", "en"):
        texts = [c.text for c in dev if c.lang == lang]
        classifier.classify(texts[0])  # warm
        latencies = []
        for _ in range(3):
            for text in texts:
                _, seconds = timed(classifier.classify, text)
                latencies.append(seconds * 1000)
        per_lang[lang] = {
            "n": len(latencies),
            "median_ms": statistics.median(latencies),
            "p95_ms": percentile(latencies, 0.95),
        }
    every = [c.text for c in dev]
    latencies = []
    for _ in range(3):
        for text in every:
            _, seconds = timed(classifier.classify, text)
            latencies.append(seconds * 1000)
    per_lang["all"] = {
        "n": len(latencies),
        "median_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
    }
    return per_lang


def bench_parts(classifier, dev) -> dict:
    """Median cost per comment of each step, measured on the same comments."""
    texts = [c.text for c in dev]
    detect, spacy_fast, model = [], [], []
    for text in texts:
        lang, s = timed(language.detect_language, text)
        detect.append(s * 1000)
        analysis, s = timed(pipelines.analyse, text, lang)
        spacy_fast.append(s * 1000)
        _, s = timed(classifier.predict_analyses, [analysis])
        model.append(s * 1000)
    import spacy

    full_fi = spacy.load(pipelines.FINNISH_MODEL, exclude=["parser", "ner"])
    fi_texts = [c.text for c in dev if c.lang == "fi"]
    full, same, tokens = [], 0, 0
    for text in fi_texts:
        doc, s = timed(full_fi, text)
        full.append(s * 1000)
        fast = pipelines.pipeline("fi")(text)
        for a, b in zip(doc, fast, strict=True):
            tokens += 1
            same += a.lemma_.lower() == b.lemma_.lower()
    fast_fi = [t for t, c in zip(spacy_fast, dev, strict=True) if c.lang == "fi"]
    return {
        "language_detection_ms": statistics.median(detect),
        "spacy_ms": statistics.median(spacy_fast),
        "model_and_explanation_ms": statistics.median(model),
        "fi_lemmatizer_only_ms": statistics.median(fast_fi),
        "fi_full_pipeline_without_parser_ner_ms": statistics.median(full),
        "fi_lemma_agreement": same / tokens,
    }


def bench_full_pipeline_accuracy(comments, split) -> dict:
    """CV macro-F1 of the chosen settings with lemmas from the lemmatizer alone vs the full pipeline."""
    import spacy

    from assistant.classifier.selection import chosen_config
    from assistant.classifier.training import analyse_comments, cross_validate
    from assistant.nlp.pipelines import Analysis, _to_analysis

    train, _ = partition(comments, split)
    fast = analyse_comments(train)
    full_fi = spacy.load(pipelines.FINNISH_MODEL, exclude=["parser", "ner"])
    full: list[Analysis] = []
    for comment, quick in zip(train, fast, strict=True):
        full.append(_to_analysis(full_fi(comment.text), "fi") if comment.lang == "fi" else quick)
    config = chosen_config()
    return {
        "lemmatizer_only": cross_validate(config, train, fast)["macro_f1_mean"],
        "full_pipeline": cross_validate(config, train, full)["macro_f1_mean"],
    }


def bench_batch(classifier, dev) -> dict:
    texts = [c.text for c in dev] * 4
    langs = [c.lang for c in dev] * 4
    rates_detect, rates_given = [], []
    with threadpool_limits(limits=1):
        for _ in range(REPEATS):
            _, s = timed(classifier.classify_many, texts)
            rates_detect.append(len(texts) / s)
            _, s = timed(classifier.classify_many, texts, langs)
            rates_given.append(len(texts) / s)
    return {
        "comments": len(texts),
        "per_core_per_s_with_detection": statistics.median(rates_detect),
        "per_core_per_s_language_given": statistics.median(rates_given),
    }


def bench_quality(classifier, dev) -> dict:
    predictions = classifier.classify_many([c.text for c in dev], explain=False)
    metrics = classification_metrics(
        [c.label for c in dev], [p.label for p in predictions], [p.lang for p in predictions]
    )
    detected_right = sum(p.lang == c.lang for p, c in zip(predictions, dev, strict=True)) / len(dev)
    selection_path = get_settings().models_dir / "selection.json"
    selection = json.loads(selection_path.read_text()) if selection_path.exists() else {}
    return {"dev": metrics, "language_detection_accuracy": detected_right, "selection": selection}


def _startup_lines(r: dict) -> list[str]:
    startup, memory = r["startup"], r["memory"]
    ok = startup["rss_mb"] < RSS_TARGET_MB
    lines = [
        "## Start-up and memory (one `assistant serve` process)",
        "",
        f"- Process start to first answered `/healthz`: **{startup['s']:.1f} s** wall, "
        f"{startup['cpu_s']:.1f} CPU seconds (median of {len(startup['runs'])} starts; "
        f"target < {STARTUP_TARGET_S:.0f} s). Wall clock of each start: "
        + ", ".join(f"{run['s']:.1f} s" for run in startup["runs"])
        + ".",
        f"- Resident memory once it answers: **{startup['rss_mb']:.0f} MB** "
        f"(target < {RSS_TARGET_MB:.0f} MB per process: {'met' if ok else 'missed'}). "
        "`bench/HTTP.md` has the figures of `--workers 2` (parent and both workers).",
        "",
        "What each step of a worker's warm-up adds (a fresh interpreter, the lifespan's order):",
        "",
        "| step | MB added | resident MB | seconds | before the changes |",
        "|---|---|---|---|---|",
    ]
    for part in memory:
        before = MEMORY_STEPS_BEFORE.get(part["step"])
        was = f"+{before[0]} MB, {before[1]:.2f} s" if before else ""
        lines.append(
            f"| {part['step']} | {part['added_mb']:+.0f} | {part['rss_mb']:.0f} "
            f"| {part['s']:.2f} | {was} |"
        )
    lines += [
        "",
        "Before and after each change (one process; CPU seconds to the first answer):",
        "",
        "| change | resident MB | CPU s | wall s |",
        "|---|---|---|---|",
    ]
    for change, rss, cpu, wall in MEMORY_HISTORY:
        lines.append(f"| {change} | {rss} | {cpu:.1f} | {'' if wall is None else wall} |")
    lines += [
        f"| this run | {startup['rss_mb']:.0f} | {startup['cpu_s']:.1f} | {startup['s']:.1f} |",
        "",
        "What remains is mostly imports (about 235 MB and 3 CPU seconds: scikit-learn and SciPy, "
        "spaCy, FastAPI and pydantic, openpyxl, alembic), outside `assistant/nlp`.",
        "",
        "## Language detection",
        "",
        "The service: function words decide texts of at most "
        f"{language.SHORT_TEXT_WORDS} words when one language leads, lingua's low-accuracy mode "
        "(trigrams) the rest. Before: lingua's high-accuracy mode (about 90 MB more per process, "
        "two seconds more to start).",
        "",
        "| texts | n | service | lingua high accuracy | service ms | high accuracy ms |",
        "|---|---|---|---|---|---|",
    ]
    service, high = (
        r["language_detection"]["service"],
        r["language_detection"]["lingua high accuracy"],
    )
    for name, v in service.items():
        lines.append(
            f"| {name} | {v['n']} | {v['accuracy']:.2%} | {high[name]['accuracy']:.2%} "
            f"| {v['median_ms']:.3f} | {high[name]['median_ms']:.3f} |"
        )
    return [*lines, ""]


def write_results(results: dict, path: Path) -> None:
    r = results
    single, parts, batch, quality = r["single"], r["parts"], r["batch"], r["quality"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {r['date']} on {r['machine']} ({r['cores']} cores), Python {r['python']}, model {r['model_version']}.",
        "Every figure is a median unless it says p95; all figures come from the same run.",
        f"Load average at the start: {r['load_average'][0]:.1f} (the machine is shared; "
        "wall-clock figures suffer from it more than CPU seconds).",
        "",
        *_startup_lines(r),
        "## Classification, one comment at a time",
        "",
        "Language detection + spaCy + model + explanation, as `POST /api/v1/classify` does it.",
        "",
        "| language | calls | median ms | p95 ms | target |",
        "|---|---|---|---|---|",
    ]
    for lang, v in single.items():
        lines.append(
            f"| {lang} | {v['n']} | {v['median_ms']:.2f} | {v['p95_ms']:.2f} | ≤ 10 ms median |"
        )
    lines += [
        "",
        "## Where the time goes (per comment)",
        "",
        "| step | median ms | share |",
        "|---|---|---|",
    ]
    total = parts["language_detection_ms"] + parts["spacy_ms"] + parts["model_and_explanation_ms"]
    for key, label in [
        ("language_detection_ms", "language detection (function words, lingua low accuracy)"),
        ("spacy_ms", "spaCy (Voikko lemmatizer for fi; lookup lemmas for sv/en)"),
        ("model_and_explanation_ms", "features, logistic regression, explanation"),
    ]:
        lines.append(f"| {label} | {parts[key]:.2f} | {parts[key] / total:.0%} |")
    ratio = parts["fi_full_pipeline_without_parser_ner_ms"] / parts["fi_lemmatizer_only_ms"]
    lines += [
        "",
        f"Finnish spaCy: the lemmatizer alone takes {parts['fi_lemmatizer_only_ms']:.2f} ms per comment; "
        f"with tok2vec, tagger and morphologizer (parser and NER already off) it takes "
        f"{parts['fi_full_pipeline_without_parser_ner_ms']:.2f} ms, **{ratio:.1f}×** as long. "
        f"The two agree on {parts['fi_lemma_agreement']:.1%} of the lemmas of the Finnish dev comments. "
        f"Trained on each, the chosen settings reach CV macro-F1 {r['lemma_source']['lemmatizer_only']:.3f} "
        f"(lemmatizer alone) and {r['lemma_source']['full_pipeline']:.3f} (full pipeline), "
        "a difference well inside the CV spread, so the service runs the lemmatizer alone.",
        "",
        "## Batches (one core)",
        "",
        f"- {batch['comments']} comments through `classify_many` with BLAS limited to one thread:",
        f"  **{batch['per_core_per_s_with_detection']:.0f} comments/s per core** with language detection, "
        f"{batch['per_core_per_s_language_given']:.0f}/s when the language is given. Target ≥ 300/s.",
        f"- Model load (verify SHA-256, unpickle): {r['load']['median_s'] * 1000:.0f} ms.",
        "",
        "## Quality (development split)",
        "",
        f"- macro-F1 {quality['dev']['macro_f1']:.3f}, accuracy {quality['dev']['accuracy']:.3f}, "
        f"language detection right for {quality['language_detection_accuracy']:.1%} of the comments.",
    ]
    for lang, v in quality["dev"]["per_lang"].items():
        lines.append(f"- {lang}: macro-F1 {v['macro_f1']:.3f} (n={v['n']})")
    if quality["selection"]:
        lines += [
            "",
            "## What each part adds to accuracy (5-fold CV on the training split, `assistant select`)",
            "",
            "| candidate | CV macro-F1 | ± | seconds |",
            "|---|---|---|---|",
        ]
        for name, v in quality["selection"]["candidates"].items():
            lines.append(
                f"| {name} | {v['macro_f1_mean']:.3f} | {v['macro_f1_std']:.3f} | {v['seconds']} |"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--startup-only",
        action="store_true",
        help="measure start-up and memory only; print them as JSON, write nothing",
    )
    if parser.parse_args().startup_only:
        print(json.dumps({"startup": bench_startup(), "memory": bench_memory_parts()}, indent=1))
        return
    settings = get_settings()
    comments = load_comments(settings.corpora_dir)
    _, dev = partition(comments, load_split(settings.corpora_dir))
    startup = bench_startup()  # first, in processes of their own, before this one loads anything
    memory = bench_memory_parts()
    language.warm_up()
    pipelines.warm_up()
    classifier = load_classifier(settings.models_dir)
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "model_version": current_version(settings.models_dir),
        "load_average": os.getloadavg(),
        "startup": startup,
        "memory": memory,
        "language_detection": bench_language_detection(comments),
        "load": bench_model_load(settings.models_dir),
        "single": bench_single(classifier, dev),
        "parts": bench_parts(classifier, dev),
        "batch": bench_batch(classifier, dev),
        "quality": bench_quality(classifier, dev),
        "lemma_source": bench_full_pipeline_accuracy(comments, load_split(settings.corpora_dir)),
    }
    out = ROOT / "bench" / "RESULTS.md"
    write_results(results, out)
    print(out.read_text())


if __name__ == "__main__":
    main()
