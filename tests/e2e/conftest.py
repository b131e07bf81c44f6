"""Starts the real worker (`python -m worker --rp_serve_api`) once per test session.

Real vLLM on CPU with the default SmolLM2 model behind RunPod's own local API server: the tests
send real HTTP runsync requests, exactly as a backend would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..conftest import free_port

STARTUP_S = 420


@pytest.fixture(scope="session")
def worker_api(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "MODEL_PRESET": "smollm2-135m",
        "MAX_MODEL_LEN": "4096",
        "ENGINE_PORT": str(free_port()),
        "CPU_KVCACHE_SPACE_GIB": "1",
        "MAX_CONCURRENCY": "64",
        "JOB_TIMEOUT_S": "120",
    }
    cmd = [
        sys.executable,
        "-m",
        "worker",
        "--rp_serve_api",
        "--rp_api_host",
        "127.0.0.1",
        "--rp_api_port",
        str(port),
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base, proc, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_until_serving(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"worker exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"worker not serving after {STARTUP_S} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def worker_log(worker_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return next(tmp_path_factory.getbasetemp().glob("worker*/worker.log"))
