"""The supervised server's command line and the structured request body (no engine needed)."""

from __future__ import annotations

import json

from worker.config import Settings
from worker.engine import structured_outputs_body
from worker.supervisor import vllm_server_command


def _flag(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_command_pins_backend_and_compact_whitespace() -> None:
    settings = Settings(model_preset="smollm2-135m", structured_outputs_backend="xgrammar", engine_port=9999)
    cmd = vllm_server_command(settings, "/models/x")
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
    cmd = vllm_server_command(settings, "m")
    assert json.loads(_flag(cmd, "--structured-outputs-config")) == {"backend": "outlines"}


def test_gpu_preset_passes_quantization() -> None:
    settings = Settings(model_preset="qwen2.5-32b-awq")
    cmd = vllm_server_command(settings, settings.preset.model)
    assert _flag(cmd, "--quantization") == "awq"
    assert _flag(cmd, "--served-model-name") == "Qwen/Qwen2.5-32B-Instruct-AWQ"


def test_structured_body_uses_current_field_never_guided() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}
    body = structured_outputs_body(schema)
    assert body == {"structured_outputs": {"json": schema}}
    assert not any(key.startswith("guided") for key in json.dumps(body).split('"'))
