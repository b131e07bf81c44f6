"""The worker with STREAMING=true (the generator handler), as RunPod runs it: the SDK's production
job loop against the job-queue host, real vLLM.

The SDK posts each yielded item to the job-stream URL and the list of them as the result
(`return_aggregate_stream`); the simulator's `/runsync` tests (`tests/e2e`) drive another loop.
"""

from __future__ import annotations

import pytest

from .conftest import COUNTING, Worker, assert_stop_aborts_in_vllm
from .host import JobQueueHost

pytestmark = pytest.mark.e2e
WORKER_OVERRIDES = {"STREAMING": "true", "MAX_CONCURRENCY": "4", "SHUTDOWN_GRACE_S": "4"}


def items_streamed(host: JobQueueHost, job_id: str) -> list[object]:
    return [chunk.body["output"] for chunk in host.record.chunks if chunk.job_id == job_id]


def test_a_streamed_generate_posts_its_deltas_then_the_final_dict_and_their_list(
    worker: Worker, host: JobQueueHost
) -> None:
    job_id = host.enqueue({"prompt": "Name three colours.", "max_tokens": 24, "temperature": 0, "stream": True})
    assert host.wait_answered([job_id], timeout_s=120), worker.output()[-3000:]
    streamed = items_streamed(host, job_id)
    [done] = host.results_for(job_id)
    assert done.body["output"] == streamed  # the result is the list of what was streamed
    *deltas, final = streamed
    assert deltas and all(isinstance(d, dict) and set(d) == {"delta"} for d in deltas)
    assert isinstance(final, dict) and final["status"] == "success"
    assert "".join(d["delta"] for d in deltas if isinstance(d, dict)) == final["text"]
    assert worker.wait_job_line(job_id)["outcome"] == "success"


def test_a_task_job_is_answered_as_a_list_of_one_result(worker: Worker, host: JobQueueHost) -> None:
    passes = [{"source": s, "fields": [{"name": "total", "value": "119.00", "confidence": 0.9}]} for s in "ab"]
    job_id = host.enqueue({"task": "merge", "passes": passes})
    assert host.wait_answered([job_id], timeout_s=60), worker.output()[-3000:]
    [done] = host.results_for(job_id)
    [result] = done.body["output"]
    assert (result["status"], result["task"]) == ("success", "merge")
    assert result["result"]["fields"][0]["value"] == "119.00"


def test_a_stop_signal_aborts_a_streaming_job_in_vllm(worker: Worker, host: JobQueueHost) -> None:
    job_id = host.enqueue({"prompt": COUNTING, "max_tokens": 3000, "temperature": 0, "stream": True})
    assert host.wait_for(lambda record: any(c.job_id == job_id for c in record.chunks), 60), worker.output()[-3000:]
    assert worker.running_requests() >= 1
    assert_stop_aborts_in_vllm(worker, host, job_id)
