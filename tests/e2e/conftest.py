"""Starts the real worker (`python -m worker --rp_serve_api`) once per test session.

Real vLLM on CPU with the default SmolLM2 model behind RunPod's own local API server: the tests
send real HTTP runsync requests, exactly as a backend would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from evals.local_worker import WorkerStartError, start_local_worker, stop_local_worker

from ..conftest import free_port

WORKER_ENV = {
    "MODEL_PRESET": "smollm2-135m",
    "MAX_MODEL_LEN": "4096",
    "CPU_KVCACHE_SPACE_GIB": "1",
    "MAX_CONCURRENCY": "64",
    "JOB_TIMEOUT_S": "120",
}


@pytest.fixture(scope="session")
def worker_log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker") / "worker.log"


@contextmanager
def local_worker(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`python -m worker --rp_serve_api` with `env` (its engine takes a free port), logging to
    `log_path`; yields the local API's base URL and stops the worker and its engine on exit."""
    port = free_port()
    with log_path.open("wb") as log:
        try:
            proc = start_local_worker(port, env, log=log, timeout_s=420)
        except WorkerStartError as exc:
            pytest.fail(str(exc))
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_local_worker(proc)


@pytest.fixture(scope="session")
def worker_api(smollm2_dir: Path, worker_log_path: Path) -> Iterator[str]:
    with local_worker(WORKER_ENV, worker_log_path) as url:
        yield url


@pytest.fixture(scope="session")
def worker_log(worker_api: str, worker_log_path: Path) -> Path:
    return worker_log_path
