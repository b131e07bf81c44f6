"""`python -m worker`: engine up and grammars warm, then RunPod's serverless loop.

RunPod's own flags pass through: `--rp_serve_api --rp_api_port 8000` serves the local runsync API,
`--test_input '{"input": …}'` runs one job and exits.
"""

from __future__ import annotations

import atexit
import logging
import signal
from types import FrameType
from typing import Any

from .config import Settings
from .handler import JobHandler
from .runtime import start_runtime


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)  # runs atexit, which stops vLLM


def main() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    runtime = start_runtime(settings)
    atexit.register(runtime.stop)
    job_handler = JobHandler(runtime.engine, settings)

    async def handler(job: dict[str, Any]) -> dict[str, Any]:
        return await job_handler(job)

    import runpod

    runpod.serverless.start({"handler": handler, "concurrency_modifier": lambda current: settings.max_concurrency})


if __name__ == "__main__":
    main()
