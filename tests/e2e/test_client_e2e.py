"""The typed client against the real worker (RunPod's local API, vLLM on CPU with SmolLM2).

`worker_api` (tests/e2e/conftest.py) is the base URL of the running worker, without `/runsync`:
the client accepts both forms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from schemas.errors import ErrorCode
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import (
    AnalyzeResponse,
    GenerateResult,
    IssueKind,
    LocateResponse,
    MergeMethod,
    MergeResponse,
    RegionSource,
)
from worker.client import AsyncClient, Client, JobFailedError

from ..documents import TOTAL_BOX, invoice_document, invoice_words

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SLOW: dict[str, Any] = {"timeout": 300.0, "deadline": 600.0}
WORDS = invoice_words(("INV-2291", [220, 40, 400, 80], 0.97), ("12.0O", TOTAL_BOX, 0.41))
DOCUMENT = invoice_document(WORDS, {"invoice_number": "w2", "total": "w4"})


def test_generate_original_raw_call(worker_api: str) -> None:
    with Client(f"{worker_api}/runsync", **SLOW) as client:
        result = client.generate({"prompt": "What is 2+2?", "max_tokens": 16, "temperature": 0})
    assert isinstance(result, GenerateResult)
    assert result.status == "success"
    assert result.text.strip()
    assert 0 < result.tokens_generated <= 16


async def test_analyze_with_the_request_model(worker_api: str) -> None:
    request = AnalyzeRequest.model_validate(
        {
            "document": DOCUMENT,
            "expected_fields": [
                ExpectedField(name="total", format=FieldFormat.AMOUNT, required=True),
                ExpectedField(name="due_date", format=FieldFormat.DATE, required=True),
            ],
        }
    )
    async with AsyncClient(worker_api, **SLOW) as client:
        response = await client.analyze(request)
    assert isinstance(response, AnalyzeResponse)
    assert ("due_date", IssueKind.MISSING_FIELD) in {(i.field, i.kind) for i in response.result.issues}
    assert {w for i in response.result.issues for w in i.word_ids} <= set(WORDS)
    assert 0.0 <= response.result.quality <= 1.0
    assert response.model


def test_locate_returns_a_region_per_field(worker_api: str) -> None:
    fields = [{"name": "total", "value": "12.0O"}, {"name": "invoice_number", "hint": "top left"}]
    with Client(worker_api, **SLOW) as client:
        response = client.locate({"document": DOCUMENT, "fields": fields})
    assert isinstance(response, LocateResponse)
    assert {r.field for r in response.result.regions} <= {"total", "invoice_number"}
    for region in response.result.regions:
        if region.source is RegionSource.WORDS:
            assert region.word_ids and set(region.word_ids) <= set(WORDS)
            assert region.bbox is not None and region.page == 0


async def test_merge_of_agreeing_passes(worker_api: str) -> None:
    fields = [{"name": "total", "value": "12.00", "confidence": 0.9}]
    passes = [{"source": "tesseract", "fields": fields}, {"source": "rapidocr", "fields": fields}]
    async with AsyncClient(worker_api, **SLOW) as client:
        response = await client.merge({"passes": passes})
    assert isinstance(response, MergeResponse)
    [merged] = response.result.fields
    assert (merged.name, merged.value, merged.method) == ("total", "12.00", MergeMethod.UNANIMOUS)
    assert response.usage.llm_calls == 0


def test_a_failed_job_raises_service_error_with_its_code(worker_api: str) -> None:
    with Client(worker_api, **SLOW) as client, pytest.raises(JobFailedError) as caught:
        client.generate({"prompt": "word " * 6000, "max_tokens": 100, "temperature": 0})
    assert caught.value.code is ErrorCode.INPUT_TOO_LONG
    assert caught.value.job_id


def test_cli_against_the_worker(worker_api: str, tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"prompt": "Say hi.", "max_tokens": 8, "temperature": 0}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_LLM_")}
    env["RUNPOD_LLM_ENDPOINT_URL"] = f"{worker_api}/runsync"
    done = subprocess.run(
        [sys.executable, "-m", "worker.client", "generate", str(job), "--timeout", "300"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert GenerateResult.model_validate_json(done.stdout).tokens_generated <= 8
