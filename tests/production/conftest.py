"""`python -m worker` in production mode (RunPod's job loop) against the job-queue host.

Real vLLM on CPU with SmolLM2; the runpod SDK at its default log level (the worker sets it). One
worker per test module that declares `WORKER_OVERRIDES` (its environment beyond `WORKER_ENV`), each
with its own job-queue host: each module ends its worker (a killed engine, a SIGTERM). Starts are
not overlapped: two vLLM CPU engines starting at once on 2 cores starved each other for 10 minutes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
import pytest

from evals.prometheus import metric_total

from ..conftest import free_port
from .host import JobQueueHost, running_host

WORKER_ENV = {
    "MODEL_PRESET": "smollm2-135m",
    "MAX_MODEL_LEN": "4096",
    "CPU_KVCACHE_SPACE_GIB": "1",
    "JOB_TIMEOUT_S": "120",
    "ENGINE_START_TIMEOUT_S": "540",  # a loaded machine took 300 s
}
COUNTING = "Count from 1 to 5000, separated by commas: 1, 2, 3, 4,"
"""A prompt SmolLM2 continues for thousands of tokens at temperature 0: a job that runs long."""


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log_path: Path
    engine_port: int

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def job_lines(self) -> dict[str, dict[str, Any]]:
        """The worker's job log lines by job id (each line one JSON object)."""
        lines: dict[str, dict[str, Any]] = {}
        for line in self.output().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if record.get("message") == "job":
                        lines[str(record.get("id"))] = record
        return lines

    def wait_job_line(self, job_id: str, timeout_s: float = 10) -> dict[str, Any]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if job_id in (lines := self.job_lines()):
                return lines[job_id]
            time.sleep(0.2)
        raise AssertionError(f"no job line for {job_id}:\n{self.output()[-3000:]}")

    def descendants(self) -> list[psutil.Process]:
        children: list[psutil.Process] = psutil.Process(self.proc.pid).children(recursive=True)
        return children

    def engine_process(self) -> psutil.Process:
        """The vLLM API server the worker started (its direct child)."""
        for child in psutil.Process(self.proc.pid).children():
            if any("vllm" in part for part in child.cmdline()):
                return child
        raise AssertionError("the worker has no vLLM child")

    def running_requests(self) -> float:
        """vLLM's own count of requests being generated (Prometheus `/metrics`)."""
        text = httpx.get(f"http://127.0.0.1:{self.engine_port}/metrics", timeout=5).text
        return metric_total(text, "vllm:num_requests_running") or 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_worker(host: JobQueueHost, workdir: Path, **overrides: str) -> Worker:
    """Start the worker and return once its job loop has asked the host for work."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("RUNPOD_", "LOG_", "ENGINE_", "MAX_"))}
    port = free_port()
    env = {**inherited, **WORKER_ENV, **host.worker_environment(), "ENGINE_PORT": str(port), **overrides}
    log_path = workdir / "worker.log"
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = Worker(proc, log_path, port)
    end = time.monotonic() + 600
    while not host.record.takes:
        if proc.poll() is not None or time.monotonic() > end:
            worker.stop()
            pytest.fail(f"the worker did not start taking jobs (exit {proc.returncode}):\n{worker.output()[-4000:]}")
        time.sleep(0.5)
    return worker


def eventually(check: Callable[[], bool], timeout_s: float) -> bool:
    """Whether `check()` holds within `timeout_s` (polled every 0.1 s)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


def assert_stop_aborts_in_vllm(worker: Worker, host: JobQueueHost, job_id: str) -> None:
    """RunPod's stop channel ends the running job: vLLM stops generating it within seconds
    (`vllm:num_requests_running` → 0) and the job is logged `cancelled`."""
    host.stop(job_id)
    stopped = time.monotonic()
    assert eventually(lambda: worker.running_requests() == 0, 10), "vLLM still generates the stopped job"
    assert time.monotonic() - stopped < 5
    line = worker.wait_job_line(job_id)
    assert (line["outcome"], line["code"]) == ("cancelled", "cancelled")


def survivors(processes: list[psutil.Process]) -> list[str]:
    """Those of `processes` still running (zombies count as gone)."""
    alive = []
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
    return alive


@pytest.fixture(scope="module")
def host() -> Iterator[JobQueueHost]:
    with running_host() as queue_host:
        yield queue_host


@pytest.fixture(scope="module")
def worker(
    request: pytest.FixtureRequest, smollm2_dir: Path, host: JobQueueHost, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """This module's worker (with its `WORKER_OVERRIDES`), taking jobs from `host`; stopped at the
    module's end if its tests left it running."""
    started = start_worker(host, tmp_path_factory.mktemp("production-worker"), **request.module.WORKER_OVERRIDES)
    try:
        yield started
    finally:
        started.stop()
