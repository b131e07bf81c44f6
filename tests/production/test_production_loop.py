"""The worker as RunPod runs it: the SDK's production job loop against a job-queue host, real vLLM.

One worker for the module (MAX_CONCURRENCY=8, SHUTDOWN_GRACE_S=8; `conftest.worker`) serves the
burst, stop-signal and log tests; the SIGTERM test ends it and runs last.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from ..documents import HEADER_BOX, TOTAL_BOX, invoice_document, invoice_words
from .conftest import COUNTING, Worker, assert_stop_aborts_in_vllm, eventually, survivors
from .host import JobQueueHost

pytestmark = pytest.mark.e2e
CONCURRENCY = 8
GRACE_S = 8.0
WORKER_OVERRIDES = {"MAX_CONCURRENCY": str(CONCURRENCY), "SHUTDOWN_GRACE_S": str(GRACE_S)}
BURST = 100
CANARY = "Quillfeather"  # a word no log line may carry
DOCUMENT = invoice_document(
    invoice_words((f"{CANARY}-Ltd", HEADER_BOX, 0.45), (f"{CANARY}99", TOTAL_BOX, 0.41)),
    {"total": "w4", "vendor": "w2"},
)


def test_a_burst_is_answered_exactly_once_within_the_concurrency(worker: Worker, host: JobQueueHost) -> None:
    since = time.monotonic()
    ids = [
        host.enqueue({"prompt": f"Say hello to number {i}.", "max_tokens": 8, "temperature": 0}) for i in range(BURST)
    ]
    assert host.wait_answered(ids, timeout_s=240), f"{host.queued()} still queued\n{worker.output()[-3000:]}"
    counts = host.answer_counts()
    assert {job_id: counts[job_id] for job_id in ids} == dict.fromkeys(ids, 1)
    assert all("output" in r.body and "error" not in r.body for r in host.record.results if r.job_id in ids)
    assert 0 < host.max_in_flight(since) <= CONCURRENCY
    batches = [t for t in host.record.takes if t.at >= since and t.batch and len(t.ids) > 1]
    assert batches and max(t.batch_size for t in batches) == CONCURRENCY
    assert all(r.is_stream == "false" and r.worker == "worker-test" for r in host.record.results)
    assert host.record.pings and all(p["runpod_version"] == ["1.10.0"] for p in host.record.pings)
    assert host.record.bad_requests == []
    lines = worker.job_lines()
    assert all(lines[job_id]["outcome"] == "success" and lines[job_id]["task"] == "generate" for job_id in ids)


def test_a_stop_signal_aborts_the_vllm_request(worker: Worker, host: JobQueueHost) -> None:
    job_id = host.enqueue({"prompt": COUNTING, "max_tokens": 3000, "temperature": 0})
    assert eventually(lambda: worker.running_requests() >= 1, 30), "the long job never reached vLLM"
    assert_stop_aborts_in_vllm(worker, host, job_id)
    assert host.results_for(job_id) == []  # the SDK posts nothing for a stopped job; RunPod ends it


def test_no_document_text_reaches_the_log(worker: Worker, host: JobQueueHost) -> None:
    """Every task, with the canary in words, field values, merge values, prompts and `source`."""
    jobs: list[dict[str, Any]] = [
        {"prompt": f"Repeat after me: {CANARY} {CANARY}.", "system": f"You are {CANARY}.", "max_tokens": 16},
        {"task": "analyze", "document": DOCUMENT, "expected_fields": [{"name": "total", "format": "amount"}]},
        {"task": "locate", "document": DOCUMENT, "fields": [{"name": "total", "value": f"{CANARY}99", "hint": CANARY}]},
        {
            "task": "merge",
            "passes": [
                {"source": f"{CANARY}-ocr", "fields": [{"name": "total", "value": f"{CANARY}99", "confidence": 0.5}]},
                {"source": "crop", "fields": [{"name": "total", "value": f"{CANARY}98", "confidence": 0.6}]},
            ],
        },
        {"task": "analyze", "document": {**DOCUMENT, "pages": [{**DOCUMENT["pages"][0], "width": f"{CANARY}"}]}},
        {"task": "merge", "passes": [{"source": CANARY, "fields": [{"name": CANARY, "value": CANARY}]}]},
    ]
    ids = [host.enqueue(job) for job in jobs]
    assert host.wait_answered(ids, timeout_s=180), worker.output()[-3000:]
    lines = worker.job_lines()
    assert [lines[job_id]["task"] for job_id in ids[:4]] == ["generate", "analyze", "locate", "merge"]
    assert [host.results_for(job_id)[0].error_code for job_id in ids[4:]] == ["invalid_input", "invalid_input"]
    leaked = [line for line in worker.output().splitlines() if CANARY.lower() in line.lower()]
    assert leaked == []


def test_sigterm_finishes_running_jobs_then_stops_the_engine(worker: Worker, host: JobQueueHost) -> None:
    """Short jobs finish; one longer than the grace period is answered `cancelled`; nothing survives."""
    family = worker.descendants()
    assert len(family) >= 2  # vLLM's API server and its engine core (and the SDK's heartbeat)
    short = [host.enqueue({"prompt": f"Name a colour, {i}.", "max_tokens": 24, "temperature": 0}) for i in range(3)]
    long = host.enqueue({"prompt": COUNTING, "max_tokens": 3000, "temperature": 0})
    assert host.wait_for(lambda r: {long, *short} <= {i for t in r.takes for i in t.ids}, 30)
    worker.proc.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    late = host.enqueue({"prompt": "Too late.", "max_tokens": 8})
    assert worker.proc.wait(GRACE_S + 30) == 0, worker.output()[-3000:]
    took = time.monotonic() - signalled
    assert all(host.results_for(job_id)[0].error_code is None for job_id in short)
    assert host.results_for(long)[0].error_code == "cancelled"
    assert worker.job_lines()[long]["outcome"] == "cancelled"
    assert GRACE_S - 1 < took < GRACE_S + 25
    assert late not in {i for t in host.record.takes for i in t.ids}
    assert eventually(lambda: survivors(family) == [], 10), survivors(family)
