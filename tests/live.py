"""Start `assistant serve` as a real process (optionally several workers) for end-to-end tests."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(database_url: str, *, workers: int = 1, **env_overrides: str) -> Iterator[str]:
    """Serve on a free loopback port until the block ends; yields the base URL."""
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_PUBLIC_POST_RATE": "100000/minute",
        **env_overrides,
    }
    assistant = str(Path(sys.executable).parent / "assistant")
    process = subprocess.Popen(
        [assistant, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start in time")
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
