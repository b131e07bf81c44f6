"""No document is refused for its length: a prompt too long for the context is split into calls.

When the prompt plus the answer's bound (`schemas.bounds.max_output_tokens`) exceed the engine's
context, the document is halved, by pages while it has more than one, then by blocks of words in
reading order, and each half is tried again (tokens counted by the engine's own `count_tokens`),
so every call fits and few calls are made: a document that fits is one call, one twice too long
is two. Each part keeps the document's fields, so a field line still shows its value. Only a
single word whose prompt cannot fit (a pathological request) is refused with `input_too_long`.

Parts are copies built without validation (`model_copy`): a field may cite words of another part,
which only the prompt's field lines show; the grammar of each call lists the part's own words.
The task combines the parts' answers (analyze: the union of findings, each concern once; locate:
per target, the best region over the parts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas.bounds import max_output_tokens
from schemas.documents import OcrDocument

from ..engine import Engine, Messages
from ..errors import InputTooLong

Build = Callable[[OcrDocument], tuple[Messages, dict[str, Any]]]
"""The prompt and grammar of a call over (part of) a document; run in a worker thread."""


@dataclass(frozen=True)
class Part:
    document: OcrDocument
    messages: Messages
    schema: dict[str, Any]


def halves(document: OcrDocument) -> tuple[OcrDocument, OcrDocument] | None:
    """The document's pages in two halves, or a one-page document's words; None for one word."""
    pages = document.pages
    if len(pages) > 1:
        middle = len(pages) // 2
        return document.model_copy(update={"pages": pages[:middle]}), document.model_copy(
            update={"pages": pages[middle:]}
        )
    words = pages[0].words
    if len(words) > 1:
        middle = len(words) // 2
        first, second = (pages[0].model_copy(update={"words": block}) for block in (words[:middle], words[middle:]))
        return document.model_copy(update={"pages": [first]}), document.model_copy(update={"pages": [second]})
    return None


async def parts_that_fit(document: OcrDocument, build: Build, engine: Engine) -> list[Part]:
    """The document as one part when its call fits the context, else its halves' parts, in order."""
    messages, schema = await asyncio.to_thread(build, document)
    prompt_tokens = await engine.count_tokens(messages)
    bound = max_output_tokens(schema)
    if prompt_tokens + bound <= engine.context_length:
        return [Part(document, messages, schema)]
    split = halves(document)
    if split is None:
        raise InputTooLong(prompt_tokens, bound, engine.context_length)
    return [part for half in split for part in await parts_that_fit(half, build, engine)]
