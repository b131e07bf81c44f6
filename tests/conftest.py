"""Shared fixtures: the real vLLM engine on CPU with the real SmolLM2 model, started once.

Engines are expensive (20–40 s each on 2 cores), so one server per backend per test session. Every
engine here goes through the worker's own lifecycle (`worker.runtime.engine_runtime`): its own free
port, its own key, stopped on exit.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from worker.config import Settings, StructuredBackend
from worker.engine import VllmServerEngine
from worker.runtime import Runtime, engine_runtime
from worker.supervisor import EngineProcess, free_port
from worker.weights import prepare

DEFAULT_BACKEND: StructuredBackend = Settings.model_fields["structured_outputs_backend"].default

__all__ = ["DEFAULT_BACKEND", "cpu_settings", "free_port", "running_runtime"]

# Suites that need no engine but take minutes on 2 cores; `make test` runs them, the inner loop
# `pytest -m "not engine and not e2e and not slow"` does not. Why each is slow:
SLOW_SUITES = {
    "tests/grammars/": "grammar libraries compile our schemas against Qwen's 151k-token vocabulary",
    "tests/test_wire_properties.py": "hypothesis draws hundreds of wire documents per model",
    "tests/test_decoding_rules.py": "hypothesis draws decoding instances and measures their tokens",
    "tests/evals/test_ocr.py": "runs Tesseract and RapidOCR on rendered pages",
    "tests/test_image_deps.py": "pip resolves the image's dependencies",
    "tests/evals/test_folder.py": "renders, degrades and OCRs a folder of documents end to end",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if any(where.startswith(suite) for suite in SLOW_SUITES):
            item.add_marker(pytest.mark.slow)


def cpu_settings(backend: StructuredBackend = DEFAULT_BACKEND, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "model_preset": "smollm2-135m",
        "structured_outputs_backend": backend,
        "max_model_len": 4096,
        "cpu_kvcache_space_gib": 1,
        "max_num_seqs": 64,
        "engine_start_timeout_s": 300,
        "engine_request_timeout_s": 120,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    return prepare("smollm2-135m", Settings().model_cache_dir)


@contextmanager
def running_runtime(settings: Settings, model: str | Path, *, warm: bool = False) -> Iterator[Runtime]:
    """`engine_runtime` for synchronous tests: entered and exited in one private event loop."""
    loop = asyncio.new_event_loop()
    manager = engine_runtime(settings, model=model, warm=warm)
    try:
        runtime = loop.run_until_complete(manager.__aenter__())
        try:
            yield runtime
        except BaseException:
            if not loop.run_until_complete(manager.__aexit__(*sys.exc_info())):
                raise
        else:
            loop.run_until_complete(manager.__aexit__(None, None, None))
    finally:
        loop.close()


@pytest.fixture(scope="session")
async def cpu_runtime(smollm2_dir: Path) -> AsyncIterator[Runtime]:
    """The default backend's engine, shared by every test that needs one (session event loop)."""
    async with engine_runtime(cpu_settings(), model=smollm2_dir, warm=False) as runtime:
        yield runtime


@pytest.fixture(scope="session")
def cpu_server(cpu_runtime: Runtime) -> EngineProcess:
    assert cpu_runtime.process is not None
    return cpu_runtime.process


@pytest.fixture
def cpu_engine(cpu_runtime: Runtime) -> VllmServerEngine:
    return cpu_runtime.engine
