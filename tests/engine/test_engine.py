"""The engine seam against the real vLLM on CPU with the real SmolLM2 model."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from evals.prometheus import metric_total
from schemas.decoding import AnalyzeDecoding, MergeDecoding
from schemas.narrowing import narrow_analyze, narrow_merge
from worker.engine import Completion, Engine, Messages, Sampling, VllmServerEngine
from worker.errors import EngineUnavailable, GenerationIncomplete, InputTooLong
from worker.runtime import engine_runtime
from worker.structured import generate_structured
from worker.supervisor import EngineProcess, EngineStartError

from ..conftest import cpu_settings

pytestmark = pytest.mark.engine
ASK = [{"role": "user", "content": "Report problems in this OCR: w1|Totl|50|90 w2|12.0O|80|90"}]


async def test_plain_chat_answers(cpu_engine: VllmServerEngine) -> None:
    done = await cpu_engine.complete(
        [{"role": "user", "content": "What is 2+2?"}], schema=None, sampling=Sampling(max_tokens=20)
    )
    assert done.text.strip()
    assert done.prompt_tokens > 0
    assert 0 < done.completion_tokens <= 20


async def test_structured_answer_validates_and_cites_only_request_ids(cpu_engine: VllmServerEngine) -> None:
    schema = narrow_analyze(["total", "date"], ["w1", "w2"])
    answer = await generate_structured(cpu_engine, ASK, schema, AnalyzeDecoding, temperature=1.0)
    assert answer.completion.finish_reason == "stop"
    for issue in answer.value.issues:
        assert issue.field in (None, "total", "date")
        assert set(issue.words) <= {"w1", "w2"}


async def test_merge_choice_is_a_candidate(cpu_engine: VllmServerEngine) -> None:
    schema = narrow_merge([("total", ["12.00", "12.0O"]), ("date", ["2024-01-02", "2024-01-08"])])
    messages: Messages = [{"role": "user", "content": "Pick the right value of each field."}]
    answer = await generate_structured(cpu_engine, messages, schema, MergeDecoding)
    assert [c.field for c in answer.value.fields] == ["total", "date"]
    assert answer.value.fields[0].value in ("12.00", "12.0O", None)


async def test_prompt_too_long_is_refused_before_generation(cpu_engine: VllmServerEngine) -> None:
    prompt = [{"role": "user", "content": "word " * 5000}]
    with pytest.raises(InputTooLong) as caught:
        await generate_structured(cpu_engine, prompt, narrow_analyze(["a"], ["w1"]), AnalyzeDecoding)
    assert caught.value.context == cpu_engine.context_length
    assert caught.value.prompt_tokens is not None and caught.value.prompt_tokens > 5000
    assert "exceed the model's context of 4096 tokens" in str(caught.value)


class CappedEngine:
    """The real engine, with every request's max_tokens capped: forces real truncation."""

    def __init__(self, inner: VllmServerEngine, cap: int) -> None:
        self.inner, self.cap = inner, cap
        self.model, self.context_length = inner.model, inner.context_length

    async def count_tokens(self, prompt: Messages | str) -> int:
        return await self.inner.count_tokens(prompt)

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, object] | None, sampling: Sampling
    ) -> Completion:
        capped = Sampling(max_tokens=min(self.cap, sampling.max_tokens), temperature=sampling.temperature)
        return await self.inner.complete(prompt, schema=schema, sampling=capped)

    async def close(self) -> None:
        await self.inner.close()


async def test_length_finish_is_an_error_not_a_result(cpu_engine: VllmServerEngine) -> None:
    capped: Engine = CappedEngine(cpu_engine, cap=3)
    with pytest.raises(GenerationIncomplete, match="max_tokens"):
        await generate_structured(capped, ASK, narrow_analyze(["total"], ["w1"]), AnalyzeDecoding)


def test_bad_model_fails_fast_with_vllm_log(tmp_path: Path) -> None:
    started = time.monotonic()
    process = EngineProcess(cpu_settings(), tmp_path / "no-such-model")
    with pytest.raises(EngineStartError) as caught:
        process.start()
    assert time.monotonic() - started < 120
    assert "exited during start-up" in str(caught.value)
    assert len(str(caught.value).splitlines()) > 3  # vLLM's own last lines are attached


async def test_hung_then_dead_engine_fails_waiting_jobs_quickly(smollm2_dir: Path) -> None:
    settings = cpu_settings(engine_request_timeout_s=4)
    async with engine_runtime(settings, model=smollm2_dir, warm=False) as runtime:
        engine, process = runtime.engine, runtime.process
        assert process is not None and process.pid is not None
        long = Sampling(max_tokens=3000, temperature=1.0)
        talk = [{"role": "user", "content": "Tell a very long story."}]
        pgid = process.pid
        # hung: the process is alive but answers nothing → timeout, failed health check
        os.killpg(pgid, signal.SIGSTOP)
        try:
            with pytest.raises(EngineUnavailable, match="stopped answering"):
                await engine.complete(talk, schema=None, sampling=long)
        finally:
            os.killpg(pgid, signal.SIGCONT)
        # dead: every waiting job gets the error within about a second of the exit
        jobs = [asyncio.create_task(engine.complete(talk, schema=None, sampling=long)) for _ in range(4)]
        await asyncio.sleep(1.0)
        killed = time.monotonic()
        os.killpg(pgid, signal.SIGKILL)
        results = await asyncio.gather(*jobs, return_exceptions=True)
        assert time.monotonic() - killed < 5
        assert all(isinstance(r, EngineUnavailable) for r in results), results
        assert await asyncio.to_thread(process.died.wait, 2.0)  # the child's exit itself was seen


async def test_the_real_server_lets_in_only_its_own_key(cpu_server: EngineProcess) -> None:
    for wrong in ("not-the-key", None):
        with pytest.raises(EngineUnavailable, match="not the engine this worker started"):
            await VllmServerEngine.connect(cpu_server.base_url, request_timeout_s=10, api_key=wrong)
    ours = await VllmServerEngine.connect(cpu_server.base_url, request_timeout_s=30, api_key=cpu_server.api_key)
    assert ours.model == "smollm2-135m"
    # what vLLM leaves open (its key guards /v1/* only): health, tokenize and metrics
    async with httpx.AsyncClient(base_url=cpu_server.base_url) as http:
        assert (await http.get("/health")).status_code == 200
        assert (await http.post("/tokenize", json={"model": ours.model, "prompt": "hi"})).status_code == 200
        assert (await http.get("/v1/models")).status_code == 401
    await ours.close()


def _running_requests(metrics: str) -> float:
    return metric_total(metrics, "vllm:num_requests_running") or 0.0


async def test_cancelling_a_job_aborts_its_generation(cpu_engine: VllmServerEngine) -> None:
    talk = [{"role": "user", "content": "Write a very long story about a lighthouse."}]
    job = asyncio.create_task(cpu_engine.complete(talk, schema=None, sampling=Sampling(max_tokens=3000, temperature=1)))
    async with httpx.AsyncClient(base_url=cpu_engine.base_url) as http:
        for _ in range(50):  # wait until vLLM is generating it
            await asyncio.sleep(0.1)
            if _running_requests((await http.get("/metrics")).text) >= 1:
                break
        assert _running_requests((await http.get("/metrics")).text) >= 1
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        deadline = time.monotonic() + 10
        while _running_requests((await http.get("/metrics")).text) > 0:
            assert time.monotonic() < deadline, "vLLM kept generating a cancelled job"
            await asyncio.sleep(0.2)
