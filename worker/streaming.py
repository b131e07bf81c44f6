"""The worker's two job handlers, and the one that streams (STREAMING=true), as worker-vllm runs it.

The runpod SDK decides per handler *function*: with an async generator every job's output becomes
the list of what it yielded (`return_aggregate_stream`), and a yielded `{"error": …}` fails the job.
The first version's raw call must keep answering one dict, so the default is `plain_handler`:
- `plain_handler`: `JobHandler` for tasks (a `generate` with `stream: true` is answered in one piece,
  the same dict), and non-streamed `openai_route` jobs answered with vLLM's response object; a
  streamed `openai_route` job is refused (`invalid_input`): an SSE client cannot read one dict.
- `generator_handler` (STREAMING=true, needed for streaming and for RunPod's OpenAI-compatible URL):
  every output is a list. A non-streamed job yields exactly one item, the plain handler's dict;
  `generate` with `stream: true` yields `{"delta": text}` items, then the same final dict (the
  deltas concatenate to its `text`); a streamed `openai_route` job yields SSE text batches like
  worker-vllm, a json_schema chat validated before its `data: [DONE]` (an error item instead).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from schemas.requests import GenerateRequest
from schemas.results import GenerateResult

from .engine import Engine, Messages
from .errors import InvalidInput
from .handler import JobHandler, failure
from .intake import parse_request
from .openai_request import CHAT_ROUTE, is_openai_job
from .openai_route import MAX_SSE_BATCH, OpenAIRoute
from .structured import reserve_tokens

log = logging.getLogger("worker.jobs")
PlainHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
StreamHandler = Callable[[dict[str, Any]], AsyncIterator[Any]]
NOT_STREAMING = "streaming needs the worker's generator handler (STREAMING=true); send stream: false here"


def plain_handler(job_handler: JobHandler, route: OpenAIRoute) -> PlainHandler:
    async def handler(job: dict[str, Any]) -> dict[str, Any]:
        if not is_openai_job(job.get("input")):
            return await job_handler(job)
        with job_record(job, "openai") as record:
            try:
                call = await asyncio.to_thread(route.prepare, job["input"])  # CPU-bound on a large input
                if call.stream:
                    raise InvalidInput(f"openai_input.stream: {NOT_STREAMING}")
                return await route.answer(call)
            except Exception as exc:
                return failure(exc, record)

    return handler


def generator_handler(job_handler: JobHandler, route: OpenAIRoute) -> StreamHandler:
    async def handler(job: dict[str, Any]) -> AsyncIterator[Any]:
        raw = job.get("input")
        if is_openai_job(raw):
            items = openai_items(route, job)
        elif isinstance(raw, dict) and raw.get("stream") is True:
            items = generate_items(job_handler, route, job)
        else:
            items = one_item(job_handler, job)
        async for item in items:
            yield item

    return handler


async def one_item(job_handler: JobHandler, job: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield await job_handler(job)


async def openai_items(route: OpenAIRoute, job: dict[str, Any]) -> AsyncIterator[Any]:
    with job_record(job, "openai") as record:
        try:
            call = await asyncio.to_thread(route.prepare, job["input"])  # CPU-bound on a large input
            record["stream"] = call.stream
            if not call.stream:
                yield await route.answer(call)
                return
            async for batch in route.sse_batches(call):
                yield batch
        except Exception as exc:
            yield failure(exc, record)


async def generate_items(job_handler: JobHandler, route: OpenAIRoute, job: dict[str, Any]) -> AsyncIterator[Any]:
    """A streamed `generate`: text deltas (batched like worker-vllm's tokens), then the final dict."""
    with job_record(job, "generate", stream=True) as record:
        try:
            request = await asyncio.to_thread(parse_request, job.get("input"), job_handler.settings.max_input_bytes)
            if not isinstance(request, GenerateRequest):
                raise InvalidInput("stream: only the generate task (and openai_route jobs) can stream")
            async for item in stream_generate(job_handler.engine, route, request, record):
                yield item
        except Exception as exc:
            yield failure(exc, record)


async def stream_generate(
    engine: Engine, route: OpenAIRoute, request: GenerateRequest, record: dict[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    messages: Messages = [{"role": "system", "content": request.system}] if request.system else []
    messages.append({"role": "user", "content": request.prompt})
    await reserve_tokens(engine, messages, request.max_tokens)  # the non-streamed task's check
    body = {
        "model": route.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stream_options": {"include_usage": True},
    }
    text: list[str] = []
    pending: list[str] = []
    size, tokens = 1, 0
    async for event in route.events(body, CHAT_ROUTE):
        tokens = int((event.get("usage") or {}).get("completion_tokens") or tokens)
        for choice in event.get("choices") or []:
            if delta := (choice.get("delta") or {}).get("content"):
                pending.append(delta)
        if len(pending) >= size:
            text += pending
            yield {"delta": "".join(pending)}
            pending, size = [], min(size * 3, MAX_SSE_BATCH)
    if pending:
        text += pending
        yield {"delta": "".join(pending)}
    record.update(completion_tokens=tokens)
    # As in the first version, free text that stops at max_tokens is still a success.
    yield GenerateResult(text="".join(text), tokens_generated=tokens).model_dump(mode="json")


@contextmanager
def job_record(job: dict[str, Any], task: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """The job's one JSON log line (as `JobHandler` writes it), written however the job ends."""
    started = time.perf_counter()
    record: dict[str, Any] = {"event": "job", "id": job.get("id"), "task": task, "outcome": "success", **fields}
    try:
        yield record
    except BaseException:  # a cancelled job (RunPod's stop channel) or the generator closed early
        record.update(outcome="cancelled", code="cancelled")
        raise
    finally:
        record["ms"] = round((time.perf_counter() - started) * 1000, 1)
        log.info("job", extra=record)
