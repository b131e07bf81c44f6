"""Benchmarks that print figures side by side (they assert nothing).

python -m evals.bench engine   # constrained vs unconstrained, grammar compile, output size, start
python -m evals.bench worker   # runsync throughput at 1/4/16/64 concurrent clients
python -m evals.bench locate   # where a locate job's time goes on a real page (evals.bench_locate)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

from schemas.narrowing import narrow_analyze, narrow_locate, narrow_merge
from worker.config import Settings
from worker.engine import Messages, Sampling, VllmServerEngine
from worker.runtime import engine_runtime

from .bench_locate import add_parser as add_locate_parser
from .bench_locate import bench_locate
from .samples import decoding_vs_wire_pairs

PROMPTS = [
    "List the problems of this OCR line: 'Totl 12.0O EUR'.",
    "Which word is the invoice date? w1|Date|10|5 w2|2024-01-02|20|5",
    "Pick the right total: 12.00 or 12.0O?",
    "Report issues: w1|IBAN|5|50 w2|DE89 3704 0044 0532 0130 00|30|50",
]
SCHEMAS: dict[str, dict[str, Any]] = {
    "analyze": narrow_analyze(["total", "date", "iban"], [f"w{i}" for i in range(1, 40)]),
    "locate": narrow_locate(["total", "date"], [f"w{i}" for i in range(1, 40)], [0]),
    "merge": narrow_merge([("total", ["12.00", "12.0O"]), ("date", ["2024-01-02", "2024-01-08"])]),
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _messages(prompt: str) -> Messages:
    return [{"role": "user", "content": prompt}]


async def ms_per_token(engine: VllmServerEngine, schema: dict[str, Any] | None, rounds: int) -> float:
    """Decode time per output token, sequential requests (batching would hide it).

    Each answer's latency minus the latency of a 1-token answer to the same prompt and schema
    (prefill, HTTP and grammar lookup), over its tokens after the first: short constrained
    answers would otherwise look slower per token only because the fixed costs are spread thinner.
    """
    spent, tokens = 0.0, 0
    for i in range(rounds):
        messages = _messages(PROMPTS[i % len(PROMPTS)])
        first = await engine.complete(messages, schema=schema, sampling=Sampling(max_tokens=1))
        done = await engine.complete(messages, schema=schema, sampling=Sampling(max_tokens=64))
        if done.completion_tokens > 1:
            spent += max(done.latency_ms - first.latency_ms, 0.0)
            tokens += done.completion_tokens - 1
    return spent / max(tokens, 1)


async def compile_times(engine: VllmServerEngine, schema: dict[str, Any], repeats: int) -> tuple[float, list[float]]:
    """Latency of a 1-token request with a never-seen schema (cold) and the same again (warm)."""
    one = Sampling(max_tokens=1, temperature=0.0)
    base = [(await engine.complete(_messages("Hi"), schema=None, sampling=one)).latency_ms for _ in range(3)]
    cold_schema = {**schema, "title": f"bench-{uuid.uuid4().hex}"}
    cold = (await engine.complete(_messages("Hi"), schema=cold_schema, sampling=one)).latency_ms
    warm = [
        (await engine.complete(_messages("Hi"), schema=cold_schema, sampling=one)).latency_ms for _ in range(repeats)
    ]
    floor = statistics.median(base)
    return max(cold - floor, 0.0), [max(w - floor, 0.0) for w in warm]


async def output_sizes(engine: VllmServerEngine) -> list[tuple[str, int, int]]:
    rows = []
    for name, decoding, wire in decoding_vs_wire_pairs():
        compact = json.dumps(decoding, separators=(",", ":"), ensure_ascii=False)
        pretty = json.dumps(wire, indent=2, ensure_ascii=False)
        rows.append((name, await engine.count_tokens(compact), await engine.count_tokens(pretty)))
    return rows


async def engine_figures(engine: VllmServerEngine, rounds: int) -> None:
    free = await ms_per_token(engine, None, rounds)
    print("\n## decode time per output token (sequential, greedy, ≤ 64 tokens, prefill subtracted)")
    print("| schema | ms/token constrained | ms/token unconstrained | ratio (goal ≤ 1.05) |\n|---|---|---|---|")
    for name, schema in SCHEMAS.items():
        constrained = await ms_per_token(engine, schema, rounds)
        print(f"| {name} | {constrained:.2f} | {free:.2f} | {constrained / free:.2f} |")
    print("\n## grammar compile (request latency above an unconstrained 1-token request)")
    print("| schema | cold ms | warm p50 ms | warm p95 ms (goal ≤ 20) |\n|---|---|---|---|")
    for name, schema in SCHEMAS.items():
        cold, warm = await compile_times(engine, schema, repeats=10)
        print(f"| {name} | {cold:.1f} | {pct(warm, 0.5):.1f} | {pct(warm, 0.95):.1f} |")
    print("\n## output tokens: decoding schema (compact) vs wire result (pretty JSON)")
    print("| task | decoding tokens | wire tokens | ratio (goal ≤ 0.6) |\n|---|---|---|---|")
    for name, small, big in await output_sizes(engine):
        print(f"| {name} | {small} | {big} | {small / big:.2f} |")


def bench_engine(args: argparse.Namespace) -> None:
    settings = Settings(**({"structured_outputs_backend": args.backend} if args.backend else {}))

    async def run() -> None:
        started = time.monotonic()
        async with engine_runtime(settings, warm=False) as runtime:
            engine = runtime.engine
            first = await engine.complete(_messages("What is 2+2?"), schema=None, sampling=Sampling(max_tokens=8))
            print(f"# engine benchmark: model {engine.model}, backend {settings.structured_outputs_backend}")
            print(f"engine start to first answer: {time.monotonic() - started:.1f} s (goal ≤ 30 s on CPU)")
            print(f"first answer: {first.text!r}")
            await engine_figures(engine, args.rounds)

    asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench")
    sub = parser.add_subparsers(dest="what", required=True)
    engine = sub.add_parser("engine", help="engine figures (starts its own vLLM)")
    engine.add_argument("--backend", default="")
    engine.add_argument("--rounds", type=int, default=8)
    worker = sub.add_parser("worker", help="runsync throughput (starts the worker unless --url)")
    worker.add_argument("--url", default="")
    worker.add_argument("--levels", default="1,4,16,64")
    worker.add_argument("--jobs-per-client", type=int, default=4)
    worker.add_argument("--stall-seconds", type=float, default=30.0, help="each phase of the stall ratio")
    worker.add_argument("--stall-clients", type=int, default=4, help="generate clients in the stall ratio")
    add_locate_parser(sub)
    args = parser.parse_args(argv)
    if args.what == "engine":
        bench_engine(args)
    elif args.what == "locate":
        bench_locate(args)
    else:
        from .throughput import bench_worker

        bench_worker(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
