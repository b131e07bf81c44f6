"""The handler's envelope and failure paths, through the scripted engine (no vLLM; fast tier)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from schemas.errors import ErrorCode
from worker.config import Settings
from worker.engine import Completion, Engine
from worker.errors import EngineUnavailable, InputTooLong, JobTimeout
from worker.handler import JobHandler

from .scripted_engine import ScriptedEngine, scripted_token_count

GENERATE = {"prompt": "What is 2+2?", "max_tokens": 16, "temperature": 0}
MERGE = {
    "task": "merge",
    "passes": [
        {"source": "tesseract", "fields": [{"name": "total", "value": "12.00"}]},
        {"source": "rapidocr", "fields": [{"name": "total", "value": "47.50"}]},
    ],
}


def _settings(**values: Any) -> Settings:
    return Settings(model_preset="smollm2-135m", **values)


async def _run(engine: Engine, job_input: Any, **settings: Any) -> dict[str, Any]:
    return await JobHandler(engine, _settings(**settings))({"id": "job-1", "input": job_input})


def _code(answer: dict[str, Any]) -> str:
    return str(answer["error"]).split(":", 1)[0]


def test_the_scripted_engine_is_an_engine() -> None:
    engine: Engine = ScriptedEngine()  # mypy checks the protocol; this checks the attributes exist
    assert engine.model and engine.context_length > 0


async def test_generate_answers_the_first_versions_three_keys() -> None:
    engine = ScriptedEngine(["4"])
    answer = await _run(engine, GENERATE)
    assert answer == {"text": "4", "tokens_generated": scripted_token_count("4"), "status": "success"}
    [call] = engine.calls
    assert call.schema is None and call.sampling.max_tokens == 16
    assert engine.counted == [call.prompt]  # the prompt was measured against the context first


async def test_a_structured_task_answers_in_its_envelope_with_usage_and_model() -> None:
    engine = ScriptedEngine(['{"fields":[{"field":"total","value":"12.00"}]}'], model="scripted-7b")
    answer = await _run(engine, MERGE)
    assert "error" not in answer, answer
    assert answer["model"] == "scripted-7b"
    assert answer["usage"]["llm_calls"] == 1
    assert answer["usage"]["prompt_tokens"] == scripted_token_count(engine.calls[0].prompt)
    assert set(answer["timings_ms"]) >= {"total", "llm"}
    [field] = answer["result"]["fields"]
    assert field["name"] == "total" and field["value"] == "12.00" and field["method"] == "llm"
    assert engine.calls[0].schema is not None  # the merge answer was decoded under a grammar


@pytest.mark.parametrize(
    ("reply", "what"),
    [
        ('{"fields":[{"field":"total","value":"99.99"}]}', "merge value"),  # not a candidate
        ('{"fields":[{"field":"date","value":"12.00"}]}', "field"),  # a field the request never named
    ],
)
async def test_an_answer_naming_what_the_request_never_did_is_invalid_output(reply: str, what: str) -> None:
    answer = await _run(ScriptedEngine([reply]), MERGE)
    assert _code(answer) == ErrorCode.INVALID_OUTPUT.value
    assert f"names a {what} that is not in the request" in answer["error"]
    assert "99.99" not in answer["error"]  # never document text in a message
    assert "refresh_worker" not in answer


async def test_an_answer_that_fails_validation_is_invalid_output() -> None:
    answer = await _run(ScriptedEngine(['{"fields": "nope"}']), MERGE)
    assert _code(answer) == ErrorCode.INVALID_OUTPUT.value


async def test_a_length_finish_is_generation_incomplete() -> None:
    cut = Completion(text='{"fields":[', prompt_tokens=5, completion_tokens=9, finish_reason="length", latency_ms=1)
    answer = await _run(ScriptedEngine([cut]), MERGE)
    assert _code(answer) == ErrorCode.GENERATION_INCOMPLETE.value


async def test_a_dead_engine_asks_runpod_to_refresh_the_worker() -> None:
    answer = await _run(ScriptedEngine([EngineUnavailable("the vLLM process has exited")]), GENERATE)
    assert answer == {
        "error": "engine_unavailable: the vLLM process has exited",
        "refresh_worker": True,
    }


async def test_counting_tokens_on_a_dead_engine_also_refreshes() -> None:
    engine = ScriptedEngine(count_error=EngineUnavailable("cannot reach the engine"))
    answer = await _run(engine, GENERATE)
    assert _code(answer) == ErrorCode.ENGINE_UNAVAILABLE.value and answer["refresh_worker"] is True
    assert engine.calls == []  # nothing generated after the failed count


async def test_a_prompt_over_the_context_is_refused_before_generation() -> None:
    engine = ScriptedEngine(context_length=64)
    answer = await _run(engine, {**GENERATE, "prompt": "word " * 100})
    assert _code(answer) == ErrorCode.INPUT_TOO_LONG.value
    assert "exceed the model's context of 64 tokens" in answer["error"]
    assert engine.calls == []


async def test_an_engine_timeout_is_a_timeout_without_refresh() -> None:
    answer = await _run(ScriptedEngine([JobTimeout("the engine did not answer")]), GENERATE)
    assert _code(answer) == ErrorCode.TIMEOUT.value and "refresh_worker" not in answer


async def test_a_job_longer_than_job_timeout_fails_as_timeout() -> None:
    engine = ScriptedEngine(["4"], delay_s=5.0)
    started = asyncio.get_running_loop().time()
    answer = await _run(engine, GENERATE, job_timeout_s=0.2)
    assert asyncio.get_running_loop().time() - started < 2.0
    assert _code(answer) == ErrorCode.TIMEOUT.value and "the job ran longer than" in answer["error"]
    assert "refresh_worker" not in answer


async def test_an_unexpected_exception_is_internal_and_its_message_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = await _run(ScriptedEngine([RuntimeError("secret document text")]), GENERATE)
    assert answer == {"error": "internal: unexpected RuntimeError"}
    assert "secret document text" not in caplog.text


@pytest.mark.parametrize(
    ("job_input", "code"),
    [
        ("not an object", ErrorCode.INVALID_INPUT),
        ({"task": "translate", "prompt": "x"}, ErrorCode.UNKNOWN_TASK),
        ({"prompt": "x", "max_tokens": -1}, ErrorCode.INVALID_INPUT),
        ({"prompt": "x" * 2000}, ErrorCode.PAYLOAD_TOO_LARGE),
    ],
)
async def test_bad_input_gets_a_coded_client_error_and_never_reaches_the_engine(
    job_input: Any, code: ErrorCode
) -> None:
    engine = ScriptedEngine()
    answer = await _run(engine, job_input, max_input_bytes=1024)
    assert _code(answer) == code.value, answer
    assert engine.calls == [] and engine.counted == []


async def test_every_outcome_is_json_serialisable() -> None:
    for reply in ("4", EngineUnavailable("x"), InputTooLong(None, None, 10)):
        answer = await _run(ScriptedEngine([reply]), GENERATE)
        json.dumps(answer)
