"""HTTP under load: Vuoropuhe's endpoints beside a bare FastAPI endpoint, on SQLite and PostgreSQL.

Servers run as separate processes (`assistant serve --workers 2`, and uvicorn for the bare app with
the same worker count). This process drives them over loopback for a bounded duration per cell at
1, 8 and 32 concurrent clients (keep-alive connections), with `wrk` (C, one event-loop thread: a
small Lua script gives every POST its own body and prints the figures as JSON) when it is
installed, otherwise with an asyncio httpx client (which saturates near 32 clients on two cores,
so its 32-client figures understate the servers). At each concurrency the bare endpoint is
measured before and after the five endpoints, and ratios use the mean of the two, so that a busy
neighbour on a shared machine shifts both sides of a ratio alike. Writes bench/HTTP.md.

    .venv/bin/python bench/http_load.py [--duration 8] [--generator wrk|httpx]
        [--backends sqlite,postgresql] [--clients 1,8,32]
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
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

WORKERS = 2
BIN = Path(sys.executable).parent
TARGET_RATIO, TARGET_P99_MS, TARGET_STARTUP_S, TARGET_RSS_MB = 0.10, 150.0, 6.0, 600.0
COMMENTS = [
    "Kotihoidossa on liian vähän hoitajia ja iltakäynnit jäävät lyhyiksi.",
    "Oman tuotannon tuntihinta pitää julkaista, jotta vertailu ostopalveluihin on reilu.",
    "Föreningarna har svårt att delta när upphandlingarna är så stora.",
    "Pilot remote home-care visits and measure what they achieve for clients.",
]
UNIQUE = "{unique}"  # replaced in every request body by a value no other request of the run has


@dataclass(frozen=True)
class Scenario:
    label: str
    method: str
    url: str
    bodies: tuple[dict, ...] = ()  # cycled through; string values may contain UNIQUE

    @property
    def is_bare(self) -> bool:
        return self.label.startswith("bare")


def feedback_bodies() -> tuple[dict, ...]:
    return tuple(
        {"text": f"{comment} ({UNIQUE})", "stakeholder": "resident"} for comment in COMMENTS
    )


def registration_bodies() -> tuple[dict, ...]:
    return (
        {
            "organisation_name": f"Kuormitus {UNIQUE} Oy",
            "organisation_type": "other",
            "organisation_size": "micro",
            "contact_name": "Testi Henkilö",
            "email": "testi@example.fi",
            "phone": "040 123 4567",
            "attendees": 1,
            "topics": "",
            "consent": True,
        },
    )


# --- processes ------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (from /proc)."""
    pids, queue = [], [pid]
    while queue:
        p = queue.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            children = task / "children"
            if children.exists():
                queue += [int(c) for c in children.read_text().split()]
    return pids


def _proc_figures(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds) of one process; zeros when it is gone."""
    try:
        rss = next(
            int(line.split()[1]) / 1024
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (FileNotFoundError, StopIteration, ProcessLookupError):
        return 0.0, 0.0
    return rss, cpu


def tree_figures(pid: int) -> dict:
    """Resident memory of a process tree (total and per process) and the CPU seconds it used."""
    per = {p: _proc_figures(p) for p in process_tree(pid)}
    return {
        "rss_mb": sum(rss for rss, _ in per.values()),
        "rss_per_process_mb": [round(rss) for rss, _ in per.values()],
        "cpu_s": sum(cpu for _, cpu in per.values()),
    }


def start(command: list[str], env: dict[str, str], health: str) -> tuple[subprocess.Popen, dict]:
    """Start a server; returns it and its start-up: seconds until `health` first answered 200, and
    until the process had its first child (for `--workers N`: the supervisor's own share)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    method = "GET" if health.endswith("healthz") else "POST"
    first_child = None
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited during start-up")
        if first_child is None and len(process_tree(process.pid)) > 1:
            first_child = time.perf_counter() - started
        try:
            if httpx.request(method, health, timeout=1).status_code == 200:
                return process, {
                    "s": time.perf_counter() - started,
                    "first_child_s": first_child,
                }
        except httpx.HTTPError:
            time.sleep(0.02)
        if time.perf_counter() - started > 180:
            process.kill()
            raise RuntimeError(f"{command} did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- load generators ------------------------------------------------------------------------

WRK_SCRIPT = r"""
local method = [==[%(method)s]==]
local path = [==[%(path)s]==]
local bodies = { %(bodies)s }
local tag = [==[%(tag)s]==]
local headers = { ["Content-Type"] = "application/json" }
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  if #bodies == 0 then
    return wrk.format(method, path)
  end
  local unique = tag .. "-" .. id .. "-" .. counter
  local body = bodies[(counter - 1) %% #bodies + 1]:gsub("{unique}", unique)
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, '
    .. '"status": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua_string(value: str) -> str:
    if "]==]" in value:
        raise ValueError("body cannot be quoted for Lua")
    return f"[==[{value}]==]"


def run_wrk(scenario: Scenario, clients: int, duration: float) -> dict:
    """One cell with wrk: one thread, `clients` keep-alive connections, `duration` seconds."""
    url = httpx.URL(scenario.url)
    script = WRK_SCRIPT % {
        "method": scenario.method,
        "path": url.raw_path.decode(),
        "bodies": ", ".join(
            _lua_string(json.dumps(body, ensure_ascii=False)) for body in scenario.bodies
        ),
        "tag": uuid.uuid4().hex[:8],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            [
                "wrk",
                "--threads",
                "1",
                "--connections",
                str(clients),
                "--duration",
                f"{duration:g}s",
                "--timeout",
                "30s",
                "--script",
                handle.name,
                str(url.copy_with(path="/")),
            ],
            capture_output=True,
            text=True,
            timeout=duration + 120,
            check=True,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    found = re.search(r"^WRKJSON (.*)$", completed.stdout, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no figures: {completed.stdout}\n{completed.stderr}")
    w = json.loads(found.group(1))
    seconds = w["duration_us"] / 1e6
    return {
        "requests": w["requests"],
        "rps": w["requests"] / seconds,
        "median_ms": w["p50_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "errors": w["status"] + w["connect"] + w["read"] + w["write"] + w["timeout"],
        "error_detail": {k: w[k] for k in ("status", "connect", "read", "write", "timeout")},
    }


async def _httpx_cell(scenario: Scenario, clients: int, duration: float) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = 0
    tag = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        deadline = time.perf_counter() + duration

        async def one_client() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                counter += 1
                body = None
                if scenario.bodies:
                    template = json.dumps(scenario.bodies[counter % len(scenario.bodies)])
                    body = json.loads(template.replace(UNIQUE, f"{tag}-{counter}"))
                began = time.perf_counter()
                try:
                    response = await client.request(scenario.method, scenario.url, json=body)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - began) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "median_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "errors": errors,
    }


def run_httpx(scenario: Scenario, clients: int, duration: float) -> dict:
    return asyncio.run(_httpx_cell(scenario, clients, duration))


# --- one backend ----------------------------------------------------------------------------


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
                capacity=10000,  # the most EventCreate allows; a run makes fewer registrations
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


def run_backend(name: str, url: str, args: argparse.Namespace) -> dict:
    upgrade(url)
    event_id = make_event(url)
    env = {
        **os.environ,
        "ASSISTANT_DATABASE_URL": url,
        "ASSISTANT_PUBLIC_POST_RATE": "100000000/minute",
    }
    port, bare_port = free_port(), free_port()
    app, startup = start(
        [str(BIN / "assistant"), "serve", "--port", str(port), "--workers", str(WORKERS)],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    after_start = tree_figures(app.pid)
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
    bare_scenario = Scenario(
        "bare FastAPI POST /noop", "POST", f"http://127.0.0.1:{bare_port}/noop"
    )
    scenarios = [
        Scenario("POST /api/v1/feedback", "POST", f"{base}/api/v1/feedback", feedback_bodies()),
        Scenario(
            "POST /api/v1/classify",
            "POST",
            f"{base}/api/v1/classify",
            tuple({"text": comment} for comment in COMMENTS),
        ),
        Scenario("GET /feedback (chat page)", "GET", f"{base}/feedback"),
        Scenario("GET /events", "GET", f"{base}/events"),
        Scenario(
            "POST registration",
            "POST",
            f"{base}/api/v1/events/{event_id}/registrations",
            registration_bodies(),
        ),
    ]
    cell = run_wrk if args.generator == "wrk" else run_httpx
    result = {
        "startup_s": startup["s"],
        "supervisor_s": startup["first_child_s"],
        "startup_cpu_s": after_start["cpu_s"],
        "after_start": after_start,
        "rows": [],
    }
    try:
        for clients in args.clients:
            rows = []
            before = cell(bare_scenario, clients, args.duration)
            for scenario in scenarios:
                rows.append({"endpoint": scenario.label, **cell(scenario, clients, args.duration)})
                print(name, clients, rows[-1], flush=True)
            after = cell(bare_scenario, clients, args.duration)
            bare_row = {
                "endpoint": bare_scenario.label,
                "requests": before["requests"] + after["requests"],
                "rps": (before["rps"] + after["rps"]) / 2,
                "median_ms": (before["median_ms"] + after["median_ms"]) / 2,
                "p99_ms": max(before["p99_ms"], after["p99_ms"]),
                "errors": before["errors"] + after["errors"],
                "bare_rps_before_after": (before["rps"], after["rps"]),
            }
            print(name, clients, bare_row, flush=True)
            for row in [bare_row, *rows]:
                result["rows"].append(
                    {**row, "clients": clients, "ratio": row["rps"] / bare_row["rps"]}
                )
        result["after_load"] = tree_figures(app.pid)
    finally:
        stop(app)
        stop(bare)
    if args.profile and args.generator == "wrk" and PY_SPY.exists():
        result["profile"] = profile_feedback(env, scenarios[0], args)
    return result


# --- where the time of a feedback POST goes ---------------------------------------------------

PY_SPY = BIN / "py-spy"
PROFILE_CLIENTS = 8
# A sampled stack counts for the first of these whose pattern a frame matches, from the innermost
# frame outwards (so the model's SciPy calls count as the model, not as "other").
CATEGORIES = [
    ("language detection", ("detect_language", "function_word_vote", "lingua")),
    ("spaCy and Voikko (lemmas)", ("assistant/nlp/pipelines.py", "spacy", "libvoikko")),
    (
        "model (features, logistic regression, explanation)",
        ("predict_analyses", "sklearn", "scipy", "assistant/classifier/model.py"),
    ),
    ("database (SQL, commit, fsync)", ("sqlalchemy", "sqlite3", "psycopg", "sqlmodel")),
    (
        "framework (uvicorn, Starlette, FastAPI, pydantic, thread pool)",
        ("uvicorn", "starlette", "fastapi", "pydantic", "anyio", "h11", "httptools"),
    ),
    ("event loop", ("asyncio",)),
]


def _category(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        for name, patterns in CATEGORIES:
            if any(pattern in frame for pattern in patterns):
                return name
    return "other (logging, threading, the app's own code)"


def profile_feedback(env: dict[str, str], scenario: Scenario, args: argparse.Namespace) -> dict:
    """Sample one worker with py-spy while wrk sends feedback POSTs at PROFILE_CLIENTS clients:
    the share of sampled thread time per part of the request."""
    port = free_port()
    app, _ = start(
        [str(BIN / "assistant"), "serve", "--port", str(port), "--workers", "1"],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    target = Scenario(
        scenario.label, "POST", f"http://127.0.0.1:{port}/api/v1/feedback", scenario.bodies
    )
    raw = Path(tempfile.mkstemp(suffix=".txt")[1])
    try:
        run_wrk(target, PROFILE_CLIENTS, 2)  # warm
        cpu_before = tree_figures(app.pid)["cpu_s"]
        spy = subprocess.Popen(
            [
                str(PY_SPY),
                "record",
                "--pid",
                str(app.pid),
                "--duration",
                f"{args.duration:g}",
                "--rate",
                "100",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        figures = run_wrk(target, PROFILE_CLIENTS, args.duration)
        spy.wait(timeout=args.duration + 60)
        cpu = tree_figures(app.pid)["cpu_s"] - cpu_before
        samples: dict[str, int] = {}
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack:
                name = _category(stack)
                samples[name] = samples.get(name, 0) + int(count)
    finally:
        raw.unlink(missing_ok=True)
        stop(app)
    total = sum(samples.values()) or 1
    return {
        **figures,
        "clients": PROFILE_CLIENTS,
        "cpu_ms_per_request": 1000 * cpu / max(figures["requests"], 1),
        "shares": {
            name: count / total for name, count in sorted(samples.items(), key=lambda kv: -kv[1])
        },
    }


# --- report ---------------------------------------------------------------------------------


def _verdicts(results: dict) -> list[str]:
    lines = []
    for name, r in results.items():
        feedback = next(
            (
                row
                for row in r["rows"]
                if row["endpoint"] == "POST /api/v1/feedback" and row["clients"] == 32
            ),
            None,
        )
        if feedback is not None:
            met = (
                feedback["ratio"] >= TARGET_RATIO
                and feedback["p99_ms"] < TARGET_P99_MS
                and feedback["errors"] == 0
            )
            lines.append(
                f"- {name}, `POST /api/v1/feedback` at 32 clients: {feedback['rps']:.0f} req/s, "
                f"{feedback['ratio']:.1%} of bare (target ≥ {TARGET_RATIO:.0%}), p99 "
                f"{feedback['p99_ms']:.0f} ms (target < {TARGET_P99_MS:.0f} ms), "
                f"{feedback['errors']} errors: **{'met' if met else 'missed'}**."
            )
            bare = next(
                row["rps"]
                for row in r["rows"]
                if row["clients"] == 32 and row["endpoint"].startswith("bare")
            )
            note = (
                f"  The bare endpoint answers {bare:,.0f} req/s here, so the ratio target asks for "
                f"{TARGET_RATIO * bare:,.0f} feedback POSTs a second"
            )
            if "profile" in r:
                cpu = r["profile"]["cpu_ms_per_request"]
                note += (
                    f"; at the {cpu:.0f} CPU ms each one costs (profile below), two cores can "
                    f"give at most about {2000 / cpu:.0f}"
                )
            lines.append(note + ".")
        per_worker = max(r["after_start"]["rss_per_process_mb"][1:] or [0])
        supervisor = r.get("supervisor_s")
        lines.append(
            f"- {name}, start-up {r['startup_s']:.1f} s wall (target < {TARGET_STARTUP_S:.0f} s; "
            f"{r['startup_cpu_s']:.1f} CPU seconds for the parent and both workers"
            + (
                f"; the supervisor alone took {supervisor:.1f} s before it started the workers"
                if supervisor is not None
                else ""
            )
            + f"), largest worker {per_worker:.0f} MB resident after start "
            f"(target < {TARGET_RSS_MB:.0f} MB)."
        )
    return lines


def write(results: dict, args: argparse.Namespace, load_avg: tuple[float, ...]) -> str:
    generator = (
        "`wrk` (one thread, keep-alive connections, a Lua script for the POST bodies)"
        if args.generator == "wrk"
        else "one asyncio httpx process (saturates near 32 clients on two cores)"
    )
    lines = [
        "# HTTP under load",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores (load average "
        f"{load_avg[0]:.1f} at the start: the machine is shared), `assistant serve --workers "
        f"{WORKERS}` and the bare app with the same worker count, driven over loopback by "
        f"{generator}, {args.duration:g} s per cell. Every POST has its own body (feedback and "
        "registrations are unique). Median and p99 latency per request; ratio = requests per "
        "second relative to the bare endpoint at the same concurrency, measured before and after "
        "the five endpoints in the same run (mean of the two). Errors are non-2xx/3xx answers, "
        "socket errors and time-outs (30 s). Regenerate with `.venv/bin/python bench/http_load.py`.",
        "",
        "## Against the targets",
        "",
        *_verdicts(results),
        "",
    ]
    for name, r in results.items():
        a, b = r["after_start"], r.get("after_load", r["after_start"])
        lines += [
            f"## {name}",
            "",
            f"Start-up to first answered request: {r['startup_s']:.1f} s "
            f"({r['startup_cpu_s']:.1f} CPU s). Resident memory (parent and workers): "
            f"{a['rss_mb']:.0f} MB after start ({' + '.join(map(str, a['rss_per_process_mb']))}), "
            f"{b['rss_mb']:.0f} MB after the load "
            f"({' + '.join(map(str, b['rss_per_process_mb']))}).",
            "",
            "| endpoint | clients | requests | req/s | ratio to bare | median ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in r["rows"]:
            lines.append(
                f"| {row['endpoint']} | {row['clients']} | {row['requests']} | {row['rps']:.0f} "
                f"| {row['ratio']:.1%} | {row['median_ms']:.1f} | {row['p99_ms']:.1f} "
                f"| {row['errors']} |"
            )
        lines.append("")
        if "profile" in r:
            lines += _profile_lines(r["profile"])
    return "\n".join(lines)


def _profile_lines(p: dict) -> list[str]:
    lines = [
        f"Where the time of `POST /api/v1/feedback` goes: one worker sampled with py-spy (100 Hz, "
        f"every thread) while wrk sent feedback at {p['clients']} clients: {p['rps']:.0f} req/s, "
        f"median {p['median_ms']:.0f} ms, p99 {p['p99_ms']:.0f} ms, "
        f"{p['cpu_ms_per_request']:.1f} CPU ms per request. Share of the sampled thread time "
        "(waits included: the commit's fsync, the thread pool's hand-over):",
        "",
        "| part | share |",
        "|---|---|",
    ]
    for name, share in p["shares"].items():
        lines.append(f"| {name} | {share:.0%} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per cell")
    parser.add_argument(
        "--generator",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator (default: wrk when installed)",
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "HTTP.md")
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profile of the feedback POST (done when py-spy is in the venv)",
    )
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    backends = args.backends.split(",")
    load_avg = os.getloadavg()
    results = {}
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    if "sqlite" in backends:
        sqlite = folder / f"http-{uuid.uuid4().hex[:6]}.sqlite3"
        try:
            results["SQLite"] = run_backend("SQLite", f"sqlite:///{sqlite}", args)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    if "postgresql" in backends:
        admin = os.environ.get(
            "ASSISTANT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"vuoropuhe_bench_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            database = admin.rsplit("/", 1)[0] + f"/{name}"
            results["PostgreSQL"] = run_backend("PostgreSQL", database, args)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    report = write(results, args, load_avg)
    args.output.write_text(report + "\n", encoding="utf-8")
    (folder / "http.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
