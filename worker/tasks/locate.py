"""locate: where each field is on the page, as a box made of OCR words, never of invented numbers.

A target with a known value is looked for in every printed occurrence (`matching.candidates`:
exact runs, runs with a symbol, unit or label glued on, OCR look-alikes). One occurrence: located
without the model. Several: the labels printed near them decide (`labels.settle_by_labels`:
"Total", "Invoice date", the hint's words), else a place the hint names ("at the top",
`labels.settle_by_place`); only when neither does, the model chooses, its grammar
narrowed to the first word id of each occurrence, so such a target never returns words outside
its candidates. A target without a value is `not_found` without the model where the page cannot
hold its field (`absence`: no label of a field always printed with one, such as an IBAN or a total;
no `@` for an e-mail address, no run of digits for a phone number). A target whose value is printed
nowhere, and the other targets without a value, go to the
same ONE call, whose grammar lets the model cite, per field, the document's word ids and pages. The box is
the union of the cited words' boxes (plus `padding`, clamped to the page). Only when no word fits
may the model give a coarse box on the 0–99 grid, reported as `estimated` with a low confidence.

A region lists at most MAX_WORD_REFS (500) word ids: a value spelled by a longer run lists the
run's first 500 words in reading order and counts the rest in `omitted_words`, while its box and
confidence cover the whole run.

Matching, prompt building and grammar narrowing run in a worker thread, so a 50-page request does
not hold the event loop (and the other jobs) while they run.

Confidence: the mean OCR confidence of the words, times the occurrence's match score for a
value (1 exact; a glued word, whose whole box is reported since word-level OCR has no finer box,
scores the value's share of the word's characters, `€4.904,94` → 8/9 ≈ 0.89; look-alikes × 0.85),
times 0.9 when the labels or the hint's place chose among several occurrences (LABEL_CHOICE_FACTOR), 0.8 when the
model chose (MODEL_CHOICE_FACTOR); 0.2 for an estimated box; 0 when not found.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from prompts.layout import grid_to_pixels
from prompts.lines import cell, target_line
from schemas.common import MAX_WORD_REFS, BBox
from schemas.decoding import FieldLocation, LocateDecoding
from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.narrowing import narrow_locate
from schemas.requests import LocateRequest, LocateTarget, TaskName
from schemas.results import LocateResult, Region, RegionSource
from schemas.tasks import SPECS

from ..engine import Messages
from ..errors import InvalidOutput
from .absence import is_absent, lacks_shape
from .base import TaskBase, TaskContext
from .chunking import parts_that_fit
from .grounding import ask, chat, document_word_ids, known_ids, require_known
from .labels import settle_by_labels, settle_by_place
from .matching import Candidate, ValueIndex

MODEL_CHOICE_FACTOR = 0.8
LABEL_CHOICE_FACTOR = 0.9
ESTIMATED_CONFIDENCE = 0.2
WordIndex = dict[str, tuple[OcrPage, OcrWord]]


def union_box(boxes: Sequence[BBox], padding: float, width: float, height: float) -> BBox:
    """The smallest box holding every box, grown by `padding` and clamped to the page."""
    return (
        max(0.0, min(b[0] for b in boxes) - padding),
        max(0.0, min(b[1] for b in boxes) - padding),
        min(float(width), max(b[2] for b in boxes) + padding),
        min(float(height), max(b[3] for b in boxes) + padding),
    )


def words_region(
    name: str, cited: list[str], words: WordIndex, padding: int, preferred_page: int | None, factor: float
) -> Region:
    """The region of the cited words on the page most of them are on (ties: `preferred_page`,
    else the first page)."""
    per_page = Counter(words[w][0].index for w in cited)
    most = max(per_page.values())
    tied = sorted(p for p, n in per_page.items() if n == most)
    page_index = preferred_page if preferred_page in tied else tied[0]
    on_page = {w for w in cited if words[w][0].index == page_index}
    page = next(words[w][0] for w in on_page)
    kept = [w.id for w in page.words if w.id in on_page]  # reading order, whatever order the model cited
    confidences = [words[w][1].confidence for w in kept]
    return Region(
        field=name,
        page=page_index,
        bbox=union_box([words[w][1].bbox for w in kept], padding, page.width, page.height),
        word_ids=kept[:MAX_WORD_REFS],  # a longer run: its first words; the box and confidence hold all
        omitted_words=max(len(kept) - MAX_WORD_REFS, 0),
        source=RegionSource.WORDS,
        confidence=round(factor * math.fsum(confidences) / len(confidences), 4),
    )


def estimated_region(name: str, cells: list[int], page: OcrPage, padding: int) -> Region:
    x0, x1 = sorted((cells[0], cells[2]))
    y0, y1 = sorted((cells[1], cells[3]))
    corners = (
        grid_to_pixels(x0, page.width, upper=False),
        grid_to_pixels(y0, page.height, upper=False),
        grid_to_pixels(x1, page.width, upper=True),
        grid_to_pixels(y1, page.height, upper=True),
    )
    return Region(
        field=name,
        page=page.index,
        bbox=union_box([corners], padding, page.width, page.height),
        source=RegionSource.ESTIMATED,
        confidence=ESTIMATED_CONFIDENCE,
    )


def not_found(name: str) -> Region:
    return Region(field=name, page=None, bbox=None, source=RegionSource.NOT_FOUND, confidence=0.0)


def located(location: FieldLocation, target: LocateTarget, request: LocateRequest, words: WordIndex) -> Region:
    """The model's answer for one field, held to the document: unknown word ids are dropped, and
    words without the shape of the target's values (`absence.lacks_shape`) locate nothing."""
    cited = known_ids(location.words, words)
    if cited:
        region = words_region(location.field, cited, words, request.padding, location.page, MODEL_CHOICE_FACTOR)
        on_page = words[region.word_ids[0]][0]
        return not_found(location.field) if lacks_shape(target, on_page, region.word_ids) else region
    page = next((p for p in request.document.pages if p.index == location.page), None)
    if location.box is not None and page is not None:
        return estimated_region(location.field, location.box, page, request.padding)
    return not_found(location.field)


Choices = dict[str, list[Candidate]]
"""Target name → the printed occurrences of its value the model must choose among."""


def first_ids(choices: Choices) -> dict[str, list[str]]:
    return {name: [c.word_ids[0] for c in candidates] for name, candidates in choices.items()}


def prompt_variables(
    ordered: list[LocateTarget], document: OcrDocument, choices: Choices | None = None
) -> dict[str, Any]:
    lines = [f"{cell(name)}: {' '.join(ids)}" for name, ids in sorted(first_ids(choices or {}).items())]
    return {"targets": [target_line(t) for t in ordered], "choices": lines, "pages": document.pages}


def grammar(ordered: list[LocateTarget], document: OcrDocument, choices: Choices | None = None) -> dict[str, Any]:
    pages = [p.index for p in document.pages]
    return narrow_locate([t.name for t in ordered], document_word_ids(document), pages, first_ids(choices or {}))


def model_call(ordered: list[LocateTarget], choices: Choices, document: OcrDocument) -> tuple[Messages, dict[str, Any]]:
    """The prompt and grammar of the one call: seconds of CPU for 50 full pages, so run in a thread."""
    return chat("locate", **prompt_variables(ordered, document, choices)), grammar(ordered, document, choices)


def chosen(location: FieldLocation, candidates: list[Candidate], request: LocateRequest, words: WordIndex) -> Region:
    """The occurrence the model cited (by a word of it); the best-scored one if it cited none."""
    cited = set(location.words)
    best = max(candidates, key=lambda c: c.score)
    pick = next((c for c in candidates if cited & set(c.word_ids)), best)
    return candidate_region(location.field, pick, request.padding, words, MODEL_CHOICE_FACTOR)


def part_plan(targets: list[LocateTarget], choices: Choices, part: OcrDocument) -> tuple[list[LocateTarget], Choices]:
    """The targets a part's call asks for, sorted (the same targets → the same grammar), and the
    occurrences in the part that each value printed more than once may choose among: a target
    none of whose occurrences starts in the part is not asked there."""
    ids = set(document_word_ids(part))
    local = {name: [c for c in found if c.word_ids[0] in ids] for name, found in choices.items()}
    local = {name: found for name, found in local.items() if found}
    asked = [t for t in targets if t.name not in choices or t.name in local]
    return sorted(asked, key=lambda t: t.name), local


RANK = {RegionSource.WORDS: 2, RegionSource.ESTIMATED: 1, RegionSource.NOT_FOUND: 0}


def best(regions: list[Region]) -> Region:
    """Over the parts of a split document: cited words before an estimate before not found, then
    the more confident."""
    return max(regions, key=lambda r: (RANK[r.source], r.confidence))


async def ask_model(
    targets: list[LocateTarget], request: LocateRequest, ctx: TaskContext, choices: Choices
) -> list[Region]:
    """One call, or one per part of a document too long for one (`chunking`): per target, the
    best region over the parts; a target no part located is not found."""

    def build(part: OcrDocument) -> tuple[Messages, dict[str, Any]]:
        return model_call(*part_plan(targets, choices, part), part)

    words = request.document.words_by_id()
    found: dict[str, list[Region]] = {t.name: [] for t in targets}
    for part in await parts_that_fit(request.document, build, ctx.engine):
        ordered, local = part_plan(targets, choices, part.document)
        if not ordered:
            continue
        answer = await ask(ctx, part.messages, part.schema, LocateDecoding)
        if len(answer.fields) != len(ordered):
            raise InvalidOutput("the model's answer does not locate every requested field")
        for location, target in zip(answer.fields, ordered, strict=True):
            require_known(location.field, {target.name}, "field")
            if target.name in local:
                found[target.name].append(chosen(location, local[target.name], request, words))
            else:
                found[target.name].append(located(location, target, request, words))
    return [best(regions) if regions else not_found(name) for name, regions in found.items()]


def candidate_region(name: str, candidate: Candidate, padding: int, words: WordIndex, factor: float) -> Region:
    """An occurrence's region; its confidence carries the match score (a glued word's is below 1)."""
    return words_region(name, candidate.word_ids, words, padding, candidate.page, factor * candidate.score)


def value_regions(request: LocateRequest) -> tuple[dict[str, Region], Choices]:
    """The targets whose known value the rules place (one occurrence, or labels decide), and the
    occurrences of the others printed more than once, for the model to choose among."""
    document = request.document
    index = ValueIndex(document)
    words = document.words_by_id()
    regions: dict[str, Region] = {}
    choices: Choices = {}
    for target in request.fields:
        if not target.value:
            if is_absent(target, document):
                regions[target.name] = not_found(target.name)
            continue
        candidates = index.candidates(target.value)
        if len(candidates) == 1:
            regions[target.name] = candidate_region(target.name, candidates[0], request.padding, words, 1.0)
        elif candidates:
            pick = settle_by_labels(target, candidates, document)
            if pick is None:
                pick = settle_by_place(target, candidates, document)
            if pick is None:
                choices[target.name] = candidates
            else:
                region = candidate_region(target.name, candidates[pick], request.padding, words, LABEL_CHOICE_FACTOR)
                regions[target.name] = region
    return regions, choices


class LocateTask(TaskBase[LocateRequest, LocateResult]):
    spec = SPECS[TaskName.LOCATE]

    async def run(self, request: LocateRequest, ctx: TaskContext) -> LocateResult:
        regions, choices = await asyncio.to_thread(value_regions, request)
        pending = [t for t in request.fields if t.name not in regions]
        if pending:
            regions.update((r.field, r) for r in await ask_model(pending, request, ctx, choices))
        return LocateResult(regions=[regions[t.name] for t in request.fields])

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [narrow_locate(["field"], ["w1"], [0])]


TASK = LocateTask()
