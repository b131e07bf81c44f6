"""The first version's raw call: a prompt in, free text out, with the same three keys."""

from __future__ import annotations

from schemas.requests import GenerateRequest, TaskName
from schemas.results import GenerateResult
from schemas.tasks import SPECS

from ..engine import Messages, Sampling
from ..structured import reserve_tokens
from .base import TaskBase, TaskContext


class GenerateTask(TaskBase[GenerateRequest, GenerateResult]):
    spec = SPECS[TaskName.GENERATE]

    async def run(self, request: GenerateRequest, ctx: TaskContext) -> GenerateResult:
        messages: Messages = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": request.prompt})
        await reserve_tokens(ctx.engine, messages, request.max_tokens)
        completion = await ctx.engine.complete(
            messages,
            schema=None,
            sampling=Sampling(max_tokens=request.max_tokens, temperature=request.temperature),
        )
        ctx.record(completion)
        # As in the first version, free text that stops at max_tokens is still a success.
        return GenerateResult(text=completion.text, tokens_generated=completion.completion_tokens)

    def respond(self, result: GenerateResult, ctx: TaskContext, total_ms: float) -> GenerateResult:
        """Exactly the first version's three keys: existing clients parse no envelope."""
        return result


TASK = GenerateTask()
