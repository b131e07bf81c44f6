"""What every task is: a request model in, a typed result out, through one engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from schemas.results import Usage

from ..engine import Completion, Engine

RequestT_contra = TypeVar("RequestT_contra", bound=BaseModel, contravariant=True)
ResultT = TypeVar("ResultT", bound=BaseModel)
ResultT_co = TypeVar("ResultT_co", bound=BaseModel, covariant=True)


@dataclass
class TaskContext:
    engine: Engine
    usage: Usage = field(default_factory=Usage)
    llm_ms: float = 0.0

    def record(self, completion: Completion) -> None:
        """Account one LLM call in the job's usage."""
        self.usage.llm_calls += 1
        self.usage.prompt_tokens += completion.prompt_tokens
        self.usage.completion_tokens += completion.completion_tokens
        self.llm_ms += completion.latency_ms


class Task(Protocol[RequestT_contra, ResultT_co]):
    async def run(self, request: RequestT_contra, ctx: TaskContext) -> ResultT_co: ...

    def warmup_schemas(self) -> list[dict[str, Any]]:
        """Decoding schemas to compile before the worker takes jobs."""
        ...


class TaskBase(Generic[RequestT_contra, ResultT]):
    """Default parts of a task; subclasses implement `run`."""

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return []
