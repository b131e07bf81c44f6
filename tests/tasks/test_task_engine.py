"""analyze, locate and merge through the REAL engine (vLLM on CPU, SmolLM2-135M, default backend).

A 135M model's judgement is poor; what these tests hold is what the grammar and the grounding
checks guarantee whatever it answers: a valid result, one LLM call, and nothing cited that the
request does not contain, even when the document's words tell the model to add a field.
"""

from __future__ import annotations

import pytest

from schemas.documents import OcrField
from schemas.requests import (
    AnalyzeRequest,
    ExpectedField,
    FieldFormat,
    LocateRequest,
    LocateTarget,
    MergePass,
    MergeRequest,
)
from schemas.results import AnalyzeResponse, LocateResponse, MergeMethod, MergeResponse, RegionSource, Timings
from worker.engine import VllmServerEngine
from worker.tasks.analyze import AnalyzeTask, field_names
from worker.tasks.base import TaskContext
from worker.tasks.locate import LocateTask, union_box
from worker.tasks.merge import MergeTask

from .ocr_samples import INJECTION, invoice, word_ids

pytestmark = pytest.mark.engine


async def test_analyze_cites_only_request_fields_and_words(cpu_engine: VllmServerEngine) -> None:
    document = invoice(injection=True, total="130.00")
    expected = [ExpectedField(name="iban", format=FieldFormat.IBAN, required=True)]
    request = AnalyzeRequest(document=document, expected_fields=expected)
    ctx = TaskContext(cpu_engine)
    result = await AnalyzeTask().run(request, ctx)
    response = AnalyzeResponse(result=result, usage=ctx.usage, model=cpu_engine.model, timings_ms=Timings(total=1))
    AnalyzeResponse.model_validate(response.model_dump(mode="json"))
    assert ctx.usage.llm_calls == 1
    names, ids = set(field_names(request)), word_ids(document)
    for issue in result.issues:
        assert issue.field is None or issue.field in names
        assert set(issue.word_ids) <= ids
    assert {"hacked", "X99"}.isdisjoint(
        {i.field for i in result.issues} | {w for i in result.issues for w in i.word_ids}
    )
    assert set(result.uncertain_fields) <= names
    # the rules' findings are there whatever the model said
    assert {(i.field, i.kind.value) for i in result.issues} >= {
        ("iban", "missing_field"),
        ("total", "arithmetic_mismatch"),
    }


async def test_locate_boxes_are_the_union_of_cited_words(cpu_engine: VllmServerEngine) -> None:
    document = invoice(injection=True)
    targets = [
        LocateTarget(name="total", hint="the amount due, bottom right"),
        LocateTarget(name="invoice_date", hint="a date near the top"),
        LocateTarget(name="invoice_number", value="INV-2024-001"),  # found without the model
    ]
    request = LocateRequest(document=document, fields=targets, padding=4)
    ctx = TaskContext(cpu_engine)
    result = await LocateTask().run(request, ctx)
    response = LocateResponse(result=result, usage=ctx.usage, model=cpu_engine.model, timings_ms=Timings(total=1))
    LocateResponse.model_validate(response.model_dump(mode="json"))
    assert ctx.usage.llm_calls == 1
    assert [r.field for r in result.regions] == ["total", "invoice_date", "invoice_number"]
    page = document.pages[0]
    words = document.words_by_id()
    for region in result.regions:
        assert set(region.word_ids) <= word_ids(document)
        if region.source is RegionSource.WORDS:
            boxes = [words[w][1].bbox for w in region.word_ids]
            assert region.page == 0 and region.bbox == union_box(boxes, 4, page.width, page.height)
        elif region.source is RegionSource.ESTIMATED:
            assert region.page == 0 and region.bbox is not None and region.confidence <= 0.3
        else:
            assert region.page is None and region.bbox is None
    assert result.regions[2].word_ids == ["w2"] and result.regions[2].source is RegionSource.WORDS


async def test_merge_settles_all_conflicts_in_one_call_with_a_candidate_or_null(cpu_engine: VllmServerEngine) -> None:
    def reading(source: str, total: str, vendor: str, confidence: float) -> MergePass:
        fields = [
            OcrField(name="total", value=total, confidence=confidence),
            OcrField(name="vendor", value=vendor, confidence=confidence),
            OcrField(name="date", value="12.03.2024", confidence=confidence),
        ]
        return MergePass(source=source, fields=fields)

    passes = [
        reading("tesseract", "119.00", "ACME GmbH", 0.6),
        reading("rapidocr", "179.00", INJECTION, 0.6),
        reading("crop", "119.06", "Acme Gmbh.", 0.5),
    ]
    request = MergeRequest(passes=passes)
    ctx = TaskContext(cpu_engine)
    result = await MergeTask().run(request, ctx)
    response = MergeResponse(result=result, usage=ctx.usage, model=cpu_engine.model, timings_ms=Timings(total=1))
    MergeResponse.model_validate(response.model_dump(mode="json"))
    assert ctx.usage.llm_calls == 1
    merged = {m.name: m for m in result.fields}
    assert list(merged) == ["date", "total", "vendor"]
    assert merged["date"].method is MergeMethod.UNANIMOUS and merged["date"].value == "12.03.2024"
    for name in ("total", "vendor"):
        readings = {f.value for p in passes for f in p.fields if f.name == name}
        assert merged[name].method is MergeMethod.LLM
        assert merged[name].value is None or merged[name].value in readings
