"""What a run keeps per document: truth, every method's answer, analyze's flags, boxes, jobs, LLM calls.

`evals.metrics` computes every figure from these records alone, and `evals.report` draws from them,
so a run's `records.json` is enough to recompute its metrics and report.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Box = tuple[float, float, float, float]
Route = Literal["grammar", "naive", "rules", "ocr"]
"""grammar: a worker job that may call the LLM; rules: a worker job without it (use_llm false);
naive: the unconstrained baseline; ocr: an OCR pass."""
METHODS = ("tesseract", "rapidocr", "vote", "llm-merge", "naive")
"""Field answers, in report order: each OCR engine alone, merge without LLM, merge with it, naive JSON."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Call(Frozen):
    """One LLM call."""

    route: Route
    task: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    finish_reason: str
    json_ok: bool | None = None
    """Grammar path: the raw text parses as JSON. Naive calls: None (the job records its parse)."""


class Job(Frozen):
    """One task run for one document (a worker job, a naive request, an OCR pass)."""

    task: str
    route: Route
    ms: float
    llm_calls: int = 0
    parsed: bool | None = None
    """Every LLM answer of the job parsed as JSON; None when the job made no LLM call."""
    valid: bool | None = None
    """The job's result validated against the wire model; None when it made no LLM call."""
    error: str | None = None


class Region(Frozen):
    """Where locate put a field: its box (None when not found), how, and whether by value match."""

    bbox: Box | None
    source: str
    by_value: bool


class DocRecord(Frozen):
    doc_id: str
    layout: str
    template: int
    seed: int
    level: int
    width: int
    height: int
    truth: dict[str, str]
    truth_boxes: dict[str, Box]
    answers: dict[str, dict[str, str | None]]
    """method → field → value (None: no value)."""
    flags: dict[str, dict[str, bool]]
    """analyzer (`analyze:<engine>`, `naive:<engine>`) → field → flagged as wrong."""
    regions: dict[str, Region]
    reocr_fields: list[str]
    jobs: list[Job]
    calls: list[Call]


class RunInfo(Frozen):
    """Where every figure came from."""

    model: str
    engine_url: str
    """The OpenAI-compatible server used, or "supervised" (started by the harness)."""
    backend: str
    seed: int
    docs: int
    levels: list[int]
    layouts: list[str]
    ocr_engines: list[str]
    reocr_engine: str
    locate_engine: str
    naive_max_tokens: int
    concurrency: int
    """Documents in flight at once; above 1, job latencies include waiting for the engine."""
    hardware: str
