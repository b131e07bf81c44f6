"""What every task is: a request model in, a typed result out, through one engine.

A task is declared by its spec (`schemas.tasks`) and implemented by one module here, named after
it, that defines `TASK`. The task wraps its own result for the wire: grounded tasks answer with
the envelope their spec names, the raw `generate` call with its result alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel

from schemas.decoding import decoding_schema
from schemas.results import Timings, Usage
from schemas.tasks import TaskSpec

from ..calibration import Calibration
from ..engine import Completion, Engine

RequestT_contra = TypeVar("RequestT_contra", bound=BaseModel, contravariant=True)
ResultT = TypeVar("ResultT", bound=BaseModel)

SYSTEM_TEMPLATE = "system"


@dataclass
class TaskContext:
    engine: Engine
    usage: Usage = field(default_factory=Usage)
    llm_ms: float = 0.0
    calibration: Calibration = field(default_factory=Calibration)
    """Maps the result's confidences before it is returned (the identity by default)."""

    def record(self, completion: Completion) -> None:
        """Account one LLM call in the job's usage."""
        self.usage.llm_calls += 1
        self.usage.prompt_tokens += completion.prompt_tokens
        self.usage.completion_tokens += completion.completion_tokens
        self.llm_ms += completion.latency_ms


class Task(Protocol):
    """What the handler runs; `TaskBase` implements everything but `run`."""

    spec: ClassVar[TaskSpec]

    async def run(self, request: Any, ctx: TaskContext) -> BaseModel: ...

    def respond(self, result: Any, ctx: TaskContext, total_ms: float) -> BaseModel:
        """The job's successful output, as its spec's response model."""
        ...

    def templates(self) -> tuple[str, ...]:
        """The prompt templates the task renders (their versions go into the job's log line)."""
        ...

    def warmup_schemas(self) -> list[dict[str, Any]]:
        """Decoding schemas to compile before the worker takes jobs."""
        ...


class TaskBase(Generic[RequestT_contra, ResultT]):
    """Default parts of a task; subclasses set `spec` and implement `run`."""

    spec: ClassVar[TaskSpec]

    def respond(self, result: ResultT, ctx: TaskContext, total_ms: float) -> BaseModel:
        return self.spec.response.model_validate(
            {
                "result": ctx.calibration.result(result),
                "usage": ctx.usage,
                "model": ctx.engine.model,
                "timings_ms": Timings(total=total_ms, llm=ctx.llm_ms),
            }
        )

    def templates(self) -> tuple[str, ...]:
        """A grounded task renders the shared system prompt and the template named after it."""
        return (SYSTEM_TEMPLATE, self.spec.name.value) if self.spec.decoding is not None else ()

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [decoding_schema(self.spec.decoding)] if self.spec.decoding is not None else []
