"""Each structured-output backend vLLM offers, on every schema the worker sends (real engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.conformance import BACKENDS, Tally, markdown_table, measure_backend
from worker.config import StructuredBackend

from ..conftest import DEFAULT_BACKEND, cpu_settings

pytestmark = pytest.mark.engine
MEASURED: dict[str, dict[str, Tally]] = {}


@pytest.fixture(scope="module", autouse=True)
def print_table() -> Iterator[None]:
    yield
    print("\n" + markdown_table(MEASURED))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_backend_conformance(backend: StructuredBackend, smollm2_dir: Path) -> None:
    tallies = await measure_backend(cpu_settings(backend), model=smollm2_dir)
    MEASURED[backend] = tallies
    assert all(t.total > 0 for t in tallies.values())
    if backend == DEFAULT_BACKEND:
        # the guarantee: the backend we ship holds every schema, at t=0 and t=1
        assert {task: t.rate for task, t in tallies.items()} == {task: 1.0 for task in tallies}
