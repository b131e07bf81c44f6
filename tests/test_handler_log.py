"""The job's log line: one record per job, with the versions of the prompts its task rendered."""

from __future__ import annotations

import logging

import pytest

from prompts.render import template_version
from tests.scripted_engine import ScriptedEngine
from worker.config import Settings
from worker.handler import JobHandler

PAGE = {
    "index": 0,
    "width": 100,
    "height": 100,
    "words": [{"id": "w1", "text": "42", "bbox": [1, 1, 9, 9], "confidence": 0.9}],
}


def job_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The job lines' fields (the handler passes them as the record's `extra`)."""
    return [vars(r) for r in caplog.records if r.name == "worker.jobs" and r.getMessage() == "job"]


async def test_the_log_line_names_the_prompt_versions(caplog: pytest.LogCaptureFixture) -> None:
    handler = JobHandler(ScriptedEngine([]), Settings())
    caplog.set_level(logging.INFO, logger="worker.jobs")
    output = await handler({"id": "j1", "input": {"task": "analyze", "document": {"pages": [PAGE]}, "use_llm": False}})
    assert output["status"] == "success"
    [record] = job_records(caplog)
    assert record["prompts"] == {"system": template_version("system"), "analyze": template_version("analyze")}
    assert record["outcome"] == "success"


async def test_the_raw_call_renders_no_template(caplog: pytest.LogCaptureFixture) -> None:
    handler = JobHandler(ScriptedEngine(["4"]), Settings())
    caplog.set_level(logging.INFO, logger="worker.jobs")
    output = await handler({"id": "j2", "input": {"prompt": "2+2?", "max_tokens": 4}})
    assert output == {"text": "4", "tokens_generated": output["tokens_generated"], "status": "success"}
    [record] = job_records(caplog)
    assert record["prompts"] == {}
