"""RunPod job → request model → task → wire output; every failure becomes one error shape.

The handler never raises: a failed job returns RunPod's `{"error": "<code>: <message>"}` (plus
`refresh_worker` when the engine is broken), so one bad job cannot take the worker down. One JSON
log line per job; document text and prompts are logged only with LOG_PAYLOADS=1.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from functools import cache
from typing import Any

from prompts.render import template_version

from .calibration import load_calibration
from .config import Settings
from .engine import Engine
from .errors import JobCancelled, JobTimeout, ServiceError, error_code, job_error_message
from .intake import parse_request
from .tasks import TASKS, Task, TaskContext

log = logging.getLogger("worker.jobs")


@cache
def prompt_versions(templates: tuple[str, ...]) -> dict[str, str]:
    """`{template: version}` of the prompts a task renders, for the job's log line."""
    return {name: template_version(name) for name in templates}


class JobHandler:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.calibration = load_calibration(settings)  # logs once which map confidences go through

    async def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        ctx = TaskContext(self.engine, calibration=self.calibration)
        record: dict[str, Any] = {"event": "job", "id": job.get("id"), "task": None}
        try:
            # seconds of CPU for a 10 MB input: in a thread, so the other jobs keep the event loop
            request = await asyncio.to_thread(parse_request, job.get("input"), self.settings.max_input_bytes)
            task = TASKS[request.task]
            record.update(task=request.task, prompts=prompt_versions(task.templates()))
            output = await asyncio.wait_for(self._run(task, request, ctx, started), self.settings.job_timeout_s)
            record["outcome"] = "success"
            return output
        except asyncio.CancelledError:  # RunPod's stop channel: vLLM aborts when its request closes
            record.update(outcome="cancelled", code=JobCancelled.code.value)
            raise
        except TimeoutError:
            return failure(JobTimeout.after(self.settings.job_timeout_s), record)
        except Exception as exc:
            return failure(exc, record)
        finally:
            record.update(
                ms=round((time.perf_counter() - started) * 1000, 1),
                llm_ms=round(ctx.llm_ms, 1),
                **ctx.usage.model_dump(),
            )
            if self.settings.log_payloads:
                record["input"] = job.get("input")
            log.info("job", extra=record)  # one JSON object per line (worker.logs)

    @staticmethod
    async def _run(task: Task, request: Any, ctx: TaskContext, started: float) -> dict[str, Any]:
        result = await task.run(request, ctx)
        response = task.respond(result, ctx, total_ms=(time.perf_counter() - started) * 1000)
        return response.model_dump(mode="json")


def failure(exc: BaseException, record: dict[str, Any]) -> dict[str, Any]:
    """The job's error shape, `{"error": "<code>: <message>"}` (+ `refresh_worker` when the engine
    is broken), and its code in the job's log record."""
    record.update(outcome="error", code=error_code(exc).value)
    if not isinstance(exc, ServiceError):
        # the type and the code lines it passed, never the message: it may quote the document
        trace = "".join(traceback.format_tb(exc.__traceback__))
        log.error("job %s failed with an unexpected %s:\n%s", record["id"], type(exc).__name__, trace)
    answer: dict[str, Any] = {"error": job_error_message(exc)}
    if isinstance(exc, ServiceError) and exc.refresh_worker:
        answer["refresh_worker"] = True
    return answer
