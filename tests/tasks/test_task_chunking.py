"""No document is refused for its length (issue 13, item 4): a prompt too long for the context is
split by pages, then by blocks of words, into calls that each fit, and their answers combined.

The scripted engine (our `Engine` protocol's double) counts tokens by a fixed rule; the last test
runs the real engine (vLLM on CPU) on a two-page document, planned for a 1,024-token context."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from schemas.bounds import max_output_tokens
from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest, LocateRequest, LocateTarget
from schemas.results import AnalyzeResponse, IssueSource, LocateResponse, RegionSource, Timings
from tests.scripted_engine import Call, ScriptedEngine, scripted_token_count
from worker.engine import Completion, Messages, Sampling, VllmServerEngine
from worker.errors import InputTooLong
from worker.supervisor import EngineProcess
from worker.tasks.analyze import AnalyzeTask
from worker.tasks.base import TaskContext
from worker.tasks.chunking import halves
from worker.tasks.locate import LocateTask

from .ocr_samples import word

SMALL_CONTEXT = 1024
"""The context the real-engine test plans for: two pages of 22 words (about 1,200 prompt tokens)
exceed it, one page (about 600, plus the answer's bound) fits, so each task makes two calls."""


def long_document(pages: int = 3, words: int = 300) -> OcrDocument:
    """`pages` pages of `words` words each; page p's first word is "Total{p}", its last "end"."""
    built = []
    for p in range(pages):
        texts = [f"Total{p}", *(f"item{i}" for i in range(1, words - 1)), "end"]
        page_words = [word(f"p{p}w{i}", t, 10 + (i % 10) * 90, 10 + (i // 10) * 25) for i, t in enumerate(texts)]
        built.append(OcrPage(index=p, width=1000, height=10 + (words // 10 + 1) * 25, words=page_words))
    fields = [
        OcrField(
            name="total",
            value="12.00",
            confidence=0.3,  # uncertain: the rules leave it to the model
            word_ids=[f"p{pages - 1}w0"],
        )
    ]
    return OcrDocument(pages=built, fields=fields)


def ids_in(call: Call) -> set[str]:
    """The word ids an analyze call's grammar lets the model cite."""
    assert call.schema is not None
    return set(call.schema["$defs"]["Finding"]["properties"]["words"]["items"]["enum"])


def fits(call: Call, context: int) -> bool:
    assert call.schema is not None
    return scripted_token_count(call.prompt) + max_output_tokens(call.schema) <= context


async def test_analyze_splits_by_pages_and_unites_the_findings() -> None:
    def answer(call: Call) -> str:
        first = sorted(ids_in(call))[0]
        return json.dumps({"issues": [{"field": None, "kind": "other", "severity": "low", "words": [first],
                                       "suggestion": None}]})  # fmt: skip

    engine = ScriptedEngine(answer)
    request = AnalyzeRequest(document=long_document())
    ctx = TaskContext(engine)
    result = await AnalyzeTask().run(request, ctx)
    assert ctx.usage.llm_calls == len(engine.calls) >= 2  # 3 pages of 300 words: about 4,500 tokens
    assert all(fits(call, engine.context_length) for call in engine.calls)
    parts = [ids_in(call) for call in engine.calls]
    assert set().union(*parts) == {w.id for p in request.document.pages for w in p.words}
    assert sum(len(p) for p in parts) == sum(len(p.words) for p in request.document.pages)  # no word twice
    llm = [i for i in result.issues if i.source is IssueSource.LLM]
    assert len(llm) == 1  # the parts' findings, each concern once


async def test_locate_takes_per_target_the_best_region_over_the_parts() -> None:
    def answer(call: Call) -> str:
        assert call.schema is not None
        [item] = call.schema["properties"]["fields"]["prefixItems"]
        ids = item["properties"]["words"]["items"]["enum"]
        cited = ["p1w0"] if "p1w0" in ids else []  # only the second page's part finds it
        return json.dumps({"fields": [{"field": "total", "words": cited, "page": 0, "box": None}]})

    engine = ScriptedEngine(answer)
    hinted = LocateRequest(document=long_document(), fields=[LocateTarget(name="total", hint="Total1")])
    [region] = (await LocateTask().run(hinted, TaskContext(engine))).regions
    assert len(engine.calls) >= 2 and region.word_ids == ["p1w0"] and region.page == 1
    nowhere = ScriptedEngine(lambda call: answer(call).replace('"p1w0"', ""))
    [region] = (await LocateTask().run(hinted, TaskContext(nowhere))).regions
    assert region.source is RegionSource.NOT_FOUND


async def test_a_page_too_long_alone_is_split_into_word_blocks_and_one_word_that_cannot_fit_is_refused() -> None:
    document = long_document(pages=1, words=900)
    split = halves(document)
    assert split is not None and [len(d.pages[0].words) for d in split] == [450, 450]
    engine = ScriptedEngine(lambda call: '{"issues": []}')
    await AnalyzeTask().run(AnalyzeRequest(document=document), TaskContext(engine))
    assert len(engine.calls) >= 2 and all(fits(call, engine.context_length) for call in engine.calls)
    tiny = ScriptedEngine(lambda call: '{"issues": []}', context_length=200)
    with pytest.raises(InputTooLong):
        await AnalyzeTask().run(AnalyzeRequest(document=document), TaskContext(tiny))
    assert tiny.calls == []


class SmallContextEngine(VllmServerEngine):
    """The shared vLLM server, with its context declared as `SMALL_CONTEXT` (the tasks split by the
    engine's `context_length` alone), recording each call so the test can show that every one fits
    that context as vLLM counted it. The document that proves the split is then a quarter of the size
    the server's own 4,096-token context would need, and so is its prefill on CPU."""

    def __init__(self, server: EngineProcess, model: str) -> None:
        super().__init__(
            server.base_url, model, context_length=SMALL_CONTEXT, request_timeout_s=120, api_key=server.api_key
        )
        self.calls: list[tuple[Sampling, Completion]] = []

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        completion = await super().complete(prompt, schema=schema, sampling=sampling)
        self.calls.append((sampling, completion))
        return completion

    def all_fit(self) -> bool:
        return all(done.prompt_tokens + asked.max_tokens <= self.context_length for asked, done in self.calls)


@pytest.fixture
async def small_context_engine(
    cpu_server: EngineProcess, cpu_engine: VllmServerEngine
) -> AsyncIterator[SmallContextEngine]:
    engine = SmallContextEngine(cpu_server, cpu_engine.model)
    yield engine
    await engine.close()


@pytest.mark.engine
async def test_a_long_document_is_answered_in_several_real_calls(small_context_engine: SmallContextEngine) -> None:
    """Two pages that together exceed the context: analyze and locate both answer, in calls that fit."""
    engine = small_context_engine
    document = long_document(pages=2, words=22)  # about 1,200 prompt tokens; a page about 600
    assert await engine.count_tokens(" ".join(w.text for p in document.pages for w in p.words)) > 0
    ctx, located = TaskContext(engine), TaskContext(engine)
    targets = [
        LocateTarget(name="total", hint="the word Total1"),
        LocateTarget(name="repeated", value="item5"),  # printed on every page, no label: the model chooses
    ]
    request = LocateRequest(document=document, fields=targets)
    result, located_result = await asyncio.gather(  # at once: vLLM batches the two tasks' calls
        AnalyzeTask().run(AnalyzeRequest(document=document), ctx), LocateTask().run(request, located)
    )
    AnalyzeResponse.model_validate(
        AnalyzeResponse(result=result, usage=ctx.usage, model="m", timings_ms=Timings(total=1)).model_dump(mode="json")
    )
    assert ctx.usage.llm_calls > 1 and ctx.usage.prompt_tokens > engine.context_length
    regions = located_result.regions
    LocateResponse.model_validate(
        LocateResponse(
            result={"regions": regions}, usage=located.usage, model="m", timings_ms=Timings(total=1)
        ).model_dump(mode="json")
    )
    assert located.usage.llm_calls > 1
    assert len(engine.calls) == ctx.usage.llm_calls + located.usage.llm_calls and engine.all_fit()
    ids = {w.id for p in document.pages for w in p.words}
    assert all(set(r.word_ids) <= ids for r in regions)
    assert regions[1].word_ids in (["p0w5"], ["p1w5"])  # never a word outside the candidates
