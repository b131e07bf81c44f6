"""The production loop with the generator handler (STREAMING=true): the runpod SDK must see a
generator function, get every item, and a job still running when the grace period ends is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from runpod.serverless.modules.rp_handler import is_generator
from runpod.serverless.modules.rp_job import run_job_generator

from worker.streaming_loop import StreamingWorkerLoop


async def two_items_then_forever(job: dict[str, Any]) -> AsyncIterator[Any]:
    yield {"delta": "a"}
    yield "data: b\n\n"
    if job["input"].get("hang"):
        await asyncio.Event().wait()


async def collect(loop: StreamingWorkerLoop, job_input: dict[str, Any]) -> list[Any]:
    job = {"id": "job-1", "input": job_input}
    return [part["output"] async for part in run_job_generator(loop.config["handler"], job)]


async def test_the_sdk_streams_every_item_of_the_generator_handler() -> None:
    loop = StreamingWorkerLoop(two_items_then_forever, max_concurrency=2, grace_s=1)
    assert is_generator(loop.config["handler"]) and loop.config["return_aggregate_stream"] is True
    assert await collect(loop, {}) == [{"delta": "a"}, "data: b\n\n"]


async def test_a_job_running_past_the_grace_period_ends_with_a_cancelled_item() -> None:
    loop = StreamingWorkerLoop(two_items_then_forever, max_concurrency=2, grace_s=0)
    loop._grace_over.set()  # the grace period of a SIGTERM is over
    items = await asyncio.wait_for(collect(loop, {"hang": True}), 5)
    assert items[-1]["error"].startswith("cancelled: the worker stopped before the job finished")
