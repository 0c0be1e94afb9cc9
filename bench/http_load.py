"""HTTP under load: Vuoropuhe's endpoints beside a bare FastAPI endpoint, on SQLite and PostgreSQL.

Servers run as separate processes (`assistant serve --workers 2`, and uvicorn for the bare app);
this process drives them over loopback with an asyncio httpx client, bounded request counts, at 1, 8
and 32 concurrent clients. Writes bench/HTTP.md and prints it.
"""

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db import build_engine  # noqa: E402
from assistant.dialogues import service  # noqa: E402
from assistant.dialogues.models import EventCreate  # noqa: E402
from assistant.migrate import upgrade  # noqa: E402
from tests.live import free_port  # noqa: E402

CONCURRENCY = (1, 8, 32)
REQUESTS = {1: 100, 8: 300, 32: 600}
WORKERS = 2
BIN = Path(sys.executable).parent
COMMENTS = [
    "Kotihoidossa on liian vähän hoitajia ja iltakäynnit jäävät lyhyiksi.",
    "Oman tuotannon tuntihinta pitää julkaista, jotta vertailu ostopalveluihin on reilu.",
    "Föreningarna har svårt att delta när upphandlingarna är så stora.",
    "Pilot remote home-care visits and measure what they achieve for clients.",
]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def start(command: list[str], env: dict[str, str], health: str) -> tuple[subprocess.Popen, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while True:
        try:
            if (
                httpx.request(
                    "GET" if health.endswith("healthz") else "POST", health, timeout=1
                ).status_code
                == 200
            ):
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.05)
        if time.perf_counter() - started > 120:
            process.kill()
            raise RuntimeError(f"{command} did not start")


async def load(method: str, url: str, bodies, concurrency: int, total: int) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def one_client() -> None:
            nonlocal errors
            for i in counter:
                body = bodies(i) if bodies else None
                began = time.perf_counter()
                try:
                    response = await client.request(method, url, json=body)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - began) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "rps": total / elapsed,
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "errors": errors,
    }


def make_event(url: str) -> int:
    now = datetime.now(UTC)
    engine = build_engine(url, begin_immediate=False)
    with Session(engine) as session:
        areas = service.service_areas(ROOT / "config" / "service_areas.json")
        event, _ = service.create_event(
            session=session,
            data=EventCreate(
                title_fi="Kuormitustesti",
                title_sv="Belastningstest",
                kind="market_dialogue",
                service_area="support",
                starts_at=now + timedelta(days=5),
                ends_at=now + timedelta(days=5, hours=1),
                capacity=10000,
                max_per_organisation=5,
                registration_opens_at=now - timedelta(hours=1),
                registration_closes_at=now + timedelta(days=4),
            ),
            areas=areas,
        )
        service.publish_event(session=session, event_id=event.id)
        event_id = event.id
    engine.dispose()
    return event_id


def registration_body(i: int) -> dict:
    return {
        "organisation_name": f"Kuormitus {uuid.uuid4().hex[:8]} Oy",
        "organisation_type": "other",
        "organisation_size": "micro",
        "contact_name": "Testi Henkilö",
        "email": "testi@example.fi",
        "phone": "040 123 4567",
        "attendees": 1,
        "topics": "",
        "consent": True,
    }


def run_backend(name: str, url: str) -> dict:
    upgrade(url)
    event_id = make_event(url)
    env = {
        **os.environ,
        "ASSISTANT_DATABASE_URL": url,
        "ASSISTANT_PUBLIC_POST_RATE": "1000000/minute",
    }
    port, bare_port = free_port(), free_port()
    app, startup = start(
        [str(BIN / "assistant"), "serve", "--port", str(port), "--workers", str(WORKERS)],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    bare, _ = start(
        [
            str(BIN / "uvicorn"),
            "bench.bare_app:app",
            "--port",
            str(bare_port),
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        {**env, "PYTHONPATH": str(ROOT)},
        f"http://127.0.0.1:{bare_port}/noop",
    )
    base = f"http://127.0.0.1:{port}"
    result = {"startup_s": startup, "rss_after_start_mb": rss_mb(app.pid), "rows": []}
    targets = [
        ("bare FastAPI POST /noop", "POST", f"http://127.0.0.1:{bare_port}/noop", None),
        (
            "POST /api/v1/feedback",
            "POST",
            f"{base}/api/v1/feedback",
            lambda i: {"text": COMMENTS[i % 4] + f" ({i})", "stakeholder": "resident"},
        ),
        (
            "POST /api/v1/classify",
            "POST",
            f"{base}/api/v1/classify",
            lambda i: {"text": COMMENTS[i % 4]},
        ),
        ("GET /feedback (chat page)", "GET", f"{base}/feedback", None),
        ("GET /events", "GET", f"{base}/events", None),
        (
            "POST registration",
            "POST",
            f"{base}/api/v1/events/{event_id}/registrations",
            registration_body,
        ),
    ]
    try:
        for concurrency in CONCURRENCY:
            for label, method, target, bodies in targets:
                figures = asyncio.run(
                    load(method, target, bodies, concurrency, REQUESTS[concurrency])
                )
                result["rows"].append({"endpoint": label, "clients": concurrency, **figures})
                print(
                    name,
                    concurrency,
                    label,
                    {k: round(v, 1) for k, v in figures.items()},
                    flush=True,
                )
        result["rss_after_load_mb"] = rss_mb(app.pid)
    finally:
        app.terminate()
        bare.terminate()
        app.wait(timeout=20)
        bare.wait(timeout=20)
    return result


def write(results: dict) -> str:
    lines = [
        "# HTTP under load",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, `assistant serve --workers {WORKERS}` "
        "and the bare app with the same worker count, driven from one asyncio httpx process on loopback. "
        "Figures are medians / p99 over the bounded request counts; ratio = requests per second "
        "relative to the bare endpoint at the same concurrency in the same run.",
        "",
    ]
    for name, r in results.items():
        lines += [
            f"## {name}",
            "",
            f"Start-up to first answered request: {r['startup_s']:.1f} s. Resident memory (parent and workers): "
            f"{r['rss_after_start_mb']:.0f} MB after start, {r['rss_after_load_mb']:.0f} MB after the load.",
            "",
            "| endpoint | clients | req/s | ratio to bare | median ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        bare = {
            row["clients"]: row["rps"] for row in r["rows"] if row["endpoint"].startswith("bare")
        }
        for row in r["rows"]:
            lines.append(
                f"| {row['endpoint']} | {row['clients']} | {row['rps']:.0f} | {row['rps'] / bare[row['clients']]:.1%} "
                f"| {row['median_ms']:.1f} | {row['p99_ms']:.1f} | {row['errors']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    results = {}
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    sqlite = folder / f"http-{uuid.uuid4().hex[:6]}.sqlite3"
    results["SQLite"] = run_backend("SQLite", f"sqlite:///{sqlite}")
    admin = os.environ.get(
        "ASSISTANT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    name = f"vuoropuhe_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        results["PostgreSQL"] = run_backend("PostgreSQL", admin.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    report = write(results)
    (ROOT / "bench" / "HTTP.md").write_text(report + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
