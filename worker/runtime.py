"""Bring the engine up (supervised or at ENGINE_URL), warm its grammars, tear it down."""

from __future__ import annotations

import asyncio
import logging
import time
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
    start_s: float
    warmup_s: float

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def resolve_model(settings: Settings) -> str | Path:
    """What vLLM loads: MODEL_NAME, the CPU default built offline, or the preset's hub id."""
    if settings.model_name:
        return settings.model_name
    if settings.preset.local_builder is not None:
        from .models import prepare

        return prepare(settings.preset.local_builder, settings.model_cache_dir)
    return settings.preset.model


async def warm_up(engine: VllmServerEngine) -> int:
    """Compile every static decoding schema now, so an unsupported keyword fails at start."""
    schemas = [schema for task in TASKS.values() for schema in task.warmup_schemas()]
    messages = [{"role": "user", "content": "Answer with JSON."}]
    for schema in schemas:
        await engine.complete(messages, schema=schema, sampling=Sampling(max_tokens=2, temperature=0.0))
    return len(schemas)


def start_runtime(settings: Settings) -> Runtime:
    started = time.monotonic()
    process = None
    if settings.engine_url:
        base_url = settings.engine_url
        log.info("using the vLLM server at %s", base_url)
    else:
        process = EngineProcess(settings, resolve_model(settings))
        log.info("starting vLLM: %s", " ".join(process.command))
        took = process.start()
        log.info("vLLM healthy after %.1f s", took)
        base_url = process.base_url
    try:
        engine = asyncio.run(
            VllmServerEngine.connect(
                base_url,
                request_timeout_s=settings.engine_request_timeout_s,
                died=process.died if process else None,
            )
        )
        start_s = time.monotonic() - started
        warm_started = time.monotonic()
        count = asyncio.run(warm_up(engine))
    except BaseException:
        if process is not None:
            process.stop()
        raise
    warmup_s = time.monotonic() - warm_started
    log.info("compiled %d decoding schemas in %.1f s; model %s", count, warmup_s, engine.model)
    return Runtime(engine, process, start_s, warmup_s)
