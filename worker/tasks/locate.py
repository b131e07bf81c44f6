"""locate: where each field is on the page, as a box made of OCR words, never of invented numbers.

A target whose known value matches one run of OCR words exactly (case and spaces aside) is
located without the model. The rest go to ONE call whose grammar lets the model cite, per field,
only the document's word ids and page indexes. The box is the union of the cited words' boxes
(plus `padding`, clamped to the page). Only when no word fits may the model give a coarse box on
the 0–99 grid, reported as `estimated` with a low confidence.

Confidence: the mean OCR confidence of the words, times 0.8 when the model (not an exact value
match) chose them; 0.2 for an estimated box; 0 when not found.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from prompts.layout import grid_to_pixels
from schemas.common import BBox
from schemas.decoding import FieldLocation, LocateDecoding
from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.narrowing import narrow_locate
from schemas.requests import LocateRequest, LocateTarget
from schemas.results import LocateResult, Region, RegionSource

from ..errors import InvalidOutput
from .base import TaskBase, TaskContext
from .grounding import ask, chat, document_word_ids, known_ids, one_line, require_known

MODEL_CHOICE_FACTOR = 0.8
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


def _squashed(text: str) -> str:
    return "".join(text.split()).casefold()


def match_value(value: str, document: OcrDocument) -> list[str] | None:
    """The ids of the one run of consecutive words on a page that spells `value`; None when no run
    or several do (an ambiguous value such as an amount printed twice is left to the model)."""
    target = _squashed(value)
    if not target:
        return None
    matches: list[list[str]] = []
    for page in document.pages:
        texts = [_squashed(w.text) for w in page.words]
        for start, first in enumerate(texts):
            if not first or not target.startswith(first):
                continue
            spelled, end = "", start
            while end < len(texts) and target.startswith(spelled + texts[end]):
                spelled += texts[end]
                end += 1
                if spelled == target:
                    matches.append([w.id for w in page.words[start:end]])
                    break
    return matches[0] if len(matches) == 1 else None


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
    kept = [w for w in words if w in on_page]  # reading order, whatever order the model cited
    page = words[kept[0]][0]
    confidences = [words[w][1].confidence for w in kept]
    return Region(
        field=name,
        page=page_index,
        bbox=union_box([words[w][1].bbox for w in kept], padding, page.width, page.height),
        word_ids=kept,
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


def located(location: FieldLocation, request: LocateRequest, words: WordIndex) -> Region:
    """The model's answer for one field, held to the document: unknown word ids are dropped."""
    cited = known_ids(location.words, words)
    if cited:
        return words_region(location.field, cited, words, request.padding, location.page, MODEL_CHOICE_FACTOR)
    page = next((p for p in request.document.pages if p.index == location.page), None)
    if location.box is not None and page is not None:
        return estimated_region(location.field, location.box, page, request.padding)
    return not_found(location.field)


def target_line(target: LocateTarget) -> str:
    """`name|hint|value`: what the caller knows about a field (request text, not OCR text)."""
    hint = one_line(target.hint) if target.hint else ""
    value = one_line(target.value) if target.value else ""
    return f"{target.name}|{hint}|{value}"


def prompt_variables(ordered: list[LocateTarget], document: OcrDocument) -> dict[str, Any]:
    return {"targets": [target_line(t) for t in ordered], "pages": document.pages}


def grammar(ordered: list[LocateTarget], document: OcrDocument) -> dict[str, Any]:
    pages = [p.index for p in document.pages]
    return narrow_locate([t.name for t in ordered], document_word_ids(document), pages)


async def ask_model(targets: list[LocateTarget], request: LocateRequest, ctx: TaskContext) -> list[Region]:
    document = request.document
    ordered = sorted(targets, key=lambda t: t.name)  # the same targets → the same grammar
    messages = chat("locate", **prompt_variables(ordered, document))
    answer = await ask(ctx, messages, grammar(ordered, document), LocateDecoding)
    if len(answer.fields) != len(ordered):
        raise InvalidOutput("the model's answer does not locate every requested field")
    words = document.words_by_id()
    regions = []
    for location, target in zip(answer.fields, ordered, strict=True):
        require_known(location.field, {target.name}, "field")
        regions.append(located(location, request, words))
    return regions


class LocateTask(TaskBase[LocateRequest, LocateResult]):
    async def run(self, request: LocateRequest, ctx: TaskContext) -> LocateResult:
        words = request.document.words_by_id()
        regions: dict[str, Region] = {}
        for target in request.fields:
            matched = match_value(target.value, request.document) if target.value else None
            if matched:
                regions[target.name] = words_region(target.name, matched, words, request.padding, None, 1.0)
        pending = [t for t in request.fields if t.name not in regions]
        if pending:
            regions.update((r.field, r) for r in await ask_model(pending, request, ctx))
        return LocateResult(regions=[regions[t.name] for t in request.fields])

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [narrow_locate(["field"], ["w1"], [0])]
