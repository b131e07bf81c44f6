"""VllmServerEngine's HTTP error mapping, against httpx.MockTransport (no vLLM; fast tier).

Bodies are the shapes vLLM 0.32 sends (its messages are quoted from vllm/renderers/params.py and
vllm/v1/engine/input_processor.py); the real engine's own behaviour is tested under tests/engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from worker.engine import Sampling, VllmServerEngine
from worker.errors import EngineUnavailable, InputTooLong, InvalidInput, JobTimeout, ServiceError

ASK = [{"role": "user", "content": "hi"}]
ONE = Sampling(max_tokens=4)
KEY = "our-key"
Route = Callable[[httpx.Request], httpx.Response]


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "BadRequestError", "code": status}})


def _chat_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "choices": [{"message": {"role": "assistant", "content": '{"a":1}'}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        },
    )


class FakeVllm:
    """Routes of a vLLM server; `health` says what /health answers. Records every request."""

    def __init__(self, routes: dict[str, Route], *, health: int = 200) -> None:
        self.routes, self.health = routes, health
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/health":
            return httpx.Response(self.health)
        return self.routes[request.url.path](request)

    def engine(self, context_length: int = 4096) -> VllmServerEngine:
        return VllmServerEngine(
            "http://engine",
            "m",
            context_length=context_length,
            request_timeout_s=5,
            api_key=KEY,
            transport=httpx.MockTransport(self),
        )


async def test_a_completion_sends_our_key_model_and_structured_body() -> None:
    fake = FakeVllm({"/v1/chat/completions": _chat_ok})
    schema = {"type": "object"}
    done = await fake.engine().complete(ASK, schema=schema, sampling=ONE)
    assert (done.text, done.prompt_tokens, done.completion_tokens, done.finish_reason) == ('{"a":1}', 7, 3, "stop")
    [request] = fake.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.content)
    assert body["structured_outputs"] == {"json": schema} and body["model"] == "m" and body["max_tokens"] == 4


async def test_a_plain_prompt_goes_to_completions() -> None:
    fake = FakeVllm({"/v1/completions": lambda r: httpx.Response(200, json={"choices": [{"text": "x"}]})})
    done = await fake.engine().complete("hi", schema=None, sampling=ONE)
    assert done.text == "x" and done.prompt_tokens == 0


@pytest.mark.parametrize("health", [200, 503])
async def test_count_tokens_on_a_5xx_is_the_engines_failure_not_invalid_input(health: int) -> None:
    fake = FakeVllm({"/tokenize": lambda r: _error(500, "EngineCore died")}, health=health)
    with pytest.raises(ServiceError) as caught:
        await fake.engine().count_tokens(ASK)
    assert isinstance(caught.value, EngineUnavailable)  # the engine's failure, never invalid_input
    assert caught.value.refresh_worker == (health != 200)
    assert "HTTP 500" in str(caught.value)


async def test_count_tokens_reads_the_count_and_a_400_is_invalid_input() -> None:
    fake = FakeVllm({"/tokenize": lambda r: httpx.Response(200, json={"count": 42, "max_model_len": 4096})})
    assert await fake.engine().count_tokens(ASK) == 42
    bad = FakeVllm({"/tokenize": lambda r: _error(400, "messages: the last message must be from the user")})
    with pytest.raises(InvalidInput, match="the engine rejected the request"):
        await bad.engine().count_tokens(ASK)


@pytest.mark.parametrize(
    ("message", "prompt", "reserved", "context"),
    [
        (
            "This model's maximum context length is 4096 tokens. However, your prompt contains 5010 input tokens, "
            "which exceeds this limit even without any output tokens. Please reduce the length of the input prompt.",
            5010,
            None,
            4096,
        ),
        (
            "The decoder prompt (length 5010) is longer than the maximum model length of 2048. "
            "Make sure that `max_model_len` is no smaller than the number of text tokens.",
            5010,
            None,
            2048,
        ),
        (
            "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is "
            "4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778).",
            None,
            8000,
            4096,
        ),
        (
            "This model's maximum context length is 4096 tokens. However, your prompt contains 30000 characters "
            "(more than 16000 characters, which is the upper bound for 4000 input tokens).",
            None,
            None,
            4096,
        ),
    ],
)
async def test_a_context_overflow_reports_vllms_counts_and_invents_none(
    message: str, prompt: int | None, reserved: int | None, context: int
) -> None:
    fake = FakeVllm({"/v1/chat/completions": lambda r: _error(400, message)})
    with pytest.raises(InputTooLong) as caught:
        await fake.engine(context_length=999).complete(ASK, schema=None, sampling=ONE)
    assert (caught.value.prompt_tokens, caught.value.reserved_tokens, caught.value.context) == (
        prompt,
        reserved,
        context,
    )
    assert "-1" not in str(caught.value)
    assert f"context of {context} tokens" in str(caught.value)


async def test_another_400_is_invalid_input() -> None:
    fake = FakeVllm({"/v1/chat/completions": lambda r: _error(400, "grammar: unsupported keyword 'uniqueItems'")})
    with pytest.raises(InvalidInput, match="uniqueItems"):
        await fake.engine().complete(ASK, schema={"type": "array"}, sampling=ONE)


@pytest.mark.parametrize(("health", "refresh"), [(200, False), (503, True)])
async def test_a_5xx_on_completion_depends_on_health(health: int, refresh: bool) -> None:
    """Healthy: that request failed, the worker stays. Unhealthy: RunPod should replace the worker."""
    fake = FakeVllm({"/v1/chat/completions": lambda r: _error(500, "boom")}, health=health)
    with pytest.raises(EngineUnavailable) as caught:
        await fake.engine().complete(ASK, schema=None, sampling=ONE)
    assert caught.value.refresh_worker is refresh


async def test_an_engine_400_never_quotes_the_input_pydantic_echoed() -> None:
    message = "1 validation error: messages.0.content Input should be short [input_value='CANARY text', input_type=str]"
    fake = FakeVllm({"/v1/chat/completions": lambda r: _error(400, message)})
    with pytest.raises(InvalidInput) as caught:
        await fake.engine().complete(ASK, schema=None, sampling=ONE)
    assert "CANARY" not in str(caught.value) and "input_value=…" in str(caught.value)


async def test_a_foreign_server_that_rejects_our_key_is_engine_unavailable() -> None:
    fake = FakeVllm({"/v1/chat/completions": lambda r: httpx.Response(401, json={"error": "Unauthorized"})})
    with pytest.raises(EngineUnavailable, match="not the engine this worker started"):
        await fake.engine().complete(ASK, schema=None, sampling=ONE)


async def test_connect_reads_the_model_card_and_refuses_a_foreign_server() -> None:
    def models(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return httpx.Response(401, json={"error": "Unauthorized"})
        return httpx.Response(200, json={"data": [{"id": "served", "max_model_len": 2048}]})

    transport = httpx.MockTransport(models)
    engine = await VllmServerEngine.connect("http://e", request_timeout_s=5, api_key=KEY, transport=transport)
    assert (engine.model, engine.context_length) == ("served", 2048)
    with pytest.raises(EngineUnavailable, match="refused this worker's engine key"):
        await VllmServerEngine.connect("http://e", request_timeout_s=5, api_key="stale", transport=transport)


def _raising(error: Exception) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        raise error

    return route


async def test_a_refused_connection_is_engine_unavailable() -> None:
    fake = FakeVllm({"/v1/chat/completions": _raising(httpx.ConnectError("refused"))})
    with pytest.raises(EngineUnavailable, match="cannot reach the engine"):
        await fake.engine().complete(ASK, schema=None, sampling=ONE)
    with pytest.raises(EngineUnavailable, match="no vLLM server answers"):
        transport = httpx.MockTransport(_raising(httpx.ConnectError("refused")))
        await VllmServerEngine.connect("http://e", request_timeout_s=5, transport=transport)


@pytest.mark.parametrize(("health", "error"), [(200, JobTimeout), (503, EngineUnavailable)])
async def test_a_timeout_is_the_jobs_when_the_engine_is_healthy(health: int, error: type[ServiceError]) -> None:
    fake = FakeVllm({"/v1/chat/completions": _raising(httpx.ReadTimeout("slow"))}, health=health)
    with pytest.raises(error):
        await fake.engine().complete(ASK, schema=None, sampling=ONE)


async def test_a_dead_process_fails_the_call_before_any_request() -> None:
    import threading

    died = threading.Event()
    died.set()
    fake = FakeVllm({"/v1/chat/completions": _chat_ok})
    engine = VllmServerEngine(
        "http://e", "m", context_length=1, request_timeout_s=1, died=died, transport=httpx.MockTransport(fake)
    )
    with pytest.raises(EngineUnavailable, match="exited"):
        await engine.complete(ASK, schema=None, sampling=ONE)
    assert fake.requests == []


def test_error_bodies_of_every_shape_are_read() -> None:
    from worker.engine import _message_of

    bodies: list[Any] = [{"error": {"message": "a"}}, {"message": "a"}, {"error": "a"}, "a"]
    assert {_message_of(body) for body in bodies} == {"a"}


async def test_a_foreign_http_server_on_the_engines_address_stops_the_worker_with_a_clear_error() -> None:
    """A real server (not a mock) that says it is healthy but does not know our key, as another
    worker's vLLM would; connecting is where the worker finds out, before it takes any job."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Foreign(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 401)
            self.end_headers()
            self.wfile.write(b'{"error": "Unauthorized"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Foreign)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(EngineUnavailable) as caught:
            await VllmServerEngine.connect(url, request_timeout_s=5, api_key=KEY)
        assert str(caught.value).splitlines() == [str(caught.value)]
        assert "HTTP 401" in str(caught.value) and "not the engine this worker started" in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()
