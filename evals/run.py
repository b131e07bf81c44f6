"""`python -m evals run`: synthetic pages → Tesseract and RapidOCR → the worker's tasks → metrics, report.

The engine is the supervised CPU default (`start_runtime(Settings())`) or the OpenAI-compatible vLLM
server at `--engine-url`. What one document goes through is in `evals.pipeline`; the figures are
computed by `evals.metrics` from the records alone and drawn by `evals.report`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.documents import LAYOUTS, TEMPLATES, degrade, make_document
from evals.metrics import compute, markdown
from evals.pipeline import OCR_ENGINES, PRIMARY, REOCR_ENGINE, Runner
from evals.records import DocRecord, RunInfo
from evals.report import write_report
from worker.config import Settings
from worker.engine import Engine
from worker.runtime import start_runtime


@dataclass(frozen=True)
class RunConfig:
    docs: int
    out: Path
    engine_url: str = ""
    seed: int = 0
    levels: tuple[int, ...] = (0, 1, 2, 3)
    layouts: tuple[str, ...] = LAYOUTS
    naive_max_tokens: int = 768
    sample_pages: int = 4
    concurrency: int = 1


def plan(config: RunConfig) -> list[tuple[int, int, str, int]]:
    """(level, seed, layout, template) of every page: `docs` per level, cycling layouts and templates."""
    n = len(config.layouts)
    return [
        (level, config.seed * 10_000 + i, config.layouts[i % n], (i // n) % TEMPLATES)
        for level in config.levels
        for i in range(config.docs)
    ]


async def evaluate(engine: Engine, settings: Settings, config: RunConfig) -> list[DocRecord]:
    """Every planned page through the pipeline, `concurrency` documents at a time, in plan order."""
    runner = Runner(engine, settings, config.naive_max_tokens)
    gate = asyncio.Semaphore(config.concurrency)
    specs = plan(config)
    bar = tqdm(total=len(specs), desc="documents", unit="doc")

    async def one(level: int, seed: int, layout: str, template: int) -> DocRecord:
        async with gate:
            page = degrade(make_document(seed, layout, template), level)  # here: Faker is not thread-safe
            record = await runner.document(page)
        bar.update()
        return record

    try:
        return list(await asyncio.gather(*(one(*spec) for spec in specs)))
    finally:
        bar.close()
        await engine.close()


def hardware() -> str:
    """This machine's CPU and, where `nvidia-smi` answers, its GPUs."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = names[0] if names else cpu
    found = f"{cpu}, {os.cpu_count()} logical CPUs"
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"]
        gpus = subprocess.run(query, capture_output=True, text=True, timeout=30, check=False).stdout.split("\n")
        found += "".join(f"; GPU {g.strip()}" for g in gpus if g.strip())
    return found


def run(config: RunConfig) -> dict[str, Any]:
    """Start (or connect to) the engine, evaluate, write metrics.json, records.json and report.html."""
    settings = Settings(engine_url=config.engine_url) if config.engine_url else Settings()
    runtime = start_runtime(settings)
    try:
        records = asyncio.run(evaluate(runtime.engine, settings, config))
    finally:
        runtime.stop()
    info = RunInfo(
        model=runtime.engine.model,
        engine_url=config.engine_url or "supervised",
        backend=settings.structured_outputs_backend if not config.engine_url else "set by the server at engine_url",
        seed=config.seed,
        docs=config.docs,
        levels=list(config.levels),
        layouts=list(config.layouts),
        ocr_engines=list(OCR_ENGINES),
        reocr_engine=REOCR_ENGINE,
        locate_engine=PRIMARY,
        naive_max_tokens=config.naive_max_tokens,
        concurrency=config.concurrency,
        hardware=hardware() if not config.engine_url else f"harness: {hardware()}; engine: the server at engine_url",
    )
    return write_outputs(config.out, info, records, config.sample_pages)


def write_outputs(out: Path, info: RunInfo, records: list[DocRecord], sample_pages: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    metrics = compute(records, info)
    (out / "records.json").write_text(json.dumps([r.model_dump(mode="json") for r in records], indent=1) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_report(out, metrics, records, sample_pages)
    print(markdown(metrics))
    return metrics
