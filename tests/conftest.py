"""Shared fixtures: the real vLLM engine on CPU with the real SmolLM2 model, started once.

Engines are expensive (20–40 s each on 2 cores), so one server per backend per test session.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from worker.config import Settings, StructuredBackend
from worker.engine import VllmServerEngine
from worker.models import prepare
from worker.supervisor import EngineProcess

DEFAULT_BACKEND: StructuredBackend = Settings.model_fields["structured_outputs_backend"].default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_settings(backend: StructuredBackend = DEFAULT_BACKEND, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "model_preset": "smollm2-135m",
        "structured_outputs_backend": backend,
        "engine_port": free_port(),
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
def running_server(settings: Settings, model: Path) -> Iterator[EngineProcess]:
    process = EngineProcess(settings, model)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def cpu_server(smollm2_dir: Path) -> Iterator[EngineProcess]:
    """The default backend's server, shared by every test that needs the engine."""
    with running_server(cpu_settings(), smollm2_dir) as process:
        yield process


@pytest.fixture
async def cpu_engine(cpu_server: EngineProcess) -> AsyncIterator[VllmServerEngine]:
    engine = await VllmServerEngine.connect(cpu_server.base_url, request_timeout_s=120, died=cpu_server.died)
    yield engine
    await engine.close()
