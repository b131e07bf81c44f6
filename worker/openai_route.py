"""RunPod's OpenAI-compatible route: `openai_route` jobs forwarded to the engine's own OpenAI server.

The worker already runs vLLM's OpenAI server (worker/supervisor.py); these jobs go to that same
server with the same key, and come back as vLLM wrote them: a ChatCompletion / Completion / model
list, or, streamed, its server-sent events re-batched as worker-vllm does (`"data: {...}\\n\\n"`
strings, one batch per yielded item, the batch growing 1, 3, 9, … up to `MAX_SSE_BATCH` events).
What this module adds is `worker.openai_request`'s checks, one error tree (engine failures are
`engine_unavailable`, the engine's 400 is `invalid_input` or `input_too_long`, a deadline is
`timeout`), and, for json_schema chats, the answer's validation; a streamed one is validated when
its last event has arrived, before `data: [DONE]` is sent (and instead of it, when it fails).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .engine import VllmServerEngine, error_text
from .errors import EngineUnavailable, InvalidInput, JobTimeout, ServiceError
from .openai_request import MODELS_ROUTE, OpenAICall, check_choice, prepare

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime

MAX_SSE_BATCH = 50
"""worker-vllm's default batch size: at most this many events per yielded chunk."""


@dataclass
class ChoiceText:
    """What a stream said so far about one choice."""

    content: list[str] = field(default_factory=list)
    finish_reason: str | None = None


class OpenAIRoute:
    """Forwards OpenAI requests to the worker's engine server, through the engine's own HTTP client
    (its key, its health check, its death watch): one connection pool and one error mapping."""

    def __init__(self, engine: VllmServerEngine, *, backend: str, max_input_bytes: int, job_timeout_s: float) -> None:
        self.engine = engine
        self.model = engine.model
        self.backend = backend
        self.max_input_bytes = max_input_bytes
        self.job_timeout_s = job_timeout_s

    @classmethod
    def for_runtime(cls, runtime: Runtime, settings: Settings) -> OpenAIRoute:
        """The route to the engine `runtime` connected to."""
        return cls(
            runtime.engine,
            backend=settings.structured_outputs_backend,
            max_input_bytes=settings.max_input_bytes,
            job_timeout_s=settings.job_timeout_s,
        )

    def prepare(self, raw: dict[str, Any]) -> OpenAICall:
        return prepare(raw, model=self.model, backend=self.backend, max_input_bytes=self.max_input_bytes)

    async def answer(self, call: OpenAICall) -> dict[str, Any]:
        """The engine's whole answer (a non-streamed call), checked."""
        self.engine.check_alive()
        try:
            async with asyncio.timeout(self.job_timeout_s):
                if call.route == MODELS_ROUTE:
                    response = await self.engine.http().get(MODELS_ROUTE)
                else:
                    response = await self.engine.http().post(call.route, json=call.body)
        except TimeoutError:
            raise JobTimeout.after(self.job_timeout_s) from None
        except httpx.HTTPError as exc:
            raise await self._transport_failure(exc) from exc
        if response.status_code != 200:
            raise await self._status_failure(response.status_code, error_text(response.content))
        body: dict[str, Any] = response.json()
        for index, choice in enumerate(body.get("choices") or []):
            message = choice.get("message") or {}
            check_choice(call, index, message.get("content"), choice.get("finish_reason"))
        return body

    async def sse_batches(self, call: OpenAICall) -> AsyncIterator[str]:
        """The streamed answer as worker-vllm yields it; raises a ServiceError if it fails its checks."""
        choices: dict[int, ChoiceText] = {}
        batch: list[str] = []
        size = 1
        async for event in self.events(call.body, call.route):
            for choice in event.get("choices") or []:
                seen = choices.setdefault(int(choice.get("index", 0)), ChoiceText())
                seen.content.append((choice.get("delta") or {}).get("content") or "")
                seen.finish_reason = choice.get("finish_reason") or seen.finish_reason
            batch.append(f"data: {json.dumps(event, ensure_ascii=False)}\n\n")
            if len(batch) >= size:
                yield "".join(batch)
                batch, size = [], min(size * 3, MAX_SSE_BATCH)
        for index, seen in sorted(choices.items()):
            check_choice(call, index, "".join(seen.content), seen.finish_reason)
        yield "".join([*batch, "data: [DONE]\n\n"])

    async def events(self, body: dict[str, Any], route: str) -> AsyncIterator[dict[str, Any]]:
        """The engine's server-sent events of one streamed request, parsed, until `[DONE]`."""
        self.engine.check_alive()
        deadline = time.monotonic() + self.job_timeout_s
        try:
            async with self.engine.http().stream("POST", route, json={**body, "stream": True}) as response:
                if response.status_code != 200:
                    raise await self._status_failure(response.status_code, error_text(await response.aread()))
                async for line in response.aiter_lines():
                    if time.monotonic() > deadline:
                        raise JobTimeout.after(self.job_timeout_s)
                    data = line.removeprefix("data:").strip()
                    if not line.startswith("data:") or not data:
                        continue
                    if data == "[DONE]":
                        return
                    event: dict[str, Any] = json.loads(data)
                    if "error" in event:  # vLLM reports a failure inside a stream as an event
                        error = event["error"] if isinstance(event["error"], dict) else {}
                        raise await self._status_failure(int(error.get("code") or 500), error_text(data.encode()))
                    yield event
        except httpx.HTTPError as exc:
            raise await self._transport_failure(exc) from exc
        raise EngineUnavailable("the engine's stream ended without [DONE]", refresh_worker=False)

    async def _transport_failure(self, exc: httpx.HTTPError) -> ServiceError:
        if isinstance(exc, httpx.TimeoutException) and await self.engine.healthy():
            return JobTimeout("the engine did not answer within the request timeout")
        return EngineUnavailable(f"cannot reach the engine at {self.engine.base_url} ({type(exc).__name__})")

    async def _status_failure(self, status: int, message: str) -> ServiceError:
        """An HTTP error status of the engine as one of our errors, mapped as the engine's own calls
        map it; what the request got wrong is named under `openai_input`."""
        if status == 404:
            return InvalidInput(f"openai_input: the engine found no such model or route ({message[:200]})")
        error = await self.engine.status_failure(status, message)
        return InvalidInput(f"openai_input: {error}") if type(error) is InvalidInput else error
