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
    page: int = 0
    """The page (0-based) the box is on; 0 in records made before pages were kept."""
    confidence: float | None = None
    """The confidence locate returned (None in records made before it was kept)."""


class DocRecord(Frozen):
    doc_id: str
    layout: str
    template: int
    seed: int
    level: int
    width: int
    height: int
    truth: dict[str, str]
    """field → true value; "" for a field absent from the page."""
    truth_boxes: dict[str, Box]
    """field → true box, for the fields whose box is known (not absent ones; a user's without a box)."""
    truth_pages: dict[str, int] = {}
    """field → the page (0-based) of its true box, for a box after the first page (absent: page 0)."""
    answers: dict[str, dict[str, str | None]]
    """method → field → value (None: no value)."""
    flags: dict[str, dict[str, bool]]
    """analyzer (`analyze:<engine>`, `naive:<engine>`) → field → flagged as wrong."""
    regions: dict[str, Region]
    confidences: dict[str, dict[str, float]] = {}
    """merge method (`vote`, `llm-merge`) → field → the confidence the merge returned with its value."""
    reocr_fields: list[str]
    jobs: list[Job]
    calls: list[Call]
    phenomena: dict[str, list[str]] = {}
    """field → the phenomena it shows (`evals.variants.PHENOMENA`); a field not listed shows none."""
    locale: str = ""
    source: str | None = None
    """A user's document: its file, relative to the `--dir` folder; None for a synthetic page."""
    render_ms: float = 0.0
    """Time to render (or load) and degrade the page."""


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
    naive_docs: int | None = None
    """The naive baseline ran on the first `naive_docs` documents of each level (None: on all)."""
    """Documents in flight at once; above 1, job latencies include waiting for the engine."""
    hardware: str
    documents_from: str = "synthetic"
    """"synthetic", or the `--dir` folder the documents were read from."""
    dpi: int = 150
    """The resolution PDF pages were rendered at (a `--dir` run)."""
    use_llm: bool = True
    ocr_cache: str = ""
    """Where OCR words were reused from by image hash ("": none); a hit's OCR time is a file read."""
    calibration: str = ""
    """The confidence map the worker applied ("identity": raw confidences; "": not recorded)."""
