"""Each structured-output backend vLLM offers, on every schema the worker sends (real engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.conformance import BACKENDS, Tally, markdown_table, measure_server
from worker.config import StructuredBackend

from ..conftest import DEFAULT_BACKEND, cpu_settings, running_server

pytestmark = pytest.mark.engine
MEASURED: dict[str, dict[str, Tally]] = {}


@pytest.fixture(scope="module", autouse=True)
def print_table() -> Iterator[None]:
    yield
    print("\n" + markdown_table(MEASURED))


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_conformance(backend: StructuredBackend, smollm2_dir: Path) -> None:
    with running_server(cpu_settings(backend), smollm2_dir) as process:
        tallies = measure_server(process.base_url, process.died)
    MEASURED[backend] = tallies
    assert all(t.total > 0 for t in tallies.values())
    if backend == DEFAULT_BACKEND:
        # the guarantee: the backend we ship holds every schema, at t=0 and t=1
        assert {task: t.rate for task, t in tallies.items()} == {task: 1.0 for task in tallies}
