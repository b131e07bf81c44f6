"""The seam between the worker and the model: one async call, over vLLM's OpenAI-compatible API.

Nothing outside this module and `supervisor.py` knows vLLM's wire format. Structured requests carry
vLLM's current `structured_outputs` field, built here (the removed `guided_*` fields are silently
ignored by vLLM, so they are never sent). Every request carries the key of the engine this worker
started, so a foreign server on the port answers 401 instead of serving our jobs.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

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
    """The request fields that make vLLM decode only JSON valid for `schema` (the shape outlines 1.3.3's
    vLLM adapter emits; a test parses it with vLLM's own request model)."""
    return {"structured_outputs": {"json": schema}}


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
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.context_length = context_length
        self._died = died
        self._timeout = request_timeout_s
        self._api_key = api_key
        self._transport = transport  # tests pass an httpx.MockTransport
        # HTTP clients belong to one event loop; warm-up and RunPod's job loop are different ones.
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def http(self) -> httpx.AsyncClient:
        """This event loop's HTTP client to the server, with the engine's key: the OpenAI route
        forwards its jobs through it, so the worker holds one client, key and health check."""
        loop = asyncio.get_running_loop()
        client = self._by_loop.get(loop)
        if client is None:
            client = _http_client(self.base_url, self._api_key, self._timeout, self._transport)
            self._by_loop[loop] = client
        return client

    @classmethod
    async def connect(
        cls,
        base_url: str,
        *,
        request_timeout_s: float,
        died: threading.Event | None = None,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> VllmServerEngine:
        """Ask the server which model it serves and its context length (this checks the key)."""
        try:
            async with _http_client(base_url, api_key, 30.0, transport) as client:
                response = await client.get("/v1/models")
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"no vLLM server answers at {base_url}: {exc}") from exc
        if response.status_code in (401, 403):
            raise EngineUnavailable(_foreign_server(base_url, response.status_code))
        if response.status_code != 200:
            raise EngineUnavailable(f"the server at {base_url} answered /v1/models with HTTP {response.status_code}")
        card = response.json()["data"][0]
        return cls(
            base_url,
            card["id"],
            context_length=int(card.get("max_model_len") or 4096),
            request_timeout_s=request_timeout_s,
            died=died,
            api_key=api_key,
            transport=transport,
        )

    async def healthy(self) -> bool:
        try:
            return (await self.http().get("/health", timeout=5.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def count_tokens(self, prompt: Messages | str) -> int:
        body: dict[str, Any] = {"model": self.model}
        body.update({"prompt": prompt} if isinstance(prompt, str) else {"messages": prompt})
        response = await self._guarded(self.http().post("/tokenize", json=body))
        if response.status_code != 200:
            raise await self.status_failure(response.status_code, error_text(response.content))
        return int(response.json()["count"])

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
        }
        body.update({"prompt": prompt} if isinstance(prompt, str) else {"messages": prompt})
        if schema is not None:
            body.update(structured_outputs_body(schema))
        route = "/v1/completions" if isinstance(prompt, str) else "/v1/chat/completions"
        started = time.perf_counter()
        response = await self._guarded(self.http().post(route, json=body))
        if response.status_code != 200:
            raise await self.status_failure(response.status_code, error_text(response.content))
        choice = response.json()["choices"][0]
        usage = response.json().get("usage") or {}
        text = choice["text"] if isinstance(prompt, str) else choice["message"].get("content")
        return Completion(
            text=text or "",
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            finish_reason=str(choice.get("finish_reason")),
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    def check_alive(self) -> None:
        """Raise `engine_unavailable` when the supervised vLLM process has exited."""
        if self._died is not None and self._died.is_set():
            raise EngineUnavailable("the vLLM process has exited")

    async def _guarded(self, call: Awaitable[T]) -> T:
        """Run one HTTP call; fail at once if the engine dies, map transport errors to ours."""
        try:
            self.check_alive()
        except EngineUnavailable:
            if asyncio.iscoroutine(call):
                call.close()  # never sent
            raise
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
        except httpx.TimeoutException as exc:
            if await self.healthy():
                raise JobTimeout("the engine did not answer within the request timeout") from exc
            raise EngineUnavailable("the engine stopped answering (health check failed)") from exc
        except httpx.TransportError as exc:
            raise EngineUnavailable(f"cannot reach the engine at {self.base_url}") from exc
        finally:
            # a cancelled job closes its HTTP request, which makes vLLM abort the generation
            for waiter in waiters:
                waiter.cancel()

    async def status_failure(self, status: int, message: str) -> ServiceError:
        """One of the engine's HTTP error statuses as our error (`worker.engine.status_failure`)."""
        return await status_failure(status, message, context=self.context_length, base_url=self.base_url,
                                    healthy=self.healthy)  # fmt: skip

    async def _watch_death(self) -> None:
        assert self._died is not None
        while not self._died.is_set():
            await asyncio.sleep(0.25)

    async def close(self) -> None:
        client = self._by_loop.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def _http_client(
    base_url: str, api_key: str | None, timeout: float, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers, transport=transport)


def _foreign_server(base_url: str, status: int) -> str:
    return (
        f"the server at {base_url} refused this worker's engine key (HTTP {status}): "
        "it is not the engine this worker started (another process holds the port?)"
    )


def error_text(raw: bytes) -> str:
    """vLLM's error message (`{"error": {"message": …}}`, older `{"message": …}`, or the body
    itself), without the input values pydantic quotes in it: they may be document text."""
    try:
        body = json.loads(raw)
    except ValueError:
        return _quoted_input_removed(raw.decode(errors="replace")[:300])
    return _quoted_input_removed(_message_of(body))


def _message_of(body: object) -> str:
    error = body.get("error", body) if isinstance(body, dict) else body
    return str(error.get("message", error) if isinstance(error, dict) else error)


_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=|\]|$)")


def _quoted_input_removed(message: str) -> str:
    return _INPUT_VALUE.sub("input_value=…", message)[:300]


async def status_failure(
    status: int, message: str, *, context: int, base_url: str, healthy: Callable[[], Awaitable[bool]]
) -> ServiceError:
    """The error of an HTTP error status of the engine, the same for every route (never `internal`)."""
    if status in (400, 422):
        return _bad_request(message, context)
    if status in (401, 403):
        return EngineUnavailable(_foreign_server(base_url, status))
    if await healthy():
        return EngineUnavailable(f"the engine failed on this request (HTTP {status})", refresh_worker=False)
    return EngineUnavailable(f"the engine failed (HTTP {status}) and is not healthy")


_CONTEXT = re.compile(r"maximum (?:context|model) length (?:is |of )?(\d+)")
_PROMPT = re.compile(r"contains (?:at least )?(\d+) input tokens|prompt \(length (\d+)\)|\((\d+) in the messages")
_RESERVED = re.compile(r"too large: (\d+)|(\d+) in the completion")
_TOO_LONG = ("context length", "maximum model length", "too long", "too large")


def _first_number(pattern: re.Pattern[str], message: str) -> int | None:
    found = pattern.search(message)
    return None if found is None else int(next(group for group in found.groups() if group is not None))


def _bad_request(message: str, context: int) -> ServiceError:
    """A 400 from vLLM: the context overflow with the counts vLLM reported (never invented), or bad input."""
    if any(marker in message for marker in _TOO_LONG):
        return InputTooLong(
            _first_number(_PROMPT, message),
            _first_number(_RESERVED, message),
            _first_number(_CONTEXT, message) or context,
        )
    return InvalidInput(f"the engine rejected the request: {message}")
