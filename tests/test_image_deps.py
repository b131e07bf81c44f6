"""The image's dependency layer, resolved without Docker: `.[gpu]` against the base image's packages.

The Dockerfile installs `.[gpu]` with the base image's own packages as constraints, so a dependency
that needs another vllm, torch, fastapi… makes `docker build` fail. These tests find that first: uv
resolves `.[gpu]` for the image's Python and platform (docker/base-packages.txt says which) with the
recorded base packages as constraints. uv rather than `pip --dry-run --python-version`: pip still
evaluates environment markers with the interpreter it runs on, so it resolves the wrong tree.

They need PyPI. They skip only where PyPI is unreachable, and fail instead when CI is set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE_PACKAGES = ROOT / "docker" / "base-packages.txt"
PYPI = "https://pypi.org/simple"
UV = Path(sys.executable).parent / "uv"


def header(field: str) -> str:
    match = re.search(rf"^# {field}: (.+)$", BASE_PACKAGES.read_text(), re.MULTILINE)
    assert match is not None, f"docker/base-packages.txt has no '# {field}:' line"
    return match.group(1).strip()


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """`name==version` lines → {normalized name: version without a local label}."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;+]+)", line)
        if match:
            found[normalized(match.group(1))] = match.group(2)
    return found


def require_pypi() -> None:
    try:
        httpx.head(f"{PYPI}/vllm/", timeout=15, follow_redirects=True).raise_for_status()
    except httpx.HTTPError as exc:
        message = f"PyPI ({PYPI}) is unreachable, so the image's dependency resolution cannot run: {exc!r}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: this test must run there)")
        pytest.skip(message + " (offline only; in CI this fails)")


def resolve(requirements: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`uv pip compile` of `requirements` for the base image's Python and platform, base pinned."""
    require_pypi()
    assert UV.exists(), f"{UV} is missing: install the dev extra (uv is a dev dependency)"
    requirements_in = tmp_path / "requirements.in"
    requirements_in.write_text("\n".join(requirements) + "\n")
    command = [
        str(UV), "pip", "compile", "--no-config", "--no-header", "--no-annotate", "--quiet",
        "--python-version", header("python"), "--python-platform", header("platform"),
        "--only-binary", ":all:", "--index-url", PYPI, "-c", str(BASE_PACKAGES), str(requirements_in),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}  # nothing of the caller's uv setup
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=env, check=False)


def test_the_recorded_base_is_the_dockerfiles() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert base is not None and header("base") == base.group(1), "run docker/refresh-base-packages.sh"
    assert re.fullmatch(r"3\.\d+", header("python"))
    assert header("method")
    recorded = pins(BASE_PACKAGES.read_text())
    assert recorded["vllm"] == base.group(1).rsplit(":v", 1)[1]
    assert {"torch", "fastapi", "transformers", "pydantic"} <= set(recorded)


@pytest.mark.timeout(300)
def test_gpu_extra_installs_beside_the_base_image_unchanged(tmp_path: Path) -> None:
    result = resolve([f"qwen-llm-service[gpu] @ {ROOT.as_uri()}"], tmp_path)
    assert result.returncode == 0, (
        "`.[gpu]` cannot be installed without changing a package of the base image "
        f"({header('base')}); uv explains the conflict:\n{result.stderr}"
    )
    resolved, base = pins(result.stdout), pins(BASE_PACKAGES.read_text())
    changed = {name: (old, resolved[name]) for name, old in base.items() if resolved.get(name, old) != old}
    assert not changed, f"base packages that would change (base, resolved): {changed}"
    assert "runpod" in resolved and resolved["vllm"] == base["vllm"]


@pytest.mark.timeout(300)
def test_a_dependency_that_would_replace_a_base_package_is_reported(tmp_path: Path) -> None:
    # runpod 1.10.1 needs fastapi>=0.138.1; vLLM 0.32 (and so the image) has fastapi 0.136.3
    result = resolve(["vllm==0.32.0", "runpod==1.10.1"], tmp_path)
    assert result.returncode != 0
    assert "fastapi" in result.stderr and "runpod" in result.stderr
