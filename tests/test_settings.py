"""Settings as users write them, and their mapping to the vLLM command (pure; no engine)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from worker import config
from worker.config import PRESETS, Settings, SettingsError, cpu_has_native_bf16, load_settings, settings_markdown
from worker.supervisor import EngineProcess, EngineStartError, ensure_port_free, vllm_server_args

HUB_7B = "Qwen/Qwen2.5-7B-Instruct"


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def _args(**values: object) -> dict[str, str | None]:
    """The vLLM flags as {flag: value}, a bare flag's value None."""
    args = vllm_server_args(load_settings(**values), "MODEL", 1234)
    flags: dict[str, str | None] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            following = args[i + 1] if i + 1 < len(args) else "--"
            flags[arg] = None if following.startswith("--") else following
    return flags


def test_model_name_alone_serves_any_model_with_its_own_context_and_quantization() -> None:
    # the GPU preset's AWQ and 16k context must not leak onto another model (vLLM refused it)
    flags = _args(model_preset="qwen2.5-32b-awq", model_name=HUB_7B)
    assert "--quantization" not in flags
    assert "--max-model-len" not in flags  # vLLM takes the model's own
    assert flags["--served-model-name"] == HUB_7B


def test_the_preset_model_gets_the_preset_context_but_no_forced_quantization() -> None:
    # vLLM reads AWQ from the model's config (and picks its faster Marlin kernels itself)
    flags = _args(model_preset="qwen2.5-32b-awq")
    assert flags["--max-model-len"] == str(PRESETS["qwen2.5-32b-awq"].max_model_len)
    assert flags["--served-model-name"] == "Qwen/Qwen2.5-32B-Instruct-AWQ"
    assert "--quantization" not in flags


def test_baked_weights_of_the_preset_model_keep_the_preset() -> None:
    # the image bakes MODEL_NAME=/models/<hub id>: still the preset's model
    flags = _args(model_preset="qwen2.5-32b-awq", model_name="/models/Qwen/Qwen2.5-32B-Instruct-AWQ")
    assert flags["--max-model-len"] == "16384"
    assert flags["--served-model-name"] == "Qwen/Qwen2.5-32B-Instruct-AWQ"


def test_explicit_settings_are_passed_through() -> None:
    flags = _args(model_name=HUB_7B, quantization="fp8", max_model_len=8192, model_revision="abc123")
    assert flags["--quantization"] == "fp8"
    assert flags["--max-model-len"] == "8192"
    assert flags["--revision"] == "abc123"
    assert flags["--model"] == "MODEL" and flags["--port"] == "1234"


def test_cpu_build_gets_eager_and_no_gpu_flags() -> None:
    flags = _args(model_preset="smollm2-135m")
    assert "--enforce-eager" in flags and flags["--enforce-eager"] is None
    assert "--gpu-memory-utilization" not in flags and "--tensor-parallel-size" not in flags
    assert "--revision" not in flags


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"model_preset": "qwen9-1t"}, "MODEL_PRESET"),
        ({"engine_url": "http://x:8000", "engine_port": 8011}, "ENGINE_PORT"),
        ({"engine_api_key": "k"}, "ENGINE_API_KEY"),
        ({"tensor_parallel_size": 2}, "TENSOR_PARALLEL_SIZE"),  # this machine runs vLLM's CPU build
        ({"model_preset": "smollm2-135m", "model_revision": "v1"}, "MODEL_REVISION"),
        ({"engine_port": 0}, "ENGINE_PORT"),
    ],
)
def test_contradictory_settings_fail_in_one_line_naming_the_variable(values: dict[str, object], variable: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**values)
    message = str(caught.value)
    assert variable in message
    assert "\n" not in message


def test_settings_error_does_not_echo_values() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(engine_api_key="secret-key-value")
    assert "secret-key-value" not in str(caught.value)


def test_engine_port_defaults_to_a_free_port_per_start() -> None:
    settings = load_settings(model_preset="smollm2-135m")
    assert settings.engine_port is None
    first, second = EngineProcess(settings, "m"), EngineProcess(settings, "m")
    assert first.port != second.port or first.api_key != second.api_key
    assert first.api_key != second.api_key and len(first.api_key) >= 32
    assert first.base_url == f"http://127.0.0.1:{first.port}"


def test_a_taken_engine_port_fails_at_start_with_a_clear_line() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(EngineStartError, match=f"ENGINE_PORT={port} is taken"):
            ensure_port_free(port)
        process = EngineProcess(load_settings(model_preset="smollm2-135m", engine_port=port), "m")
        with pytest.raises(EngineStartError, match="is taken"):
            process.start()  # fails before any vLLM process is spawned
        assert process.pid is None


def test_settings_table_lists_every_variable() -> None:
    table = settings_markdown()
    for name in ("MODEL_NAME", "MODEL_REVISION", "ENGINE_PORT", "ENGINE_API_KEY", "QUANTIZATION"):
        assert f"`{name}`" in table


@pytest.mark.parametrize(
    ("cpuinfo", "native"),
    [
        ("processor\t: 0\nflags\t\t: fpu sse avx2 fma\n", False),  # AVX2 only: bf16 is emulated
        ("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n", True),
        ("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16 amx_tile\n", True),
        ("", False),
    ],
)
def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path, cpuinfo: str, native: bool) -> None:
    (tmp_path / "cpuinfo").write_text(cpuinfo)
    assert cpu_has_native_bf16(tmp_path / "cpuinfo") is native
    assert cpu_has_native_bf16(tmp_path / "missing") is False


def test_dtype_is_float32_on_a_cpu_that_emulates_bf16_and_the_models_own_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for on_cpu, native, expected in ((True, False, "float32"), (True, True, None), (False, False, None)):
        monkeypatch.setattr(config, "running_on_cpu_build", lambda on_cpu=on_cpu: on_cpu)
        monkeypatch.setattr(config, "cpu_has_native_bf16", lambda native=native: native)
        assert _args().get("--dtype", "unset") == (expected or "unset")
    assert _args(dtype="bfloat16")["--dtype"] == "bfloat16"  # DTYPE wins
