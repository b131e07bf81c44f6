"""python -m evals.bench locate: where the time of one locate job on a real page goes.

The page: `stack` synthetic invoices (seeds `seed`, `seed+1`, …) one above the other on one tall
page, read by Tesseract (cached by image hash in .cache/evals/ocr), so it holds a few hundred OCR
words, as a commercial invoice does; a synthetic page alone has under 100. The request asks for
`fields` of the invoices' fields (the second invoice's `total` is `total_2`), with a hint each:
once with hints only (the model must place every field) and once with the printed values (rules).

Per round, the whole job runs through `JobHandler` first, then the same call piece by piece: the
worker's own steps before the engine call (the task's functions, timed in CPU time), the prompt
with `max_tokens=1` and no grammar (prefill), with a never-seen grammar (cold compile) and with
the job's now cached grammar (warm), and in full (decoding = full − warm 1-token call). Every round
renames the first field, so its prompt and grammar are new to vLLM's prefix and grammar caches, and
each piece's prompt starts with its own tag for the same reason. Medians over the rounds; "other"
is the job's time the pieces do not account for (token count, HTTP, checks, combining).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from evals.documents import make_document
from evals.extract import field_specs
from evals.ocr import read_page, use_cache
from evals.pipeline import HINTS
from evals.prometheus import metric_total
from evals.run import OCR_CACHE
from schemas.bounds import max_output_tokens
from schemas.documents import OcrDocument
from schemas.requests import LocateRequest, LocateTarget
from worker.config import Settings
from worker.engine import Messages, Sampling, VllmServerEngine
from worker.handler import JobHandler
from worker.intake import parse_request
from worker.runtime import engine_runtime
from worker.tasks.grounding import chat
from worker.tasks.locate import grammar, part_plan, prompt_variables, value_regions

CPU_STEPS = ("validation", "matching/rules", "narrowing", "prompt rendering")
ENGINE_STEPS = ("prefill", "grammar compile (cold)", "decoding")
SHARED = (*CPU_STEPS, *ENGINE_STEPS, "other")
COUNTERS = ("request_prefill_time_seconds", "request_decode_time_seconds", "time_to_first_token_seconds")


@dataclass(frozen=True)
class BenchPage:
    document: OcrDocument
    targets: list[LocateTarget]
    """With hints and the printed value (None where the invoice lacks the field)."""
    title: str

    @property
    def words(self) -> int:
        return sum(len(p.words) for p in self.document.pages)


def real_page(seed: int = 128, stack: int = 3, fields: int = 20) -> BenchPage:
    docs = [make_document(seed + k, "invoice") for k in range(stack)]
    page = Image.new("RGB", (max(d.image.width for d in docs), sum(d.image.height for d in docs)), "white")
    for k, doc in enumerate(docs):
        page.paste(doc.image, (0, sum(d.image.height for d in docs[:k])))
    use_cache(OCR_CACHE)
    targets = [
        LocateTarget(
            name=name if k == 0 else f"{name}_{k + 1}",
            hint=HINTS[kind] + ("" if k == 0 else f" (of invoice {k + 1} on the page)"),
            value=doc.truth.fields[name].value or None,
        )
        for k, doc in enumerate(docs)
        for name, kind, _ in field_specs("invoice")
    ][:fields]
    title = f"{stack} invoice(s) stacked on one page (seeds {seed}–{seed + stack - 1}), Tesseract"
    return BenchPage(read_page(page, "tesseract"), targets, title)


def renamed(targets: list[LocateTarget], tag: str, with_values: bool) -> list[LocateTarget]:
    """The round's targets: the first renamed (a new prompt and grammar), values kept or dropped."""
    out = [t.model_copy(update={"value": t.value if with_values else None}) for t in targets]
    out[0] = out[0].model_copy(update={"name": f"{out[0].name}_{tag}"})
    return out


class CpuTimer:
    """CPU milliseconds of named steps (process time: the worker's own work, not waiting)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.process_time()
        yield
        self.ms[step] = self.ms.get(step, 0.0) + (time.process_time() - started) * 1000


def worker_steps(job_input: dict[str, Any], settings: Settings) -> tuple[dict[str, float], Messages | None, Any]:
    """The locate task's steps before its engine call, each timed; the call's messages and grammar
    (None when the rules placed every field)."""
    timer = CpuTimer()
    with timer("validation"):
        request: LocateRequest = parse_request(job_input, settings.max_input_bytes)
    with timer("matching/rules"):
        regions, choices = value_regions(request)
    pending = [t for t in request.fields if t.name not in regions]
    if not pending:
        return timer.ms, None, None
    with timer("narrowing"):
        ordered, local = part_plan(pending, choices, request.document)
        schema = grammar(ordered, request.document, local)
    with timer("prompt rendering"):
        messages = chat("locate", **prompt_variables(ordered, request.document, local))
    return timer.ms, messages, schema


def tagged(messages: Messages, tag: str) -> Messages:
    """The same prompt, its user turn opened by a tag, so vLLM's prefix cache holds none of it."""
    return [m if m["role"] != "user" else {**m, "content": f"Ref {tag}.\n{m['content']}"} for m in messages]


async def engine_steps(engine: VllmServerEngine, messages: Messages, schema: dict[str, Any]) -> dict[str, float]:
    """Prefill, grammar compile (cold and warm) and decoding of one call, by difference of latencies."""
    one = Sampling(max_tokens=1)

    async def latency(tag: str, grammar: dict[str, Any] | None, sampling: Sampling) -> tuple[float, int]:
        done = await engine.complete(tagged(messages, tag), schema=grammar, sampling=sampling)
        return done.latency_ms, done.completion_tokens

    prefill, _ = await latency("a", None, one)
    cold, _ = await latency("b", {**schema, "title": f"bench-{uuid.uuid4().hex}"}, one)
    warm, _ = await latency("c", schema, one)
    full, tokens = await latency("d", schema, Sampling(max_tokens=max_output_tokens(schema)))
    decoding = max(full - warm, 0.0)
    return {
        "prefill": prefill,
        "grammar compile (cold)": max(cold - prefill, 0.0),
        "grammar compile (warm)": max(warm - prefill, 0.0),
        "decoding": decoding,
        "ms per output token": decoding / max(tokens - 1, 1),
    }


async def whole_job(handler: JobHandler, job_input: dict[str, Any]) -> dict[str, float]:
    started = time.perf_counter()
    output = await handler({"id": f"bench-{uuid.uuid4().hex[:8]}", "input": job_input})
    took = (time.perf_counter() - started) * 1000
    if "error" in output:
        raise RuntimeError(f"the locate job failed: {output['error']}")
    usage = output["usage"]
    return {
        "whole job": took,
        "llm calls": usage["llm_calls"],
        "prompt tokens": usage["prompt_tokens"],
        "completion tokens": usage["completion_tokens"],
    }


def breakdown(parts: dict[str, float], whole: float) -> dict[str, tuple[float, float]]:
    """Each part and "other" (what the parts leave of `whole`, never below 0) as (ms, share); the
    shares are of the parts plus other, so they sum to 1 even when noise makes the parts exceed whole."""
    named = {name: max(parts.get(name, 0.0), 0.0) for name in SHARED if name != "other"}
    named["other"] = max(whole - sum(named.values()), 0.0)
    total = sum(named.values()) or 1.0
    return {name: (ms, ms / total) for name, ms in named.items()}


def medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    keys = dict.fromkeys(k for r in rounds for k in r)
    return {k: statistics.median(r.get(k, 0.0) for r in rounds) for k in keys}


def parse_counters(text: str) -> dict[str, float]:
    """vLLM's /metrics (Prometheus text): `name_sum` and `name_count` of COUNTERS, over all labels."""
    found = {f"{c}{part}": metric_total(text, f"vllm:{c}{part}") for c in COUNTERS for part in ("_sum", "_count")}
    return {name: value for name, value in found.items() if value is not None}


async def counters(engine: VllmServerEngine) -> dict[str, float]:
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.get(f"{engine.base_url}/metrics")
    except httpx.HTTPError:
        return {}
    return parse_counters(response.text) if response.status_code == 200 else {}


def counter_means(before: dict[str, float], after: dict[str, float]) -> dict[str, tuple[float, int]]:
    """Per counter, the mean in ms and the number of requests between two snapshots."""
    out = {}
    for name in COUNTERS:
        count = int(after.get(f"{name}_count", 0) - before.get(f"{name}_count", 0))
        spent = after.get(f"{name}_sum", 0.0) - before.get(f"{name}_sum", 0.0)
        if count > 0:
            out[name] = (spent * 1000 / count, count)
    return out


@dataclass
class CaseFigures:
    rows: dict[str, float] = field(default_factory=dict)
    shares: dict[str, tuple[float, float]] = field(default_factory=dict)
    vllm: dict[str, tuple[float, int]] = field(default_factory=dict)


async def measure_case(
    engine: VllmServerEngine, settings: Settings, page: BenchPage, with_values: bool, rounds: int
) -> CaseFigures:
    handler = JobHandler(engine, settings)
    per_round: list[dict[str, float]] = []
    before = await counters(engine)
    for _ in range(rounds):
        targets = renamed(page.targets, uuid.uuid4().hex[:6], with_values)
        job_input = LocateRequest(document=page.document, fields=targets).model_dump(mode="json", exclude_none=True)
        figures = await whole_job(handler, job_input)
        cpu, messages, schema = await asyncio.to_thread(worker_steps, job_input, settings)
        figures |= cpu
        if messages is not None:
            figures |= await engine_steps(engine, messages, schema)
        per_round.append(figures)
    rows = medians(per_round)
    return CaseFigures(rows, breakdown(rows, rows["whole job"]), counter_means(before, await counters(engine)))


async def locate_figures(
    engine: VllmServerEngine, settings: Settings, page: BenchPage, rounds: int
) -> dict[str, CaseFigures]:
    await engine.complete([{"role": "user", "content": "Hi"}], schema=None, sampling=Sampling(max_tokens=2))
    cases = {"hints only": False, "values given": True}
    return {case: await measure_case(engine, settings, page, values, rounds) for case, values in cases.items()}


def table(page: BenchPage, figures: dict[str, CaseFigures], rounds: int) -> str:
    cases = list(figures)
    head = f"{page.title}; {page.words} OCR words, {len(page.targets)} fields; medians of {rounds} round(s)"
    lines = [f"# locate on a real page: {head}"]
    lines += ["| step | " + " | ".join(f"{c}: ms | share" for c in cases) + " |", "|---" * (1 + 2 * len(cases)) + "|"]
    for name in SHARED:
        cells = [f"{figures[c].shares[name][0]:.0f} | {figures[c].shares[name][1]:.1%}" for c in cases]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    whole = [f"{figures[c].rows['whole job']:.0f} | 100%" for c in cases]
    lines.append("| **whole job (JobHandler)** | " + " | ".join(whole) + " |")
    extra = ("grammar compile (warm)", "ms per output token", "llm calls", "prompt tokens", "completion tokens")
    for name in extra:
        cells = [f"{figures[c].rows[name]:.1f} |" if name in figures[c].rows else "— |" for c in cases]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")  # the share column stays empty
    lines.append("\nvLLM's own counters (GET /metrics), mean per request over each case's requests:")
    for case in cases:
        means = ", ".join(f"{n} {ms:.0f} ms (n={k})" for n, (ms, k) in figures[case].vllm.items())
        lines.append(f"- {case}: {means or 'not available'}")
    return "\n".join(lines)


def bench_locate(args: argparse.Namespace) -> None:
    settings = Settings(**({"engine_url": args.engine_url} if args.engine_url else {}))
    page = real_page(args.seed, args.stack, args.fields)

    async def run() -> None:
        async with engine_runtime(settings, warm=False) as runtime:
            figures = await locate_figures(runtime.engine, settings, page, args.rounds)
            print(f"model {runtime.engine.model}, backend {settings.structured_outputs_backend}")
            print(table(page, figures, args.rounds))

    asyncio.run(run())


def add_parser(sub: Any) -> None:
    locate = sub.add_parser("locate", help="where a locate job's time goes (starts vLLM unless --engine-url)")
    locate.add_argument("--engine-url", default="")
    # one invoice page by default: 20 hint-only fields on 3 stacked invoices did not finish in 10 min on CPU (bf16)
    locate.add_argument("--rounds", type=int, default=1)
    locate.add_argument("--seed", type=int, default=128)
    locate.add_argument("--stack", type=int, default=1, help="invoices stacked on the one page")
    locate.add_argument("--fields", type=int, default=9)
