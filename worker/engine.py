"""The seam between the worker and the model: one async call, over vLLM's OpenAI-compatible API.

Nothing outside this module and `supervisor.py` knows vLLM's wire format. Structured requests are
built by outlines' vLLM adapter, which emits vLLM's current `structured_outputs` field (the
removed `guided_*` fields are silently ignored by vLLM, so they are never sent).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
import openai
from outlines.models.vllm import VLLMTypeAdapter
from outlines.types import JsonSchema

from .errors import EngineUnavailable, InputTooLong, InvalidInput, JobTimeout, ServiceError

Messages = list[dict[str, str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Sampling:
    """Per-request sampling. No `seed`: vLLM 0.32's CPU build kills its engine core when a seeded
    request is prefilled in chunks ("CPU Generator does not use offset"), so none is ever sent."""

    max_tokens: int
    temperature: float = 0.0


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    latency_ms: float


class Engine(Protocol):
    """What the tasks need from a model server."""

    model: str
    context_length: int

    async def count_tokens(self, prompt: Messages | str) -> int: ...

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion: ...

    async def close(self) -> None: ...


def structured_outputs_body(schema: dict[str, Any]) -> dict[str, Any]:
    """The request fields that make vLLM decode only JSON valid for `schema`."""
    body: dict[str, Any] = VLLMTypeAdapter().format_output_type(JsonSchema(json.dumps(schema)))
    return body


class VllmServerEngine:
    """An `Engine` backed by a vLLM OpenAI-compatible server (supervised or at ENGINE_URL)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        context_length: int,
        request_timeout_s: float,
        died: threading.Event | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.context_length = context_length
        self._died = died
        self._timeout = request_timeout_s
        # HTTP clients belong to one event loop; warm-up and RunPod's job loop are different ones.
        self._by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, openai.AsyncOpenAI]
        ] = weakref.WeakKeyDictionary()

    def _clients(self) -> tuple[httpx.AsyncClient, openai.AsyncOpenAI]:
        loop = asyncio.get_running_loop()
        pair = self._by_loop.get(loop)
        if pair is None:
            pair = (
                httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout),
                openai.AsyncOpenAI(
                    base_url=f"{self.base_url}/v1", api_key="EMPTY", timeout=self._timeout, max_retries=0
                ),
            )
            self._by_loop[loop] = pair
        return pair

    @classmethod
    async def connect(
        cls, base_url: str, *, request_timeout_s: float, died: threading.Event | None = None
    ) -> VllmServerEngine:
        """Ask the server which model it serves and its context length."""
        try:
            async with httpx.AsyncClient(timeout=30.0) as client:
                response = await client.get(f"{base_url.rstrip('/')}/v1/models")
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"no vLLM server answers at {base_url}: {exc}") from exc
        card = response.json()["data"][0]
        return cls(
            base_url,
            card["id"],
            context_length=int(card.get("max_model_len") or 4096),
            request_timeout_s=request_timeout_s,
            died=died,
        )

    async def healthy(self) -> bool:
        try:
            return (await self._clients()[0].get("/health", timeout=5.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def count_tokens(self, prompt: Messages | str) -> int:
        body: dict[str, Any] = {"model": self.model}
        body.update({"prompt": prompt} if isinstance(prompt, str) else {"messages": prompt})
        response = await self._guarded(self._clients()[0].post("/tokenize", json=body))
        if response.status_code != 200:
            raise InvalidInput(f"the engine could not tokenize the prompt (HTTP {response.status_code})")
        return int(response.json()["count"])

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
        }
        if schema is not None:
            kwargs["extra_body"] = structured_outputs_body(schema)
        started = time.perf_counter()
        client = self._clients()[1]
        if isinstance(prompt, str):
            done = await self._guarded(client.completions.create(prompt=prompt, **kwargs))
            text, reason, usage = done.choices[0].text, done.choices[0].finish_reason, done.usage
        else:
            chat = await self._guarded(client.chat.completions.create(messages=prompt, **kwargs))  # type: ignore[arg-type]
            text, reason, usage = (
                chat.choices[0].message.content or "",
                chat.choices[0].finish_reason,
                chat.usage,
            )
        return Completion(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            finish_reason=str(reason),
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    async def _guarded(self, call: Awaitable[T]) -> T:
        """Run one HTTP call; fail at once if the engine dies, map transport errors to ours."""
        if self._died is not None and self._died.is_set():
            raise EngineUnavailable("the vLLM process has exited")
        request = asyncio.ensure_future(call)
        waiters: set[asyncio.Future[Any]] = {request}
        dead = asyncio.ensure_future(self._watch_death()) if self._died is not None else None
        if dead is not None:
            waiters.add(dead)
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if not request.done():
                raise EngineUnavailable("the vLLM process exited while the job was running")
            return request.result()
        except (openai.APITimeoutError, httpx.TimeoutException) as exc:
            if await self.healthy():
                raise JobTimeout("the engine did not answer within the request timeout") from exc
            raise EngineUnavailable("the engine stopped answering (health check failed)") from exc
        except (openai.APIConnectionError, httpx.TransportError) as exc:
            raise EngineUnavailable(f"cannot reach the engine at {self.base_url}") from exc
        except openai.BadRequestError as exc:
            raise _bad_request(exc, self.context_length) from exc
        except openai.APIStatusError as exc:
            if await self.healthy():
                raise ServiceError(f"the engine failed on this request (HTTP {exc.status_code})") from exc
            raise EngineUnavailable(f"the engine failed (HTTP {exc.status_code}) and is not healthy") from exc
        finally:
            # a cancelled job closes its HTTP request, which makes vLLM abort the generation
            for waiter in waiters:
                waiter.cancel()

    async def _watch_death(self) -> None:
        assert self._died is not None
        while not self._died.is_set():
            await asyncio.sleep(0.25)

    async def close(self) -> None:
        pair = self._by_loop.pop(asyncio.get_running_loop(), None)
        if pair is not None:
            await pair[0].aclose()
            await pair[1].close()


def _bad_request(exc: openai.BadRequestError, context: int) -> Exception:
    message = str(exc.message)
    if "context length" in message or "maximum model length" in message or "too long" in message:
        return InputTooLong(-1, -1, context)
    return InvalidInput(f"the engine rejected the request: {message[:300]}")
