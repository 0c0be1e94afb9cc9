"""How the preparers' review list answers with 100,000 comments (not part of the tests).

Builds a scratch SQLite database (and, with --database postgres, a scratch PostgreSQL database)
with N comments whose texts come from the corpus (labels and scores drawn at random: only the
list's queries are measured, not the classifier), then times the list's queries through
`assistant.feedback.review.review_page`: the first page, a page deep in the list (by its keyset
cursor), least confident first, a category filter, a confidence range and a text search. Medians
of repeated runs; results in bench/REVIEW.md.

    .venv/bin/python bench/review.py [--size 100000] [--database sqlite|postgres]
"""

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from assistant.classifier.categories import CATEGORY_KEYS  # noqa: E402
from assistant.classifier.corpus import load_comments  # noqa: E402
from assistant.db import build_engine  # noqa: E402
from assistant.feedback import review  # noqa: E402
from assistant.feedback.models import Comment  # noqa: E402
from assistant.migrate import upgrade  # noqa: E402
from assistant.settings import get_settings  # noqa: E402

REPEATS = 7
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def build(url: str, size: int) -> None:
    """N comments: corpus texts, random labels and scores, spread over a year."""
    upgrade(url)
    corpus = load_comments(get_settings().corpora_dir)
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    engine = build_engine(url)
    rows = []
    for i in range(size):
        source = corpus[i % len(corpus)]
        scores = [rng.random() for _ in CATEGORY_KEYS]
        total = sum(scores)
        scores = {k: round(s / total, 4) for k, s in zip(CATEGORY_KEYS, scores, strict=True)}
        label = max(scores, key=scores.get)
        rows.append(
            {
                "reference": f"VP-{i:06X}"[:9],
                "text": source.text,
                "lang": source.lang,
                "stakeholder": source.stakeholder,
                "source": "api",
                "predicted_label": label,
                "scores": scores,
                "top_score": scores[label],
                "explanation": [],
                "model_version": "bench",
                "final_label": label if rng.random() < 0.1 else None,
                "status": "reviewed" if rng.random() < 0.1 else "new",
                "secondary_labels": [],
                "created_at": start + timedelta(seconds=rng.randrange(365 * 86400)),
                "updated_at": start,
            }
        )
    with engine.begin() as connection:
        for chunk in range(0, size, 5000):
            connection.execute(insert(Comment.__table__), rows[chunk : chunk + 5000])
    engine.dispose()


def median_ms(function) -> float:
    """Median wall time of REPEATS calls, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, only: str = "") -> list[tuple[str, float, int]]:
    """(query, median ms, rows on the page) for each list query (those whose name has `only`)."""
    engine = build_engine(url, begin_immediate=False)
    results = []
    with Session(engine) as session:
        deep = review.review_page(session, review.ReviewFilters(), limit=1, with_counts=False)
        # A cursor half-way down the list, as if the preparer had paged a thousand times.
        middle = session.exec(
            text(
                "SELECT created_at, id FROM comment ORDER BY created_at DESC, id DESC LIMIT 1 "
                "OFFSET :n"
            ),
            params={"n": 50_000 if deep.total > 50_000 else deep.total // 2},
        ).one()
        created = (
            middle[0] if isinstance(middle[0], datetime) else datetime.fromisoformat(middle[0])
        )
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        cursor = f"{created.isoformat()}|{middle[1]}"
        cases = [
            ("first page, newest first", review.ReviewFilters(), None),
            ("page 1,000 (keyset cursor)", review.ReviewFilters(), cursor),
            ("least confident first", review.ReviewFilters(sort="least_confident"), None),
            ("one category", review.ReviewFilters(category="resources"), None),
            (
                "confidence 30–50 %",
                review.ReviewFilters(min_confidence=0.3, max_confidence=0.5),
                None,
            ),
            (
                "stakeholder + language",
                review.ReviewFilters(stakeholder="producer_ngo", lang="fi"),
                None,
            ),
            (
                "date range (one month)",
                review.ReviewFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)),
                None,
            ),
            ("text search “kotihoi” (common)", review.ReviewFilters(q="kotihoi"), None),
            ("text search “kuraattor” (rare)", review.ReviewFilters(q="kuraattor"), None),
            ("search by reference", review.ReviewFilters(q="vp-00abcd"), None),
        ]
        for name, filters, after in cases:
            if only not in name:
                continue
            page = review.review_page(session, filters, after=after)
            results.append(
                (
                    name,
                    median_ms(lambda f=filters, a=after: review.review_page(session, f, after=a)),
                    len(page.items),
                )
            )
            session.rollback()
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    tables = {}
    without_trigrams: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        if args.database in {"sqlite", "both"}:
            url = f"sqlite:///{folder}/review.sqlite3"
            started = time.perf_counter()
            build(url, args.size)
            print(
                f"sqlite: built {args.size} in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            tables["SQLite"] = measure(url)
        if args.database in {"postgres", "both"}:
            name = f"vuoropuhe_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
            try:
                build(url, args.size)
                scratch = create_engine(url)
                with scratch.begin() as connection:
                    connection.execute(text("ANALYZE comment"))
                tables["PostgreSQL"] = measure(url)
                # The same searches on the same data without migration 0006's trigram indexes.
                with scratch.begin() as connection:
                    connection.execute(text("DROP INDEX ix_comment_text_trgm"))
                    connection.execute(text("DROP INDEX ix_comment_organisation_trgm"))
                    connection.execute(text("ANALYZE comment"))
                scratch.dispose()
                without_trigrams = measure(url, only="search")
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    lines = [
        "# The review list with many comments",
        "",
        f"Generated by `bench/review.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}. "
        f"{args.size:,} comments; each figure is the median of {REPEATS} calls of "
        "`review_page` (the page of 50, the total count and the per-category counts).",
        "",
    ]
    for database, rows in tables.items():
        lines += [f"## {database}", "", "| query | median ms | rows |", "|---|---:|---:|"]
        lines += [f"| {name} | {ms:.1f} | {n} |" for name, ms, n in rows]
        lines.append("")
    if without_trigrams:
        with_trigrams = {name: ms for name, ms, _n in tables["PostgreSQL"]}
        lines += [
            "## PostgreSQL text search with and without the trigram indexes",
            "",
            "The same database in the same run, before and after dropping migration 0006's GIN "
            "indexes.",
            "",
            "| query | with (ms) | without (ms) | without ÷ with |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {name} | {with_trigrams[name]:.1f} | {ms:.1f} | {ms / with_trigrams[name]:.1f}× |"
            for name, ms, _n in without_trigrams
        ]
        lines.append("")
    (ROOT / "bench" / "REVIEW.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
