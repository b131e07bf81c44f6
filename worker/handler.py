"""RunPod job → request model → task → wire result; every failure becomes one error shape.

The handler never raises: a failed job returns RunPod's `{"error": "<code>: <message>"}` (plus
`refresh_worker` when the engine is broken), so one bad job cannot take the worker down. One JSON
log line per job; document text and prompts are logged only with LOG_PAYLOADS=1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from pydantic import ValidationError

from schemas.errors import describe_validation_error
from schemas.requests import GenerateRequest, TaskName, parse_job_input
from schemas.results import AnalyzeResponse, LocateResponse, MergeResponse, Timings

from .config import Settings
from .engine import Engine
from .errors import (
    InvalidInput,
    JobTimeout,
    PayloadTooLarge,
    ServiceError,
    UnknownTask,
    error_code,
    job_error_message,
)
from .tasks import TASKS, TaskContext

log = logging.getLogger("worker.jobs")

RESPONSES: dict[TaskName, type[AnalyzeResponse] | type[LocateResponse] | type[MergeResponse]] = {
    TaskName.ANALYZE: AnalyzeResponse,
    TaskName.LOCATE: LocateResponse,
    TaskName.MERGE: MergeResponse,
}


def parse_request(raw: Any, max_bytes: int) -> Any:
    """Validate a job's input, mapping every problem to a coded error that names the path."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"input: expected a JSON object, got {type(raw).__name__}")
    size = len(json.dumps(raw, ensure_ascii=False).encode())
    if size > max_bytes:
        raise PayloadTooLarge(f"input is {size} bytes; the limit is {max_bytes} bytes")
    try:
        return parse_job_input(raw)
    except ValidationError as exc:
        if any(e["type"] in ("union_tag_invalid", "union_tag_not_found") for e in exc.errors()):
            tags = ", ".join(t.value for t in TaskName)
            raise UnknownTask(f"task: {raw.get('task')!r} is not one of {tags}") from exc
        raise InvalidInput(describe_validation_error(exc)) from exc


class JobHandler:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    async def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        ctx = TaskContext(self.engine)
        record: dict[str, Any] = {"event": "job", "id": job.get("id"), "task": None}
        try:
            request = parse_request(job.get("input"), self.settings.max_input_bytes)
            record["task"] = request.task
            output = await asyncio.wait_for(self._run(request, ctx, started), self.settings.job_timeout_s)
            record["outcome"] = "success"
            return output
        except TimeoutError:
            return self._failure(JobTimeout(f"the job ran longer than {self.settings.job_timeout_s:.0f} s"), record)
        except Exception as exc:
            return self._failure(exc, record)
        finally:
            record.update(
                ms=round((time.perf_counter() - started) * 1000, 1),
                llm_ms=round(ctx.llm_ms, 1),
                **ctx.usage.model_dump(),
            )
            if self.settings.log_payloads:
                record["input"] = job.get("input")
            log.info(json.dumps(record, default=str, ensure_ascii=False))

    async def _run(self, request: Any, ctx: TaskContext, started: float) -> dict[str, Any]:
        result = await TASKS[request.task].run(request, ctx)
        if isinstance(request, GenerateRequest):
            dumped: dict[str, Any] = result.model_dump(mode="json")
            return dumped
        envelope = RESPONSES[request.task](
            result=result,
            usage=ctx.usage,
            model=self.engine.model,
            timings_ms=Timings(total=(time.perf_counter() - started) * 1000, llm=ctx.llm_ms),
        )
        return envelope.model_dump(mode="json")

    def _failure(self, exc: BaseException, record: dict[str, Any]) -> dict[str, Any]:
        record.update(outcome="error", code=error_code(exc).value)
        if not isinstance(exc, ServiceError):
            log.exception("job %s failed with an unexpected error", record["id"])
        answer: dict[str, Any] = {"error": job_error_message(exc)}
        if isinstance(exc, ServiceError) and exc.refresh_worker:
            answer["refresh_worker"] = True
        return answer
