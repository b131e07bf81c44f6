"""The naive baseline: the same model asked for the same wire JSON with NO grammar.

The prompt shows the OCR data as the grammar path's prompts do (`id|text|x|y` words, `name|value|
confidence|word ids` fields, `name: "reading" (pass:confidence)` merge lines) and describes the wire
`AnalyzeResult` / `MergeResult` shape in words. The answer is parsed leniently, as a caller would:
the text itself, else its fenced code block, else its outermost `{…}`; on a parse failure the model
is asked once more, with its answer and the error in the conversation. A parsed answer is then
validated against the wire model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from prompts.layout import word_line
from prompts.lines import conflict_line, expected_item, field_line
from prompts.render import render
from schemas.documents import OcrDocument
from schemas.requests import ExpectedField, MergePass
from schemas.results import AnalyzeResult, IssueKind, MergeMethod, MergeResult
from worker.engine import Engine, Messages, Sampling
from worker.errors import ServiceError, error_code
from worker.tasks.alignment import align

ResultT = TypeVar("ResultT", bound=BaseModel)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
CONTEXT_MARGIN = 16

ANALYZE_SHAPE = (
    '{"issues": [{"field": "<field name or null>", "kind": "'
    + "|".join(k.value for k in IssueKind)
    + '", "severity": "low|medium|high", "message": "<what is wrong, short>", "word_ids": ["<word id>"], '
    '"suggested_value": "<corrected value or null>", "source": "llm"}], "uncertain_fields": ["<field name>"], '
    '"needs_review": true or false, "quality": <number from 0 to 1>}'
)
MERGE_SHAPE = (
    '{"fields": [{"name": "<field name>", "value": "<the chosen reading, or null>", "confidence": <0 to 1>, '
    '"method": "' + "|".join(m.value for m in MergeMethod) + '", "sources": ["<pass that gave the value>"], '
    '"alternatives": [{"value": "<another reading>", "sources": ["<pass>"]}]}]}'
)


@dataclass(frozen=True)
class NaiveOutcome(Generic[ResultT]):
    """What the naive path got: the validated result (or None), and how it went."""

    result: ResultT | None
    parsed: bool
    valid: bool
    attempts: int
    error: str | None


def parse_json(text: str) -> Any:
    """The JSON in a free-text answer, or raise ValueError."""
    candidates = [text.strip()]
    fenced = _FENCE.search(text)
    if fenced:
        candidates.append(fenced.group(1).strip())
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ValueError("no JSON object in the answer")


def analyze_messages(document: OcrDocument, expected: list[ExpectedField]) -> Messages:
    wanted = ", ".join(expected_item(e) for e in expected)
    lines = [
        "Find problems in this OCR result: implausible values, fields that contradict each other or their "
        "words, misreadings, missing fields. Mark every field you doubt as uncertain.",
        f"Expected fields: {wanted or 'any'}",
        f"Answer with one JSON object and nothing else, of this shape: {ANALYZE_SHAPE}",
        "OCR data:",
        "Fields (name|value|confidence %|word ids):",
        *(field_line(f) for f in document.fields),
    ]
    for page in document.pages:
        lines.append(f"Page {page.index} words:")
        lines.extend(word_line(w, page) for w in page.words)
    return _chat("\n".join(lines))


def merge_messages(passes: list[MergePass], names: list[str]) -> Messages:
    readings = [conflict_line(f) if f.groups else f"{f.name}: (no reading)" for f in align(passes, names)]
    lines = [
        "Several OCR passes read the same fields. For each field, choose the reading most likely printed on "
        "the document (well-formed values, agreement between passes and higher confidence count), or null.",
        f"Give every field, in this order: {', '.join(names)}.",
        f"Answer with one JSON object and nothing else, of this shape: {MERGE_SHAPE}",
        'OCR data, one field a line (name: "reading" (pass:confidence %) | ...):',
        *readings,
    ]
    return _chat("\n".join(lines))


def _chat(user: str) -> Messages:
    return [{"role": "system", "content": render("system")}, {"role": "user", "content": user}]


async def ask_naive(engine: Engine, messages: Messages, model: type[ResultT], max_tokens: int) -> NaiveOutcome[ResultT]:
    """Ask without a grammar; parse (one retry on a parse failure), then validate against `model`."""
    conversation = list(messages)
    for attempt in (1, 2):
        try:  # a failed call is the baseline's failure, as a job's would be; it never stops the run
            budget = min(max_tokens, engine.context_length - await engine.count_tokens(conversation) - CONTEXT_MARGIN)
            if budget < 1:
                return NaiveOutcome(None, False, False, attempt - 1, "input_too_long")
            done = await engine.complete(conversation, schema=None, sampling=Sampling(max_tokens=budget))
        except ServiceError as exc:
            return NaiveOutcome(None, False, False, attempt, error_code(exc))
        try:
            data = parse_json(done.text)
        except ValueError as exc:
            conversation += [
                {"role": "assistant", "content": done.text},
                {"role": "user", "content": f"That was not valid JSON ({exc}). Answer with the JSON object only."},
            ]
            continue
        try:
            return NaiveOutcome(model.model_validate(data), True, True, attempt, None)
        except ValidationError as exc:
            return NaiveOutcome(None, True, False, attempt, f"schema: {exc.error_count()} errors")
    return NaiveOutcome(None, False, False, 2, "parse")


async def naive_analyze(
    engine: Engine, document: OcrDocument, expected: list[ExpectedField], max_tokens: int
) -> NaiveOutcome[AnalyzeResult]:
    return await ask_naive(engine, analyze_messages(document, expected), AnalyzeResult, max_tokens)


async def naive_merge(
    engine: Engine, passes: list[MergePass], names: list[str], max_tokens: int
) -> NaiveOutcome[MergeResult]:
    return await ask_naive(engine, merge_messages(passes, names), MergeResult, max_tokens)
