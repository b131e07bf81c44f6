"""One document through the pipeline: both OCR engines, the worker's tasks in-process, the baselines.

Per document (the harness gives every level the same seeds, so levels differ only in degradation):
1. both OCR engines read every page and `extract_fields` reads the layout's fields off their words;
2. `analyze` (the grammar path, through `JobHandler`) checks each engine's output; the naive
   baseline analyzes the primary engine's output;
3. `locate` finds every field on the primary engine's words; each field analyze called uncertain is
   cropped there and re-read by `REOCR_ENGINE`, a further merge pass;
4. `merge` settles the passes with the LLM, again with `use_llm: false` (the vote baseline), and the
   naive baseline merges them without a grammar; both know each field's format (`formats`), as a
   caller that declares its fields' formats to analyze would.
The naive baseline is costly (free text up to `naive_max_tokens`, asked twice on a parse failure), so
it is opt-in: a run gives it the first `naive_docs` documents of each level (`RunConfig`, default
none); its figures are over those.
With `use_llm` off (`--no-llm`) no model is started: analyze and merge run their rules alone
(`use_llm: false`), locate is asked only for the fields whose value the OCR read (a field it can
settle only with the model fails), and the naive baseline and the LLM merge are skipped.
A document's jobs run one after another; with `--concurrency` above 1 several documents are in flight
(OCR still one page at a time). Every LLM call is recorded under its document, route and task.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

from PIL import Image
from pydantic import BaseModel

from evals.documents import SyntheticDoc
from evals.engines import SCOPE, RecordingEngine
from evals.extract import Spec, field_specs
from evals.naive import NaiveOutcome, naive_analyze, naive_merge
from evals.ocr import read_document, reocr_crop
from evals.records import DocRecord, Job, Region, Route
from schemas.documents import OcrDocument, OcrField
from schemas.requests import (
    AnalyzeRequest,
    ExpectedField,
    FieldFormat,
    LocateRequest,
    LocateTarget,
    MergePass,
    MergeRequest,
)
from schemas.results import AnalyzeResponse, AnalyzeResult, LocateResponse, MergeResponse, MergeResult, Severity
from worker.config import Settings
from worker.engine import Engine
from worker.handler import JobHandler
from worker.tasks.matching import match_value

OCR_ENGINES = ("tesseract", "rapidocr")
PRIMARY = "tesseract"
"""The OCR output that locate and the naive analyze read (its word boxes are word-exact)."""
REOCR_ENGINE = "tesseract"
"""Re-reads the crops: on upscaled crops it was both faster and more accurate than RapidOCR here."""
FORMATS = {"amount": FieldFormat.AMOUNT, "date": FieldFormat.DATE, "iban": FieldFormat.IBAN}
FORMATS |= {"email": FieldFormat.EMAIL, "phone": FieldFormat.PHONE, "integer": FieldFormat.INTEGER}
HINTS = {"header": "the name printed at the top", "text": "a short text", "amount": "an amount like 1,234.56"}
HINTS |= {"date": "a date", "iban": "an IBAN", "email": "an email address", "phone": "a phone number"}
HINTS |= {"integer": "a whole number"}
ResponseT = TypeVar("ResponseT", AnalyzeResponse, LocateResponse, MergeResponse)


def expected_fields(specs: list[Spec], optional: set[str] | None = None) -> list[ExpectedField]:
    """Every field, with the format its kind has; required unless `optional` (the fields the truth says
    are absent: a user who knows some pages lack a field declares it optional)."""
    out = []
    for name, kind, _ in specs:
        fmt = FieldFormat.POSTAL_CODE if name == "postal_code" else FORMATS.get(kind, FieldFormat.TEXT)
        out.append(ExpectedField(name=name, format=fmt, required=name not in (optional or set())))
    return out


def flagged(result: AnalyzeResult | None, names: list[str]) -> dict[str, bool]:
    """A field is flagged when it is uncertain or has an issue of medium or high severity."""
    if result is None:
        return dict.fromkeys(names, False)
    serious = {i.field for i in result.issues if i.severity is not Severity.LOW}
    return {n: n in result.uncertain_fields or n in serious for n in names}


def values(fields: list[OcrField] | None, names: list[str]) -> dict[str, str | None]:
    got = {f.name: f.value for f in fields or []}
    return {n: got.get(n) for n in names}


@dataclass
class DocWork:
    """What one document's run collects."""

    page: SyntheticDoc
    naive: bool = True
    jobs: list[Job] = field(default_factory=list)
    confidences: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return self.page.truth.doc_id

    @property
    def names(self) -> list[str]:
        return list(self.page.truth.fields)

    @property
    def specs(self) -> list[Spec]:
        t = self.page.truth
        return field_specs(t.layout, self.names, t.field_kinds, t.field_labels)

    @property
    def absent(self) -> set[str]:
        return {n for n, f in self.page.truth.fields.items() if not f.value}


class Runner:
    def __init__(self, engine: Engine, settings: Settings, naive_max_tokens: int, use_llm: bool = True) -> None:
        self.use_llm = use_llm
        self.engine = RecordingEngine(engine)
        self.handler = JobHandler(self.engine, settings)
        self.naive_max_tokens = naive_max_tokens
        self.ocr_lock = asyncio.Lock()  # one OCR at a time: the engines are shared, the CPUs few

    def _enter(self, work: DocWork, route: Route, task: str) -> tuple[int, float]:
        SCOPE.set((work.doc_id, route, task))
        return len(self.engine.calls_of(work.doc_id)), time.perf_counter()

    async def _job(self, work: DocWork, task: str, request: BaseModel, response: type[ResponseT]) -> ResponseT | None:
        """One worker job through the handler, recorded; None when it failed."""
        route: Route = "rules" if getattr(request, "use_llm", True) is False else "grammar"
        before, started = self._enter(work, route, task)
        out = await self.handler({"id": f"{work.doc_id}:{task}", "input": request.model_dump(mode="json")})
        ms = (time.perf_counter() - started) * 1000
        calls = self.engine.calls_of(work.doc_id)[before:]
        parsed = response.model_validate(out) if "error" not in out else None
        error = str(out["error"]).split(":", 1)[0] if parsed is None else None
        work.jobs.append(
            Job(
                task=task,
                route=route,
                ms=round(ms, 1),
                llm_calls=len(calls),
                parsed=all(bool(c.json_ok) for c in calls) if calls else None,
                valid=parsed is not None if calls or error else None,  # rules alone decide nothing here
                error=error,
            )
        )
        return parsed

    async def _naive(self, work: DocWork, task: str, outcome: Any) -> Any:
        before, started = self._enter(work, "naive", task)
        done: NaiveOutcome[Any] = await outcome
        ms = (time.perf_counter() - started) * 1000
        calls = len(self.engine.calls_of(work.doc_id)) - before
        work.jobs.append(
            Job(
                task=task,
                route="naive",
                ms=round(ms, 1),
                llm_calls=calls,
                parsed=done.parsed,
                valid=done.valid,
                error=done.error,
            )
        )
        return done.result

    async def _ocr(self, work: DocWork, engine: str) -> OcrDocument:
        async with self.ocr_lock:
            started = time.perf_counter()
            doc = await asyncio.to_thread(read_document, work.page.pages, engine, work.page.truth.layout, work.specs)
        work.jobs.append(Job(task=f"ocr:{engine}", route="ocr", ms=round((time.perf_counter() - started) * 1000, 1)))
        return doc

    async def document(self, page: SyntheticDoc, render_ms: float = 0.0, naive: bool = True) -> DocRecord:
        """`naive`: also run the naive baseline on this document (with the LLM only)."""
        work = DocWork(page, naive=naive and self.use_llm)
        docs = {name: await self._ocr(work, name) for name in OCR_ENGINES}
        flags, uncertain = await self.analyze(work, docs)
        regions = await self.locate(work, docs[PRIMARY])
        passes = [MergePass(source=name, fields=doc.fields) for name, doc in docs.items()]
        async with self.ocr_lock:
            crop = await asyncio.to_thread(self.reocr, work, regions, sorted(uncertain & set(work.names)))
        passes += [crop] if crop.fields else []
        answers = {name: values(doc.fields, work.names) for name, doc in docs.items()}
        answers |= await self.merge(work, passes)
        truth = page.truth
        return DocRecord(
            doc_id=truth.doc_id,
            layout=truth.layout,
            template=truth.template,
            seed=truth.seed,
            level=truth.degradation,
            width=truth.width,
            height=truth.height,
            truth={n: f.value for n, f in truth.fields.items()},
            truth_boxes={n: f.bbox for n, f in truth.fields.items() if f.bbox is not None},
            truth_pages={n: p for n, p in truth.field_pages.items() if p and truth.fields[n].bbox is not None},
            phenomena={n: list(f.phenomena) for n, f in truth.fields.items() if f.phenomena},
            locale=truth.locale,
            source=truth.source,
            render_ms=round(render_ms, 1),
            answers=answers,
            flags=flags,
            regions=regions,
            confidences=work.confidences,
            reocr_fields=[f.name for f in crop.fields],
            jobs=work.jobs,
            calls=self.engine.calls_of(work.doc_id),
        )

    async def analyze(self, work: DocWork, docs: dict[str, OcrDocument]) -> tuple[dict[str, dict[str, bool]], set[str]]:
        """Each engine's output through analyze, and the primary's through the naive baseline."""
        expected = expected_fields(work.specs, work.absent)
        flags, uncertain = {}, set()
        for name, doc in docs.items():
            request = AnalyzeRequest(document=doc, expected_fields=expected, use_llm=self.use_llm)
            analyzed = await self._job(work, "analyze", request, AnalyzeResponse)
            flags[f"analyze:{name}"] = flagged(analyzed.result if analyzed else None, work.names)
            uncertain |= set(analyzed.result.uncertain_fields) if analyzed else set()
        if not work.naive:
            return flags, uncertain
        naive = naive_analyze(self.engine, docs[PRIMARY], expected, self.naive_max_tokens)
        flags[f"naive:{PRIMARY}"] = flagged(await self._naive(work, "naive-analyze", naive), work.names)
        return flags, uncertain

    async def merge(self, work: DocWork, passes: list[MergePass]) -> dict[str, dict[str, str | None]]:
        """The passes merged with the LLM, by vote alone, and by the naive baseline."""
        answers = {}
        formats = {e.name: e.format for e in expected_fields(work.specs) if e.format is not FieldFormat.TEXT}
        for method, use_llm in (("llm-merge", True), ("vote", False))[0 if self.use_llm else 1 :]:
            request = MergeRequest(passes=passes, fields=work.names, formats=formats, use_llm=use_llm)
            merged = await self._job(work, "merge" if use_llm else "vote", request, MergeResponse)
            answers[method] = _merged_values(merged.result if merged else None, work.names)
            work.confidences[method] = _merged_confidences(merged.result if merged else None)
        if not work.naive:
            return answers
        naive = naive_merge(self.engine, passes, work.names, self.naive_max_tokens)
        answers["naive"] = _merged_values(await self._naive(work, "naive-merge", naive), work.names)
        return answers

    async def locate(self, work: DocWork, doc: OcrDocument) -> dict[str, Region]:
        """Every field of the layout, with its OCR value when the engine read one."""
        known = {f.name: f.value for f in doc.fields if f.value}
        kinds = {name: kind for name, kind, _ in work.specs}
        asked = [n for n in work.names if self.use_llm or n in known]
        targets = [LocateTarget(name=n, hint=HINTS[kinds[n]], value=known.get(n)) for n in asked]
        if not targets:
            return {}
        located = await self._job(work, "locate", LocateRequest(document=doc, fields=targets), LocateResponse)
        if located is None and not self.use_llm:  # one field that needs the model fails the job: ask one by one
            out: dict[str, Region] = {}
            for target in targets:
                one = await self._job(work, "locate", LocateRequest(document=doc, fields=[target]), LocateResponse)
                out |= (
                    _regions(one, known, doc)
                    if one
                    else {target.name: Region(bbox=None, source="failed", by_value=False)}
                )
            return out
        if located is None:
            return {n: Region(bbox=None, source="failed", by_value=False) for n in work.names}
        return _regions(located, known, doc)

    def reocr(self, work: DocWork, regions: dict[str, Region], uncertain: list[str]) -> MergePass:
        """A pass of the uncertain fields, each re-read from the crop of its located box (on its page);
        a box over MAX_CROP_SHARE of the page is not cropped (`croppable`)."""
        started, fields, pages = time.perf_counter(), [], work.page.pages
        for i, name in enumerate(uncertain):
            region = regions.get(name)
            box = region.bbox if region is not None and region.page < len(pages) else None
            box = box if region is not None and box is not None and croppable(box, pages[region.page]) else None
            words = reocr_crop(pages[region.page], box, REOCR_ENGINE, id_prefix=f"c{i}") if region and box else []
            if words:
                confidence = sum(w.confidence for w in words) / len(words)
                text = " ".join(w.text for w in words)[:1000]
                fields.append(OcrField(name=name, value=text, confidence=confidence, word_ids=[w.id for w in words]))
        if uncertain:
            work.jobs.append(Job(task="reocr", route="ocr", ms=round((time.perf_counter() - started) * 1000, 1)))
        return MergePass(source=f"{REOCR_ENGINE}-crop", fields=fields)


MAX_CROP_SHARE = 0.25
"""A located box larger than this share of its page is a page, not a field: the model's coarse
estimate of a field the OCR missed covered whole pages, and re-reading one gave the merge a page of
text as the field's only reading."""


def croppable(box: tuple[float, float, float, float], page: Image.Image) -> bool:
    return (box[2] - box[0]) * (box[3] - box[1]) <= MAX_CROP_SHARE * page.width * page.height


def _regions(located: LocateResponse, known: dict[str, str], doc: OcrDocument) -> dict[str, Region]:
    return {
        r.field: Region(
            bbox=r.bbox,
            source=r.source.value,
            by_value=r.field in known and match_value(known[r.field], doc) is not None,
            page=r.page or 0,
            confidence=r.confidence,
        )
        for r in located.result.regions
    }


def _merged_values(result: MergeResult | None, names: list[str]) -> dict[str, str | None]:
    got = {f.name: f.value for f in result.fields} if result is not None else {}
    return {n: got.get(n) for n in names}


def _merged_confidences(result: MergeResult | None) -> dict[str, float]:
    """The merge's confidence of every field it gave a value (for `evals.calibration`)."""
    return {f.name: f.confidence for f in result.fields if f.value is not None} if result is not None else {}
