"""RunPod's production job loop (the SDK's `JobScaler`), with the three things the SDK leaves out.

On RunPod (RUNPOD_WEBHOOK_GET_JOB set) the SDK takes jobs, runs up to MAX_CONCURRENCY at once,
posts each result, and cancels a job's task when the stop channel names it. What it does not do:
- **stop taking jobs when the engine is gone.** `stopPod` in a result does not end its loop, so a
  worker whose vLLM died would take and fail every later job. Here an `engine_unavailable` result
  (or the engine process exiting) stops the take loop, lets the jobs already taken fail fast with
  `stopPod`, and exits with code 1;
- **a bounded graceful stop.** Its SIGTERM handler waits for running jobs without limit; here they
  get SHUTDOWN_GRACE_S, then are cancelled and answered `cancelled`, and the process exits (which
  stops vLLM: `Runtime.stop` runs on the way out);
- **forgetting a dead process's jobs.** It reloads `.runpod_jobs.pkl` at start, so a restarted
  worker would count a killed one's jobs as its own forever; they are dropped at start.

The SDK's own take, post, stop-channel and heartbeat code runs unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

from runpod.http_client import AsyncClientSession
from runpod.serverless.modules import rp_scale
from runpod.serverless.modules.worker_state import JobsProgress

from schemas.errors import ErrorCode

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ENGINE_FAILED_EXIT_CODE = 1
TAKE_SETTLE_S = 1.0
"""On a stop, how long a take in flight may finish before it is abandoned."""


class WorkerLoop(rp_scale.JobScaler):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's job scaler; `run()` adds the stop rules above. `start()` blocks until it ends."""

    def __init__(
        self,
        handler: Handler,
        *,
        max_concurrency: int,
        grace_s: float,
        engine_died: threading.Event | None = None,
    ) -> None:
        super().__init__({"handler": self._handle, "concurrency_modifier": lambda _current: max_concurrency})
        self._inner = handler
        self.grace_s = grace_s
        self.exit_code = 0
        self._engine_died = engine_died
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._grace_over = asyncio.Event()

    # --- stopping -------------------------------------------------------------------------------
    def handle_shutdown(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM/SIGINT (the SDK installs this as the handler): finish, within the grace period."""
        if self._loop is None:
            raise SystemExit(0)  # the loop has not started: nothing is running
        self._loop.call_soon_threadsafe(self.stop_taking, f"signal {signum}", 0)

    def stop_taking(self, reason: str, exit_code: int) -> None:
        """Take no more jobs; those taken run to the end (the grace period, on a signal)."""
        self.exit_code = max(self.exit_code, exit_code)
        if self._stopping.is_set():
            return
        log.warning("stopping: %s; taking no more jobs", reason)
        self._stopping.set()
        self.kill_worker()
        if exit_code == 0:
            asyncio.get_running_loop().call_later(self.grace_s, self._grace_over.set)

    # --- the loop -------------------------------------------------------------------------------
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping, self._grace_over = asyncio.Event(), asyncio.Event()
        async with AsyncClientSession() as session:
            take = asyncio.create_task(self.get_jobs(session))
            stops = asyncio.create_task(self.monitor_stop_signals(session))
            watch = asyncio.create_task(self._watch_engine())
            jobs = asyncio.create_task(self.run_jobs(session))
            await self._stopping.wait()
            # A take whose answer is already on its way completes within milliseconds: let it, so
            # the jobs it carries are queued and run (cancelling it then lost them). One still
            # long-polling is abandoned: the queue keeps or requeues what it never handed over.
            _, polling = await asyncio.wait({take}, timeout=TAKE_SETTLE_S)
            for still in polling:
                still.cancel()
            await asyncio.gather(take, return_exceptions=True)
            await jobs  # the SDK's drain: every job taken runs and its result is posted
            if not self.jobs_queue.empty():
                # the SDK's drain ends when the queue is empty, and can do so before the settling
                # take queues its jobs: drain again (it runs the queue out, as the worker is stopping)
                await self.run_jobs(session)
            for task in (stops, watch):
                task.cancel()
            await asyncio.gather(stops, watch, return_exceptions=True)
        log.info("job loop ended (exit code %d)", self.exit_code)

    async def _watch_engine(self) -> None:
        if self._engine_died is None:
            return
        while not self._engine_died.is_set():
            await asyncio.sleep(0.25)
        self.stop_taking("the engine process exited", ENGINE_FAILED_EXIT_CODE)

    async def _handle(self, job: dict[str, Any]) -> dict[str, Any]:
        """The job handler, cancelled if the grace period ends first; notices a broken engine."""
        work = asyncio.ensure_future(self._inner(job))
        grace = asyncio.ensure_future(self._grace_over.wait())
        try:
            await asyncio.wait({work, grace}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when the stop channel cancels this job: the handler sees the cancellation
            grace.cancel()
            if not work.done():
                work.cancel()
                await asyncio.wait({work})
        if work.cancelled():
            message = f"the worker stopped before the job finished (grace period {self.grace_s:g} s)"
            return {"error": f"{ErrorCode.CANCELLED.value}: {message}"}
        output = work.result()
        if output.get("refresh_worker"):
            self.stop_taking("a job found the engine broken", ENGINE_FAILED_EXIT_CODE)
        return output


def forget_stale_jobs() -> int:
    """Drop the jobs another (dead) process left in the SDK's state file; how many there were."""
    progress = JobsProgress()
    stale = progress.get_job_count()
    if stale:
        progress.clear()
    return int(stale)


def run_production_loop(
    handler: Handler,
    *,
    max_concurrency: int,
    grace_s: float,
    engine_died: threading.Event | None,
    streaming: bool = False,
) -> int:
    """What `runpod.serverless.start` does in production, with our loop; returns the exit code."""
    from runpod.serverless.modules.rp_fitness import run_fitness_checks
    from runpod.serverless.worker import heartbeat

    stale = forget_stale_jobs()
    if stale:
        log.warning("dropped %d job(s) a previous process left in .runpod_jobs.pkl", stale)
    asyncio.run(run_fitness_checks())
    heartbeat.start_ping()
    if streaming:  # `handler` is an async generator function (worker.streaming.generator_handler)
        from .streaming_loop import StreamingWorkerLoop

        loop: WorkerLoop = StreamingWorkerLoop(
            handler,  # type: ignore[arg-type]
            max_concurrency=max_concurrency,
            grace_s=grace_s,
            engine_died=engine_died,
        )
    else:
        loop = WorkerLoop(handler, max_concurrency=max_concurrency, grace_s=grace_s, engine_died=engine_died)
    with contextlib.suppress(KeyboardInterrupt):
        loop.start()
    return loop.exit_code
