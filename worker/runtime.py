"""The one engine lifecycle: start (or use ENGINE_URL), connect, warm up, and stop.

    async with engine_runtime(settings) as runtime:     # evals, benchmarks, test fixtures
        await runtime.engine.complete(...)

    runtime = start_runtime(settings)                   # `python -m worker`: RunPod's SDK runs jobs
    ...                                                 # in an event loop of its own, later
    runtime.stop()

Connect and warm-up run in one event loop. The engine client keeps one HTTP client per event loop,
so the engine of a `start_runtime` serves whatever loop later runs the jobs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .engine import Sampling, VllmServerEngine
from .supervisor import EngineProcess
from .tasks import TASKS

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    engine: VllmServerEngine
    process: EngineProcess | None
    """None when the engine is the server at ENGINE_URL."""

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def resolve_model(settings: Settings) -> str | Path:
    """What vLLM loads: MODEL_NAME, the CPU default built offline, or the preset's hub id."""
    if settings.model_name:
        return settings.model_name
    if settings.preset.local_builder is not None:
        from .weights import prepare

        return prepare(settings.preset.local_builder, settings.model_cache_dir)
    return settings.preset.model


async def warm_up(engine: VllmServerEngine) -> int:
    """Compile every static decoding schema now, so an unsupported keyword fails at start."""
    schemas = [schema for task in TASKS.values() for schema in task.warmup_schemas()]
    messages = [{"role": "user", "content": "Answer with JSON."}]
    for schema in schemas:
        await engine.complete(messages, schema=schema, sampling=Sampling(max_tokens=2, temperature=0.0))
    return len(schemas)


async def open_runtime(settings: Settings, *, model: str | Path | None = None, warm: bool = True) -> Runtime:
    """Start the supervised engine (or take ENGINE_URL), connect, and warm up; on any failure the
    started process is stopped. `model` overrides what `resolve_model` would serve."""
    process = None
    if settings.engine_url:
        base_url, key = settings.engine_url, settings.engine_api_key
        api_key = key.get_secret_value() if key is not None else None
        log.info("using the vLLM server at %s", base_url)
    else:
        process = EngineProcess(settings, model if model is not None else resolve_model(settings))
        log.info("starting vLLM: %s", " ".join(process.command))
        # not in a worker thread: the child gets SIGTERM when the thread that started it exits
        # (PR_SET_PDEATHSIG), and asyncio.run joins its thread pool on the way out
        took = process.start()
        log.info("vLLM healthy after %.1f s on port %d", took, process.port)
        base_url, api_key = process.base_url, process.api_key
    try:
        engine = await VllmServerEngine.connect(
            base_url,
            request_timeout_s=settings.engine_request_timeout_s,
            died=process.died if process else None,
            api_key=api_key,
        )
        if warm:
            started = time.monotonic()
            count = await warm_up(engine)
            log.info(
                "compiled %d decoding schemas in %.1f s; model %s", count, time.monotonic() - started, engine.model
            )
    except BaseException:
        if process is not None:
            await asyncio.to_thread(process.stop)
        raise
    return Runtime(engine, process)


@asynccontextmanager
async def engine_runtime(
    settings: Settings, *, model: str | Path | None = None, warm: bool = True
) -> AsyncIterator[Runtime]:
    """`open_runtime`, and on exit close this loop's HTTP clients and stop the engine it started."""
    runtime = await open_runtime(settings, model=model, warm=warm)
    try:
        yield runtime
    finally:
        await runtime.engine.close()
        await asyncio.to_thread(runtime.stop)


def start_runtime(settings: Settings) -> Runtime:
    """The synchronous entry of `python -m worker`: the engine is up and warm when this returns;
    call `.stop()` at exit."""

    async def opened() -> Runtime:
        runtime = await open_runtime(settings)
        await runtime.engine.close()  # this loop's clients; the job loop makes its own
        return runtime

    return asyncio.run(opened())
