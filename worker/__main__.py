"""`python -m worker`: engine up and grammars warm, then RunPod's serverless loop.

On RunPod (RUNPOD_WEBHOOK_GET_JOB set, no RunPod flag) the job loop is `worker.production`'s: the
SDK's own take/post/stop-channel code, plus stopping on a dead engine and a bounded graceful stop.
RunPod's local flags go to the SDK: `--rp_serve_api --rp_api_port 8000` serves the local runsync
API, `--test_input '{"input": …}'` runs one job and exits.

Logging is set up before `runpod` is imported: the SDK reads its level at import (see `worker.logs`).
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
from types import FrameType
from typing import Any

from .config import Settings, SettingsError, load_settings
from .handler import JobHandler
from .logs import setup_logging
from .runtime import Runtime, start_runtime
from .tasks import formats, places

log = logging.getLogger("worker")
LOCAL_FLAGS = ("--rp_serve_api", "--test_input")
"""Flags with which the SDK runs locally, whatever the environment says."""


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # until the job loop installs its own handler: `main`'s `finally` stops vLLM


def _check_sdk_flags(settings: Settings, argv: list[str]) -> None:
    """`--rp_log_level DEBUG` would make the SDK log every output: only with LOG_PAYLOADS=1."""
    for index, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if "=" in arg else (argv[index + 1] if index + 1 < len(argv) else "")
        if arg.startswith("--rp_log_level") and value.upper() in ("DEBUG", "TRACE") and not settings.log_payloads:
            raise SettingsError("--rp_log_level DEBUG logs every job's output; it needs LOG_PAYLOADS=1")


def production_mode(argv: list[str]) -> bool:
    """What the SDK itself decides: RUNPOD_WEBHOOK_GET_JOB set, and no local flag given."""
    from runpod.serverless.modules.worker_state import IS_LOCAL_TEST

    return not IS_LOCAL_TEST and not any(arg.split("=", 1)[0] in LOCAL_FLAGS for arg in argv)


def serve(runtime: Runtime, settings: Settings) -> int:
    """Run jobs until the loop ends; the process's exit code."""
    from .openai_route import OpenAIRoute
    from .streaming import generator_handler, plain_handler

    job_handler = JobHandler(runtime.engine, settings)
    route = OpenAIRoute.for_runtime(runtime, settings)
    # STREAMING=true: an async generator, so every output becomes a list (worker.streaming)
    handler: Any = (generator_handler if settings.streaming else plain_handler)(job_handler, route)

    if production_mode(sys.argv[1:]):
        from .production import run_production_loop

        died = runtime.process.died if runtime.process is not None else None
        return run_production_loop(
            handler,
            max_concurrency=settings.max_concurrency,
            grace_s=settings.shutdown_grace_s,
            engine_died=died,
            streaming=settings.streaming,
        )
    import runpod

    runpod.serverless.start(
        {
            "handler": handler,
            "concurrency_modifier": lambda _current: settings.max_concurrency,
            "return_aggregate_stream": True,  # used by a generator handler only
        }
    )
    return 0


def settle_memory() -> None:
    """After start-up: the format libraries' data and the place names loaded and every object so far moved out of the
    collector's reach (`gc.freeze`), and collections made rarer. Validating a 10 MB request makes
    millions of objects; with the default thresholds the collector's passes over them block the
    event loop, and every other job, for up to half a second at a time."""
    formats.warm_up()
    places.warm_up()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


def main() -> None:
    try:
        settings = load_settings()
        setup_logging(settings)
        _check_sdk_flags(settings, sys.argv[1:])
    except (SettingsError, ValueError) as exc:
        sys.exit(f"worker: {exc}")
    signal.signal(signal.SIGTERM, _exit_on_signal)
    runtime = start_runtime(settings)
    settle_memory()
    try:
        code = serve(runtime, settings)
    finally:
        runtime.stop()  # vLLM and its engine-core processes, on every way out
    log.info("worker exits with code %d", code)
    sys.exit(code)


if __name__ == "__main__":
    main()
