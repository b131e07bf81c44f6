"""`python -m evals run`: synthetic pages (or a folder of the user's, `--dir`) → Tesseract and RapidOCR →
the worker's tasks → metrics, report.

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.documents import LAYOUTS, TEMPLATES, SyntheticDoc, degrade, make_document
from evals.engines import NoLlm
from evals.folder import load_document, scan
from evals.metrics import compute, markdown
from evals.ocr import use_cache
from evals.pdf import DPI
from evals.pipeline import OCR_ENGINES, PRIMARY, REOCR_ENGINE, Runner
from evals.records import DocRecord, RunInfo
from evals.report import write_report
from worker.calibration import load_calibration
from worker.config import Settings
from worker.engine import Engine
from worker.runtime import start_runtime
from worker.tasks import formats

OCR_CACHE = Path(".cache/evals/ocr")
"""Relative to the working directory; `.cache/` is git-ignored."""


@dataclass(frozen=True)
class RunConfig:
    docs: int
    out: Path
    engine_url: str = ""
    seed: int = 0
    levels: tuple[int, ...] = (0, 1, 2, 3)
    layouts: tuple[str, ...] = LAYOUTS
    naive_max_tokens: int = 768
    naive_docs: int = 0
    """The naive baseline runs on the first `naive_docs` documents of each level; off by default (opt in):
    it writes free text up to `naive_max_tokens`, asked twice when it does not parse, and on 2 CPU cores
    its calls took more of a run's time than every other stage together."""
    sample_pages: int = 4
    concurrency: int = 4
    """Documents in flight at once: the engine batches their calls (4 measured best on 2 CPU cores)."""
    dir: Path | None = None
    """A folder of the user's documents with truth files (`evals.folder`) instead of synthetic pages."""
    dpi: int = DPI
    use_llm: bool = True
    ocr_cache: Path | None = OCR_CACHE
    """Where OCR words are kept by image hash across runs; None: OCR every page."""


PageMaker = Callable[[], SyntheticDoc]


def plan(config: RunConfig) -> list[tuple[int, int, str, int]]:
    """(level, seed, layout, template) of every page: `docs` per level, cycling layouts and templates."""
    n = len(config.layouts)
    return [
        (level, config.seed * 10_000 + i, config.layouts[i % n], (i // n) % TEMPLATES)
        for level in config.levels
        for i in range(config.docs)
    ]


def pages(config: RunConfig) -> list[PageMaker]:
    """What makes each page, in order: synthetic pages by `plan`, or every document of `dir` at every
    level (the truth files are all read first, so a bad one stops the run before the engine starts)."""
    if config.dir is None:
        return [partial(_synthetic, *spec) for spec in plan(config)]
    folder = config.dir
    loaded = [load_document(doc, truth, folder, config.dpi) for doc, truth in scan(folder)]
    return [partial(degrade, page, level) for level in config.levels for page in loaded]


def _synthetic(level: int, seed: int, layout: str, template: int) -> SyntheticDoc:
    return degrade(make_document(seed, layout, template), level)


async def evaluate(
    engine: Engine, settings: Settings, config: RunConfig, makers: list[PageMaker] | None = None
) -> list[DocRecord]:
    """Every page through the pipeline, `concurrency` documents at a time, in order."""
    runner = Runner(engine, settings, config.naive_max_tokens, config.use_llm)
    gate = asyncio.Semaphore(config.concurrency)
    makers = pages(config) if makers is None else makers
    per_level = max(len(makers) // max(len(config.levels), 1), 1)  # `pages` orders them level by level
    bar = tqdm(total=len(makers), desc="documents", unit="doc")

    async def one(index: int, make: PageMaker) -> DocRecord:
        async with gate:
            started = time.perf_counter()
            page = make()  # here, not in a thread: Faker is not thread-safe
            naive = index % per_level < config.naive_docs
            record = await runner.document(page, (time.perf_counter() - started) * 1000, naive)
        bar.update()
        return record

    try:
        return list(await asyncio.gather(*(one(i, make) for i, make in enumerate(makers))))
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
    makers = pages(config)
    use_cache(config.ocr_cache)
    formats.warm_up()  # as the served worker does before its first job, so no document's time holds it
    if config.use_llm:
        runtime = start_runtime(settings)
        try:
            records = asyncio.run(evaluate(runtime.engine, settings, config, makers))
        finally:
            runtime.stop()
        model, engine_url = runtime.engine.model, config.engine_url or "supervised"
        backend: str = (
            settings.structured_outputs_backend if config.engine_url == "" else "set by the server at engine_url"
        )
    else:
        records = asyncio.run(evaluate(NoLlm(), settings, config, makers))
        model, engine_url, backend = NoLlm.model, "none", "none"
    info = RunInfo(
        calibration=load_calibration(settings).name,
        model=model,
        engine_url=engine_url,
        backend=backend,
        seed=config.seed,
        docs=config.docs,
        levels=list(config.levels),
        layouts=list(config.layouts),
        ocr_engines=list(OCR_ENGINES),
        reocr_engine=REOCR_ENGINE,
        locate_engine=PRIMARY,
        naive_max_tokens=config.naive_max_tokens,
        naive_docs=config.naive_docs if config.use_llm else 0,
        concurrency=config.concurrency,
        hardware=hardware() if not config.engine_url else f"harness: {hardware()}; engine: the server at engine_url",
        documents_from=str(config.dir) if config.dir else "synthetic",
        dpi=config.dpi,
        use_llm=config.use_llm,
        ocr_cache=str(config.ocr_cache or ""),
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
