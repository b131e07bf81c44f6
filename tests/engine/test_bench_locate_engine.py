"""`python -m evals.bench locate` against the session's real vLLM on CPU: one round on one invoice."""

from __future__ import annotations

import math

import pytest

from evals.bench_locate import ENGINE_STEPS, SHARED, locate_figures, real_page, table
from worker.runtime import Runtime

from ..conftest import cpu_settings

pytestmark = pytest.mark.engine


async def test_one_round_gives_positive_figures_whose_shares_sum_to_one(cpu_runtime: Runtime) -> None:
    page = real_page(seed=128, stack=1, fields=9)
    figures = await locate_figures(cpu_runtime.engine, cpu_settings(), page, rounds=1)
    hints = figures["hints only"]
    assert hints.rows["llm calls"] >= 1  # no value given: the model must place the fields
    for name in ("whole job", "prompt tokens", "completion tokens", "validation", "prompt rendering", *ENGINE_STEPS):
        assert hints.rows[name] > 0, name
    assert hints.rows["ms per output token"] > 0
    for case in figures.values():
        assert list(case.shares) == list(SHARED)
        assert math.fsum(share for _, share in case.shares.values()) == pytest.approx(1.0)
        assert all(ms >= 0 for ms, _ in case.shares.values())
    assert hints.vllm["time_to_first_token_seconds"][1] >= 5  # the job's call and the four pieces
    assert "| decoding |" in table(page, figures, rounds=1)
