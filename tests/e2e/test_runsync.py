"""Real HTTP runsync requests against the real worker (RunPod local API, vLLM on CPU)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from schemas.results import AnalyzeResponse, LocateResponse, MergeResponse

from ..documents import HEADER_BOX, TOTAL_BOX, invoice_document, invoice_words

pytestmark = pytest.mark.e2e
SECRET = "Zebulon-Quartz-7781"  # a word that must never reach the logs
DOCUMENT = invoice_document(
    invoice_words(
        (SECRET, HEADER_BOX, 0.97), ("12.0O", TOTAL_BOX, 0.41), w5=("2024-13-45", [600, 100, 800, 140], 0.88)
    ),
    {"total": "w4", "date": "w5"},
)


def runsync(base: str, payload: Any, timeout: float = 180) -> httpx.Response:
    return httpx.post(f"{base}/runsync", json=payload, timeout=timeout)


def failed_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["status"] == "FAILED", body
    return str(body["error"]).split(":", 1)[0]


def test_original_raw_call_keeps_its_shape(worker_api: str) -> None:
    response = runsync(worker_api, {"input": {"prompt": "What is 2+2?", "max_tokens": 100, "temperature": 0.1}})
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "COMPLETED"
    output = body["output"]
    assert set(output) == {"text", "tokens_generated", "status"}
    assert output["status"] == "success"
    assert output["text"].strip()
    assert 0 < output["tokens_generated"] <= 100


def test_analyze_returns_typed_envelope(worker_api: str) -> None:
    payload = {
        "task": "analyze",
        "document": DOCUMENT,
        "expected_fields": [
            {"name": "total", "format": "amount", "required": True},
            {"name": "date", "format": "date", "required": True},
            {"name": "invoice_number", "required": True},
        ],
    }
    body = runsync(worker_api, {"input": payload}).json()
    assert body["status"] == "COMPLETED", body
    response = AnalyzeResponse.model_validate(body["output"])
    kinds = {(i.field, i.kind.value) for i in response.result.issues}
    assert ("invoice_number", "missing_field") in kinds
    assert ("date", "format_error") in kinds
    assert response.usage.llm_calls <= 1
    cited = {w for i in response.result.issues for w in i.word_ids}
    assert cited <= {"w1", "w2", "w3", "w4", "w5"}


def test_locate_boxes_come_from_cited_words(worker_api: str) -> None:
    payload = {"task": "locate", "document": DOCUMENT, "fields": [{"name": "total", "value": "12.0O"}]}
    body = runsync(worker_api, {"input": payload}).json()
    assert body["status"] == "COMPLETED", body
    region = LocateResponse.model_validate(body["output"]).result.regions[0]
    assert region.field == "total"
    if region.source.value == "words":
        assert region.word_ids and region.bbox is not None
        assert tuple(region.bbox) == (720, 1200, 840, 1240)


def test_merge_of_agreeing_passes_needs_no_llm(worker_api: str) -> None:
    fields = [{"name": "total", "value": "12.00", "confidence": 0.9, "word_ids": []}]
    payload = {
        "task": "merge",
        "passes": [{"source": "a", "fields": fields}, {"source": "b", "fields": fields}],
    }
    body = runsync(worker_api, {"input": payload}).json()
    merged = MergeResponse.model_validate(body["output"])
    assert merged.usage.llm_calls == 0
    assert merged.result.fields[0].value == "12.00"
    assert merged.result.fields[0].method.value == "unanimous"


@pytest.mark.parametrize(
    ("payload", "code", "names"),
    [
        ({"prompt": 42}, "invalid_input", "prompt"),
        ({"prompt": "hi", "max_tokens": 10**6}, "invalid_input", "max_tokens"),
        ({"task": "summarise", "text": "x"}, "unknown_task", "summarise"),
        ({"task": "locate", "document": DOCUMENT, "fields": []}, "invalid_input", "fields"),
        ({"prompt": "word " * 6000, "max_tokens": 100}, "input_too_long", "4096"),
    ],
)
def test_bad_input_gets_its_code_and_names_the_field(worker_api: str, payload: Any, code: str, names: str) -> None:
    response = runsync(worker_api, {"input": payload})
    assert failed_code(response) == code
    assert names in response.json()["error"]


def test_box_outside_page_names_the_path(worker_api: str) -> None:
    document = json.loads(json.dumps(DOCUMENT))
    document["pages"][0]["words"][3]["bbox"] = [720, 1200, 1840, 1240]
    response = runsync(worker_api, {"input": {"task": "analyze", "document": document}})
    assert failed_code(response) == "invalid_input"
    assert "document.pages[0].words[3].bbox" in response.json()["error"]


def test_payload_over_the_limit_is_refused(worker_api: str) -> None:
    huge = {"prompt": "x" * (20 * 1024 * 1024)}
    response = runsync(worker_api, {"input": huge})
    assert failed_code(response) == "payload_too_large"


def test_malformed_body_is_rejected_by_the_api(worker_api: str) -> None:
    response = httpx.post(
        f"{worker_api}/runsync",
        content=b'{"input": {"prompt": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422


def test_worker_survives_bad_jobs(worker_api: str) -> None:
    for _ in range(3):
        runsync(worker_api, {"input": {"task": "nope"}})
    body = runsync(worker_api, {"input": {"prompt": "Say hi.", "max_tokens": 8, "temperature": 0}}).json()
    assert body["status"] == "COMPLETED"


async def _send(client: httpx.AsyncClient, base: str, i: int) -> dict[str, Any]:
    payload = {"input": {"prompt": f"Count from 1 to {i % 7 + 3}.", "max_tokens": 32, "temperature": 0}}
    response = await client.post(f"{base}/runsync", json=payload, timeout=300)
    result: dict[str, Any] = response.json()
    return result


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The largest number of (start, end) spans that overlap at one moment."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


async def test_32_concurrent_jobs_all_complete_and_batch(worker_api: str, worker_log: Path) -> None:
    """Every job answered once, and the worker ran them at once (vLLM batches what runs together):
    read from the job lines' end times and durations, not from timings of this test."""
    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(_send(client, worker_api, i) for i in range(32)))
        concurrent = time.perf_counter() - started
    assert [r["status"] for r in results] == ["COMPLETED"] * 32
    ids = {r["id"] for r in results}
    assert len(ids) == 32
    jobs = [json.loads(line) for line in worker_log.read_text().splitlines() if '"message": "job"' in line]
    spans = []
    for job in jobs:
        if job.get("id") in ids:
            end = datetime.fromisoformat(job["time"]).timestamp()
            spans.append((end - job["ms"] / 1000, end))
    assert len(spans) == 32  # one job line each
    peak = most_at_once(spans)
    print(f"\n32 jobs at once: {concurrent:.1f} s, at most {peak} running together")
    assert peak >= 8


def test_logs_have_one_json_line_per_job_and_no_document_text(worker_api: str, worker_log: Path) -> None:
    runsync(worker_api, {"input": {"task": "analyze", "document": DOCUMENT, "use_llm": False}})
    text = worker_log.read_text()
    jobs = [json.loads(line[line.index("{") :]) for line in text.splitlines() if '"event": "job"' in line]
    assert jobs and all({"id", "task", "outcome", "ms"} <= set(j) for j in jobs)
    assert SECRET not in text
