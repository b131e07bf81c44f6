"""When vLLM dies under load, the jobs it held fail with `engine_unavailable` and `stopPod`, and the
worker takes no more jobs: it exits (code 1) with its engine processes, instead of failing every
later job."""

from __future__ import annotations

import time

import pytest

from .conftest import COUNTING, Worker, eventually, survivors
from .host import JobQueueHost

pytestmark = pytest.mark.e2e
CONCURRENCY = 3
WORKER_OVERRIDES = {"MAX_CONCURRENCY": str(CONCURRENCY)}


def test_a_killed_engine_fails_its_jobs_once_and_stops_the_worker(worker: Worker, host: JobQueueHost) -> None:
    family = worker.descendants()
    running = [host.enqueue({"prompt": COUNTING, "max_tokens": 3000, "temperature": 0}) for _ in range(CONCURRENCY)]
    assert host.wait_for(lambda r: set(running) <= {i for t in r.takes for i in t.ids}, 30)
    end = time.monotonic() + 30
    while worker.running_requests() < CONCURRENCY and time.monotonic() < end:
        time.sleep(0.2)
    worker.engine_process().kill()  # SIGKILL: no shutdown of its own
    later = [host.enqueue({"prompt": "Still there?", "max_tokens": 8}) for _ in range(5)]
    assert host.wait_answered(running, timeout_s=30), worker.output()[-3000:]
    for job_id in running:
        (result,) = host.results_for(job_id)
        assert (result.error_code, result.stop_pod) == ("engine_unavailable", True)
    assert worker.proc.wait(60) == 1, worker.output()[-3000:]
    taken = {i for t in host.record.takes for i in t.ids}
    assert taken.isdisjoint(later)
    assert host.queued() == len(later)
    assert all(worker.job_lines()[job_id]["code"] == "engine_unavailable" for job_id in running)
    assert eventually(lambda: survivors(family) == [], 10), survivors(family)  # reaped by the OS, not at once
