"""The engines the harness runs the worker's tasks on: the real one with every call recorded under its
document, route and task, and the stand-in of a `--no-llm` run."""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from evals.records import Call, Route
from worker.engine import Completion, Engine, Messages, Sampling
from worker.errors import EngineUnavailable

SCOPE: ContextVar[tuple[str, Route, str]] = ContextVar("evals_scope", default=("", "grammar", ""))
"""(document id, route, task) of the job running in this asyncio task."""


class RecordingEngine:
    """The engine, with every call recorded under the document, route and task it was made for
    (`SCOPE`, a context variable, so documents may run concurrently)."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.model = inner.model
        self.context_length = inner.context_length
        self.calls: dict[str, list[Call]] = {}

    def calls_of(self, doc_id: str) -> list[Call]:
        return self.calls.setdefault(doc_id, [])

    async def count_tokens(self, prompt: Messages | str) -> int:
        return await self.inner.count_tokens(prompt)

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        doc_id, route, task = SCOPE.get()
        done = await self.inner.complete(prompt, schema=schema, sampling=sampling)
        self.calls_of(doc_id).append(
            Call(
                route=route,
                task=task,
                prompt_tokens=done.prompt_tokens,
                completion_tokens=done.completion_tokens,
                latency_ms=round(done.latency_ms, 1),
                finish_reason=done.finish_reason,
                json_ok=_is_json(done.text) if schema is not None else None,
            )
        )
        return done

    async def close(self) -> None:
        await self.inner.close()


class NoLlm:
    """The engine of a `--no-llm` run: there is none, and a job that needs one fails."""

    model = "none (--no-llm)"
    context_length = 8192

    async def count_tokens(self, prompt: Messages | str) -> int:
        text = prompt if isinstance(prompt, str) else " ".join(str(m.get("content", "")) for m in prompt)
        return len(text) // 4 + 1  # a rough count: no prompt is ever sent

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        raise EngineUnavailable("this run has no LLM (--no-llm)")

    async def close(self) -> None:
        return None


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
