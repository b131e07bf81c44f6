"""Runsync throughput of the worker's local API at several concurrency levels."""

from __future__ import annotations

import argparse
import asyncio
import time

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
    finally:
        if proc is not None:
            stop_local_worker(proc)
