"""What every grounded task shares: its one constrained LLM call, and the checks on what it cites.

The narrowed grammar already restricts field names and (usually) word ids to those of the request;
these checks hold the answer to the same rule when the grammar could not, which happens for word
ids above `schemas.narrowing.ENUM_LIMIT` (the grammar then only checks the id pattern).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, TypeVar

from prompts.render import render
from schemas.common import DecodingModel
from schemas.documents import OcrDocument

from ..engine import Messages
from ..errors import InvalidOutput
from ..structured import generate_structured
from .base import TaskContext

DecodingT = TypeVar("DecodingT", bound=DecodingModel)


def chat(template: str, **variables: Any) -> Messages:
    """The shared system prompt, then the task's own prompt."""
    return [
        {"role": "system", "content": render("system")},
        {"role": "user", "content": render(template, **variables)},
    ]


async def ask(ctx: TaskContext, messages: Messages, schema: dict[str, Any], model: type[DecodingT]) -> DecodingT:
    """One grammar-constrained, validated call, accounted in the job's usage."""
    answer = await generate_structured(ctx.engine, messages, schema, model)
    ctx.record(answer.completion)
    return answer.value


def known_ids(cited: Iterable[str], known: Collection[str]) -> list[str]:
    """The cited ids the request contains, first citation order, each once; the rest are dropped."""
    kept: list[str] = []
    for word_id in cited:
        if word_id in known and word_id not in kept:
            kept.append(word_id)
    return kept


def require_known(name: str | None, known: Collection[str], what: str) -> None:
    """Field names are always an enum or const in the grammar, so an unknown one means the engine
    broke its contract: the job fails rather than report something the request never named."""
    if name is not None and name not in known:
        raise InvalidOutput(f"the model's answer names a {what} that is not in the request")


def document_word_ids(document: OcrDocument) -> list[str]:
    return [word.id for page in document.pages for word in page.words]
