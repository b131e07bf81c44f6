"""The OpenAI route and the streaming handler, fast: the engine's HTTP answers come from an
httpx.MockTransport scripted per test (what vLLM answers is tested in tests/e2e/test_openai_e2e.py);
the schema checks run against the real llguidance, and the handlers through the real runpod SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import llguidance
import pytest
from pydantic import BaseModel
from runpod.serverless.modules.rp_handler import is_generator
from runpod.serverless.modules.rp_job import run_job, run_job_generator

from tests.scripted_engine import ScriptedEngine
from worker.config import Settings
from worker.engine import VllmServerEngine
from worker.errors import ServiceError
from worker.handler import JobHandler
from worker.json_schema_check import GUIDANCE_UNIMPLEMENTED, check_response_schema, guidance_unsupported_features
from worker.openai_request import DEFAULT_JSON_MAX_TOKENS
from worker.openai_route import OpenAIRoute
from worker.streaming import generator_handler, plain_handler

MODEL = "served-model"
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
BOUNDED = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "additionalProperties": False}
Reply = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Scripted HTTP answers of the engine, and the requests it received."""

    def __init__(self, reply: Reply, *, healthy: bool = True) -> None:
        self.reply = reply
        self.healthy = healthy
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200 if self.healthy else 503)
        self.requests.append(request)
        return self.reply(request)

    def body(self, index: int = -1) -> dict[str, Any]:
        return dict(json.loads(self.requests[index].content))


def route_for(server: FakeServer, backend: str = "guidance") -> OpenAIRoute:
    engine = VllmServerEngine(
        "http://engine",
        MODEL,
        context_length=4096,
        request_timeout_s=5,
        api_key="k",
        transport=httpx.MockTransport(server),
    )
    return OpenAIRoute(engine, backend=backend, max_input_bytes=1 << 20, job_timeout_s=30)


def chat_reply(content: str, finish: str = "stop") -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        return httpx.Response(200, json={"object": "chat.completion", "model": MODEL, "choices": [choice]})

    return reply


def sse_reply(pieces: list[str], finish: str = "stop", usage: int = 7) -> Reply:
    events = [{"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    events.append({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": usage}})
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return lambda request: httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})


def schema_chat(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "messages": [{"role": "user", "content": "Who?"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
        **extra,
    }
    return {"openai_route": "/v1/chat/completions", "openai_input": body}


async def plain(server: FakeServer, job_input: dict[str, Any], engine: ScriptedEngine | None = None) -> Any:
    handler = plain_handler(JobHandler(engine or ScriptedEngine([]), Settings()), route_for(server))
    return await handler({"id": "job-1", "input": job_input})


async def streamed(server: FakeServer, job_input: dict[str, Any], engine: ScriptedEngine | None = None) -> list[Any]:
    """The job through the runpod SDK's own generator runner: the list of outputs it collects."""
    handler = generator_handler(JobHandler(engine or ScriptedEngine([]), Settings()), route_for(server))
    return [part["output"] async for part in run_job_generator(handler, {"id": "job-1", "input": job_input})]


# --- schema checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"type": "object", "properties": {"x": {"type": "array", "uniqueItems": True}}},
            "response_format.json_schema.schema.properties.x.uniqueItems: not supported by the guidance backend",
        ),
        ({"type": "strin"}, "response_format.json_schema.schema.type: not a valid JSON Schema"),
        ({"$ref": "https://example.com/s.json"}, "response_format.json_schema.schema.$ref: only local references"),
        ({"type": "string", "pattern": "^(?=a)b$"}, "schema.pattern: look-around assertions are not supported"),
        ({"type": "string", "format": "no-such-format"}, "the guidance backend cannot compile it: Unknown format"),
        ({"anyOf": [{"type": "string"}, {"not": {"type": "null"}}]}, "schema.anyOf[1].not: not supported"),
    ],
)
async def test_a_schema_the_engine_cannot_enforce_is_refused_naming_the_part(
    schema: dict[str, Any], message: str
) -> None:
    server = FakeServer(chat_reply("{}"))
    output = await plain(server, schema_chat(schema))
    assert output["error"].startswith("invalid_input: ") and message in output["error"]
    assert server.requests == []  # refused before the engine saw it


@pytest.mark.parametrize("keyword", sorted(GUIDANCE_UNIMPLEMENTED))
def test_the_guidance_keyword_list_is_what_llguidance_refuses(keyword: str) -> None:
    schema = {"type": "array", "items": {"type": "string"}, keyword: {"type": "string"}}
    if keyword in ("uniqueItems",):
        schema[keyword] = True
    elif keyword in ("minContains", "maxContains"):
        schema.update({keyword: 1, "contains": {"type": "string"}})
    elif keyword == "dependentRequired":
        schema[keyword] = {"a": ["b"]}
    elif keyword == "dependentSchemas":
        schema[keyword] = {"a": {"required": ["b"]}}
    grammar = llguidance.LLMatcher.grammar_from_json_schema(json.dumps(schema))
    assert "Unimplemented keys" in (llguidance.LLMatcher.validate_grammar(grammar, None) or "")
    assert (f"response_format.json_schema.schema.{keyword}", "not supported by the guidance backend") in (
        guidance_unsupported_features(schema)
    )
    with pytest.raises(ServiceError, match="not supported by the guidance backend"):
        check_response_schema(schema, "guidance")


def test_xgrammar_refuses_what_it_would_not_enforce() -> None:
    two = {"allOf": [{"type": "object"}, {"required": ["a"]}]}
    with pytest.raises(ServiceError, match=r"schema.allOf: multi-branch allOf is not enforced by the xgrammar"):
        check_response_schema(two, "xgrammar")
    check_response_schema(two, "guidance")  # llguidance compiles and enforces it


# --- forwarding --------------------------------------------------------------------------------------


async def test_the_served_model_is_filled_in_and_the_engine_answer_returned_as_is() -> None:
    server = FakeServer(chat_reply("Hello"))
    job = {"openai_route": "/v1/chat/completions", "openai_input": {"messages": [{"role": "user", "content": "Hi"}]}}
    output = await plain(server, job)
    assert output["choices"][0]["message"]["content"] == "Hello"
    assert server.body()["model"] == MODEL
    assert server.requests[0].headers["authorization"] == "Bearer k"
    wrong = await plain(server, {**job, "openai_input": {**job["openai_input"], "model": "gpt-4o"}})
    assert wrong["error"].startswith("invalid_input: openai_input.model: 'gpt-4o' is not served here")


async def test_models_and_completions_routes_are_forwarded() -> None:
    server = FakeServer(lambda request: httpx.Response(200, json={"object": "list", "path": request.url.path}))
    assert (await plain(server, {"openai_route": "/v1/models"}))["path"] == "/v1/models"
    output = await plain(server, {"openai_route": "/v1/completions", "openai_input": {"prompt": "2+2="}})
    assert output["path"] == "/v1/completions" and server.body()["model"] == MODEL
    bad = await plain(server, {"openai_route": "/v1/embeddings", "openai_input": {}})
    assert bad["error"].startswith("invalid_input: openai_route: '/v1/embeddings' is not one of")


class Person(BaseModel):
    name: str
    tags: list[str]


@pytest.mark.parametrize(
    ("schema", "extra", "max_tokens"),
    [
        (Person.model_json_schema(), {}, DEFAULT_JSON_MAX_TOKENS),  # unbounded: the documented default
        (Person.model_json_schema(), {"max_tokens": 300}, 300),  # the request's own
        (Person.model_json_schema(), {"max_completion_tokens": 200}, None),  # kept as sent
        (BOUNDED, {}, 14),  # bounded: its worst case, `{"ok":false}` + EOS (schemas.bounds)
    ],
)
async def test_max_tokens_of_a_json_schema_chat(schema: dict[str, Any], extra: dict[str, Any], max_tokens: int) -> None:
    server = FakeServer(chat_reply('{"name":"A","tags":[]}' if "name" in json.dumps(schema) else '{"ok":true}'))
    output = await plain(server, schema_chat(schema, **extra))
    assert "error" not in output
    assert server.body().get("max_tokens") == max_tokens


@pytest.mark.parametrize(
    ("content", "finish", "error"),
    [
        ('{"name": "Ann", "age": 3', "length", "generation_incomplete: choices[0].message.content: the answer stopped"),
        ('{"name": "Ann"}', "stop", "invalid_output: choices[0].message.content: the answer breaks the schema"),
        ('{"name": "Ann", "age": "3"}', "stop", "invalid_output: choices[0].message.content.age: the answer breaks"),
        ("Ann, 3", "stop", "invalid_output: choices[0].message.content: the answer is not JSON"),
    ],
)
async def test_an_answer_is_complete_and_valid_or_an_error(content: str, finish: str, error: str) -> None:
    output = await plain(FakeServer(chat_reply(content, finish)), schema_chat(PERSON))
    assert output["error"].startswith(error)
    assert "Ann" not in output["error"]  # never the answer's text


async def test_a_valid_answer_is_returned() -> None:
    output = await plain(FakeServer(chat_reply('{"name":"Ann","age":3}')), schema_chat(PERSON))
    assert json.loads(output["choices"][0]["message"]["content"]) == {"name": "Ann", "age": 3}


def _status(status: int, message: str) -> Reply:
    return lambda request: httpx.Response(status, json={"error": {"message": message, "code": status}})


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


@pytest.mark.parametrize(
    ("server", "error", "refresh"),
    [
        (FakeServer(_status(400, "bad temperature, input_value='secret'")), "invalid_input: openai_input: ", False),
        (
            FakeServer(_status(400, "This model's maximum context length is 4096 tokens. However, you requested 5000")),
            "input_too_long: ",
            False,
        ),
        (FakeServer(_status(500, "boom")), "engine_unavailable: the engine failed on this request", False),
        (FakeServer(_status(500, "boom"), healthy=False), "engine_unavailable: the engine failed (HTTP 500)", True),
        (FakeServer(_refuse), "engine_unavailable: cannot reach the engine", True),
    ],
)
async def test_engine_failures_become_coded_errors(server: FakeServer, error: str, refresh: bool) -> None:
    output = await plain(server, {"openai_route": "/v1/completions", "openai_input": {"prompt": "x"}})
    assert output["error"].startswith(error)
    assert "secret" not in output["error"]
    assert output.get("refresh_worker", False) is refresh


# --- the two handlers ---------------------------------------------------------------------------------


async def test_the_default_handler_is_plain_and_keeps_the_raw_calls_dict() -> None:
    handler = plain_handler(JobHandler(ScriptedEngine(["4"]), Settings()), route_for(FakeServer(chat_reply(""))))
    assert not is_generator(handler)
    result = await run_job(handler, {"id": "j", "input": {"prompt": "2+2?", "stream": True}})  # answered whole
    assert result == {"output": {"text": "4", "tokens_generated": 1, "status": "success"}}
    sse = await plain(FakeServer(chat_reply("")), {"openai_route": "/v1/completions", "openai_input": {"stream": True}})
    assert sse["error"].startswith("invalid_input: openai_input.stream: streaming needs the worker's generator")


async def test_the_generator_handler_yields_one_item_for_a_job_that_does_not_stream() -> None:
    job = {"prompt": "2+2?", "max_tokens": 5}
    outputs = await streamed(FakeServer(chat_reply("")), job, ScriptedEngine(["4"]))
    assert outputs == [{"text": "4", "tokens_generated": 1, "status": "success"}]
    failed = await streamed(FakeServer(chat_reply("")), {"prompt": ""})
    assert len(failed) == 1 and failed[0]["error"].startswith("invalid_input: prompt")


async def test_a_streamed_generate_yields_deltas_then_the_whole_answer() -> None:
    server = FakeServer(sse_reply(["The", " answer", " is", " 4", "."], usage=5))
    outputs = await streamed(server, {"prompt": "2+2?", "stream": True, "temperature": 0}, ScriptedEngine([]))
    *deltas, final = outputs
    assert [d["delta"] for d in deltas] == ["The", " answer is 4", "."]  # batches of 1, 3, then the rest
    assert final == {"text": "The answer is 4.", "tokens_generated": 5, "status": "success"}
    assert server.body()["stream"] is True and server.body()["temperature"] == 0


async def test_a_streamed_chat_yields_sse_batches_ending_with_done() -> None:
    server = FakeServer(sse_reply(['{"name":', '"Ann",', '"age":3}']))
    outputs = await streamed(server, schema_chat(PERSON, stream=True))
    assert all(isinstance(batch, str) for batch in outputs)
    events = [line.removeprefix("data: ") for line in "".join(outputs).split("\n\n") if line]
    assert events[-1] == "[DONE]"
    content = "".join(
        c["delta"].get("content") or "" for e in events[:-1] for c in json.loads(e)["choices"] if "delta" in c
    )
    assert json.loads(content) == {"name": "Ann", "age": 3}


@pytest.mark.parametrize(
    ("pieces", "finish", "error"),
    [(['{"name":', '"Ann"}'], "stop", "invalid_output: "), (['{"name":', '"Ann"'], "length", "generation_incomplete")],
)
async def test_a_streamed_json_schema_chat_is_validated_at_the_end(pieces: list[str], finish: str, error: str) -> None:
    outputs = await streamed(FakeServer(sse_reply(pieces, finish)), schema_chat(PERSON, stream=True))
    *batches, last = outputs
    assert last["error"].startswith(error)
    assert "[DONE]" not in "".join(batches)
