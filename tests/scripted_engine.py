"""A test double of OUR `Engine` protocol (like pydantic-ai's TestModel), not of vLLM.

`ScriptedEngine` replays answers given by the test, counts tokens by a fixed rule, records every
call it receives, and raises whatever exception the script says. Tests that are about vLLM use the
real engine; this one is for the handler, the tasks and the error paths around them.

    engine = ScriptedEngine(['{"issues": []}'])                 # answers in order
    engine = ScriptedEngine(lambda call: answer_for(call.schema))  # computed per call
    engine = ScriptedEngine([EngineUnavailable("gone")])        # the first call raises
    engine = ScriptedEngine(count_error=EngineUnavailable("x"))  # counting tokens raises
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from worker.engine import Completion, Messages, Sampling

Reply = str | Completion | BaseException
"""A text (finish_reason "stop"), a full `Completion`, or an exception the call raises."""
Script = Callable[["Call"], Reply]


@dataclass(frozen=True)
class Call:
    """One `complete()` call as the engine received it."""

    prompt: Messages | str
    schema: dict[str, Any] | None
    sampling: Sampling


def scripted_token_count(prompt: Messages | str) -> int:
    """Deterministic stand-in for a tokenizer: about four characters per token, never zero."""
    text = prompt if isinstance(prompt, str) else "".join(message.get("content", "") for message in prompt)
    return len(text) // 4 + 1


class ScriptedEngine:
    """An `Engine` that answers from a script; see the module docstring."""

    def __init__(
        self,
        replies: Iterable[Reply] | Script = (),
        *,
        model: str = "scripted-model",
        context_length: int = 4096,
        count_error: BaseException | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.model = model
        self.context_length = context_length
        self.calls: list[Call] = []
        self.counted: list[Messages | str] = []
        self.closed = False
        self._script: Script | None = replies if callable(replies) else None
        self._queue: list[Reply] = [] if callable(replies) else list(replies)
        self._count_error = count_error
        self._delay_s = delay_s

    async def count_tokens(self, prompt: Messages | str) -> int:
        self.counted.append(prompt)
        if self._count_error is not None:
            raise self._count_error
        return scripted_token_count(prompt)

    async def complete(
        self, prompt: Messages | str, *, schema: dict[str, Any] | None, sampling: Sampling
    ) -> Completion:
        call = Call(prompt, schema, sampling)
        self.calls.append(call)
        if self._delay_s:
            await asyncio.sleep(self._delay_s)  # lets tests reach the job timeout or cancel mid-call
        reply = self._next_reply(call)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, Completion):
            return reply
        return Completion(
            text=reply,
            prompt_tokens=scripted_token_count(prompt),
            completion_tokens=min(scripted_token_count(reply), sampling.max_tokens),
            finish_reason="stop",
            latency_ms=1.0,
        )

    def _next_reply(self, call: Call) -> Reply:
        if self._script is not None:
            return self._script(call)
        if not self._queue:
            raise AssertionError(f"the script has no answer for call {len(self.calls)}")
        return self._queue.pop(0)

    async def close(self) -> None:
        self.closed = True
