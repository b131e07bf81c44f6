"""Runsync throughput of the worker's local API at several concurrency levels, and the stall ratio:
how much a 50-page, ~10 MB locate job slows a stream of small generate jobs running beside it."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx

from .local_worker import start_local_worker, stop_local_worker

JOB = {"input": {"prompt": "Name three colours.", "max_tokens": 32, "temperature": 0}}


async def _client(http: httpx.AsyncClient, url: str, jobs: int, latencies: list[float]) -> int:
    ok = 0
    for _ in range(jobs):
        started = time.perf_counter()
        response = await http.post(url, json=JOB, timeout=600)
        latencies.append(time.perf_counter() - started)
        ok += response.json().get("status") == "COMPLETED"
    return ok


async def _level(url: str, clients: int, jobs: int) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as http:
        started = time.perf_counter()
        done = await asyncio.gather(*(_client(http, url, jobs, latencies) for _ in range(clients)))
        wall = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    return len(latencies) / wall, p50, p95, sum(done)


STALL_GOAL = 1.5
"""generate p95 beside the big locate job ÷ p95 alone: one job must not stall the others."""


def big_locate_job(pages: int = 50, words: int = 2_500, targets: int = 50) -> dict[str, Any]:
    """~10 MB of OCR: pages of one-letter words (the worst case for matching values word by word),
    and `targets` values, each spelled by one run of 901 words on its own page, so every field is
    located by value: the job is all CPU (intake, matching, the result), no LLM call."""
    document = []
    for p in range(pages):
        row = [
            {
                "id": f"p{p}w{i}",
                "text": f"z{p}" if i == words - 100 else "a",
                "bbox": [i % 1000, 10 * (i // 1000), i % 1000 + 1, 10 * (i // 1000) + 9],
                "confidence": 0.9,
            }
            for i in range(words)
        ]
        document.append({"index": p, "width": 1000, "height": 1000, "words": row})
    fields = [{"name": f"f{t}", "value": "a" * 900 + f"z{t % pages}"} for t in range(targets)]
    return {"input": {"task": "locate", "document": {"pages": document}, "fields": fields}}


def p95(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


async def _generate_stream(http: httpx.AsyncClient, url: str, until: float, latencies: list[float]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await http.post(url, json=JOB, timeout=600)
        if response.json().get("status") == "COMPLETED":
            latencies.append(time.perf_counter() - started)


async def _locate_stream(http: httpx.AsyncClient, url: str, until: float, body: bytes) -> list[float]:
    """The big job, again and again until `until`: its latencies (s); a failed job raises."""
    latencies = []
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await http.post(url, content=body, headers={"content-type": "application/json"}, timeout=600)
        answer = response.json()
        if answer.get("status") != "COMPLETED" or "error" in (answer.get("output") or {}):
            raise RuntimeError(f"the big locate job failed: {str(answer)[:300]}")
        latencies.append(time.perf_counter() - started)
    return latencies


async def stall_ratio(base: str, seconds: float, clients: int) -> tuple[float, float, list[float], int]:
    """(generate p95 alone, p95 beside the big locate job, the locate jobs' latencies, its bytes)."""
    url = f"{base}/runsync"
    body = json.dumps(big_locate_job()).encode()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients + 1)) as http:
        alone: list[float] = []
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_generate_stream(http, url, until, alone) for _ in range(clients)))
        beside: list[float] = []
        until = time.perf_counter() + seconds
        big = asyncio.create_task(_locate_stream(http, url, until, body))
        await asyncio.gather(*(_generate_stream(http, url, until, beside) for _ in range(clients)))
        locate = await big
    return p95(alone), p95(beside), locate, len(body)


def print_stall(base: str, seconds: float, clients: int) -> None:
    alone, beside, locate, size = asyncio.run(stall_ratio(base, seconds, clients))
    print("\n| generate p95 alone s | beside a 50-page locate job s | locate jobs | locate s (mean) | ratio |")
    print("|---|---|---|---|---|")
    mean = sum(locate) / len(locate) if locate else float("nan")
    print(f"| {alone:.2f} | {beside:.2f} | {len(locate)} of {size / 1e6:.1f} MB | {mean:.2f} | {beside / alone:.2f} |")
    print(
        f"\nstall ratio: {beside / alone:.2f}× (goal ≤ {STALL_GOAL}×; {clients} generate clients, {seconds:.0f} s each)"
    )


def bench_worker(args: argparse.Namespace) -> None:
    proc = None
    base = args.url
    if not base:
        port = 8765
        proc = start_local_worker(port, {"MAX_CONCURRENCY": "64"})
        base = f"http://127.0.0.1:{port}"
    try:
        print("| clients | jobs/s | p50 s | p95 s | completed |\n|---|---|---|---|---|")
        rates = {}
        for level in (int(x) for x in args.levels.split(",")):
            rate, p50, p95, ok = asyncio.run(_level(f"{base}/runsync", level, args.jobs_per_client))
            rates[level] = rate
            print(f"| {level} | {rate:.2f} | {p50:.2f} | {p95:.2f} | {ok}/{level * args.jobs_per_client} |")
        if 1 in rates and 16 in rates:
            print(f"\n16 concurrent vs 1: {rates[16] / rates[1]:.1f}× (goal ≥ 6×)")
        print_stall(base, args.stall_seconds, args.stall_clients)
    finally:
        if proc is not None:
            stop_local_worker(proc)
