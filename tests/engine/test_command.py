"""The supervised server's command line and the structured request body (no engine started)."""

from __future__ import annotations

import json

import pytest

from worker.config import Settings
from worker.engine import structured_outputs_body
from worker.supervisor import vllm_server_command

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "additionalProperties": False}


def _flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_command_pins_backend_and_compact_whitespace() -> None:
    settings = Settings(model_preset="smollm2-135m", structured_outputs_backend="xgrammar")
    cmd = vllm_server_command(settings, "/models/x", port=9999)
    assert json.loads(_flag(cmd, "--structured-outputs-config")) == {
        "backend": "xgrammar",
        "disable_any_whitespace": True,
    }
    assert _flag(cmd, "--host") == "127.0.0.1"
    assert _flag(cmd, "--port") == "9999"
    assert _flag(cmd, "--model") == "/models/x"


def test_outlines_backend_gets_no_whitespace_flag() -> None:
    # vLLM's config validator rejects disable_any_whitespace for outlines
    settings = Settings(model_preset="smollm2-135m", structured_outputs_backend="outlines")
    cmd = vllm_server_command(settings, "m", port=1)
    assert json.loads(_flag(cmd, "--structured-outputs-config")) == {"backend": "outlines"}


def test_the_key_is_never_on_the_command_line() -> None:
    cmd = vllm_server_command(Settings(model_preset="smollm2-135m"), "m", port=1)
    assert "--api-key" not in cmd  # it travels as VLLM_API_KEY: `ps` and our start log show the command


def test_structured_body_is_outlines_shape_and_never_guided() -> None:
    body = structured_outputs_body(SCHEMA)
    assert body == {"structured_outputs": {"json": SCHEMA}}  # what outlines 1.3.3's VLLMTypeAdapter emits
    assert not any(key.startswith("guided") for key in json.dumps(body).split('"'))


@pytest.mark.slow  # importing outlines takes seconds; the literal shape above is the fast check
def test_structured_body_equals_outlines_adapter() -> None:
    from outlines.models.vllm import VLLMTypeAdapter
    from outlines.types import JsonSchema

    assert structured_outputs_body(SCHEMA) == VLLMTypeAdapter().format_output_type(JsonSchema(json.dumps(SCHEMA)))


@pytest.mark.engine  # no server, but importing vLLM's request models takes ≈20 s on 2 cores
@pytest.mark.parametrize("route", ["chat", "completion"])
def test_vllm_request_model_reads_the_body_as_a_json_schema(route: str) -> None:
    from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
    from vllm.entrypoints.openai.completion.protocol import CompletionRequest

    body = {"model": "m", **structured_outputs_body(SCHEMA)}
    request: ChatCompletionRequest | CompletionRequest = (
        ChatCompletionRequest.model_validate({**body, "messages": [{"role": "user", "content": "x"}]})
        if route == "chat"
        else CompletionRequest.model_validate({**body, "prompt": "x"})
    )
    assert request.structured_outputs is not None
    assert request.structured_outputs.json == SCHEMA
    assert request.structured_outputs.regex is None and request.structured_outputs.grammar is None
