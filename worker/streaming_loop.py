"""The production job loop (`worker.production.WorkerLoop`) for the generator handler (STREAMING=true).

The SDK streams a job (each item POSTed to the job-stream URL, the list of them as the result, since
`return_aggregate_stream` is set) only when the handler in its config is a generator function, so
this loop's handler is one. Its rules are `WorkerLoop`'s: the generator runs in a task of its own,
and is cancelled (its HTTP request closed, so vLLM aborts) when the grace period ends, the final
item then being a `cancelled` error; an item with `refresh_worker` stops the take loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from schemas.errors import ErrorCode

from .production import ENGINE_FAILED_EXIT_CODE, WorkerLoop

StreamHandler = Callable[[dict[str, Any]], AsyncIterator[Any]]
_END = object()


class StreamingWorkerLoop(WorkerLoop):
    def __init__(
        self,
        handler: StreamHandler,
        *,
        max_concurrency: int,
        grace_s: float,
        engine_died: threading.Event | None = None,
    ) -> None:
        super().__init__(_unused, max_concurrency=max_concurrency, grace_s=grace_s, engine_died=engine_died)
        self._stream_inner = handler
        self.config["handler"] = self._stream
        self.config["return_aggregate_stream"] = True

    async def _stream(self, job: dict[str, Any]) -> AsyncIterator[Any]:
        items: asyncio.Queue[Any] = asyncio.Queue()
        producer = asyncio.ensure_future(self._produce(job, items))
        grace = asyncio.ensure_future(self._grace_over.wait())
        try:
            while True:
                getter = asyncio.ensure_future(items.get())
                await asyncio.wait({getter, grace}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    message = f"the worker stopped before the job finished (grace period {self.grace_s:g} s)"
                    yield {"error": f"{ErrorCode.CANCELLED.value}: {message}"}
                    return
                item = getter.result()
                if item is _END:
                    return
                if isinstance(item, dict) and item.get("refresh_worker"):
                    self.stop_taking("a job found the engine broken", ENGINE_FAILED_EXIT_CODE)
                yield item
        finally:  # also when the stop channel cancels this job: the handler sees the cancellation
            grace.cancel()
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({producer})

    async def _produce(self, job: dict[str, Any], items: asyncio.Queue[Any]) -> None:
        try:
            async for item in self._stream_inner(job):
                items.put_nowait(item)
        finally:
            items.put_nowait(_END)


async def _unused(job: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError("StreamingWorkerLoop runs its generator handler, not WorkerLoop's")
