"""Starts the real worker (`python -m worker --rp_serve_api`) for the e2e tests.

Real vLLM on CPU with the default SmolLM2 model behind RunPod's own local API server: the tests
send real HTTP runsync requests, exactly as a backend would. Two workers: `worker_api` (the plain
handler, shared by the session) and `streaming_worker` (STREAMING=true, the generator handler, for
test_openai_e2e.py). They are started one after the other: two vLLM CPU engines starting at once
on 2 cores starved each other for 10 minutes.
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
            proc = start_local_worker(port, env, log=log, timeout_s=600)
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


@pytest.fixture(scope="module")
def streaming_worker(smollm2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("streaming-worker") / "worker.log"
    with local_worker({**WORKER_ENV, "STREAMING": "true"}, log_path) as url:
        yield url
