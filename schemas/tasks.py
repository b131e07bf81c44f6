"""One declaration per task: every table that lists the tasks is derived from `TASK_SPECS`.

A spec names the task and the models of its contract: the request a job sends, the result the task
computes, the response a job returns (the result itself for the raw `generate` call, an envelope
around it for the others) and, for grounded tasks, the decoding model the LLM generates. The
discriminated union a runsync `input` holds, the export, the worker's task registry and the
client's methods all read this tuple; adding a task starts here (README, "Adding a task").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from .common import DecodingModel, WireModel
from .decoding import AnalyzeDecoding, LocateDecoding, MergeDecoding
from .requests import AnalyzeRequest, GenerateRequest, LocateRequest, MergeRequest, TaskName
from .results import (
    AnalyzeResponse,
    AnalyzeResult,
    GenerateResult,
    LocateResponse,
    LocateResult,
    MergeResponse,
    MergeResult,
)


@dataclass(frozen=True)
class TaskSpec:
    name: TaskName
    request: type[WireModel]
    result: type[WireModel]
    response: type[WireModel]
    """What a successful job returns: `result` itself, or a `TaskResponse` envelope around it."""
    decoding: type[DecodingModel] | None
    """The model the LLM generates under a grammar; None for free text."""

    @property
    def enveloped(self) -> bool:
        return self.response is not self.result


TASK_SPECS: tuple[TaskSpec, ...] = (
    TaskSpec(TaskName.GENERATE, GenerateRequest, GenerateResult, GenerateResult, None),
    TaskSpec(TaskName.ANALYZE, AnalyzeRequest, AnalyzeResult, AnalyzeResponse, AnalyzeDecoding),
    TaskSpec(TaskName.LOCATE, LocateRequest, LocateResult, LocateResponse, LocateDecoding),
    TaskSpec(TaskName.MERGE, MergeRequest, MergeResult, MergeResponse, MergeDecoding),
)
SPECS: dict[TaskName, TaskSpec] = {spec.name: spec for spec in TASK_SPECS}
DECODING_MODELS: dict[str, type[DecodingModel]] = {
    spec.name.value: spec.decoding for spec in TASK_SPECS if spec.decoding is not None
}

# The union is built from the specs, so its static type is not spelled out; `parse_job_input`
# returns the request model of the task, whose class says which.
TaskRequest: Any = Annotated[Union[tuple(spec.request for spec in TASK_SPECS)], Field(discriminator="task")]  # noqa: UP007
_TASK_REQUEST: TypeAdapter[WireModel] = TypeAdapter(TaskRequest)
MISSING_TASK = f"a job needs a `task` ({', '.join(TaskName)}), or a `prompt` for the raw call"


class MissingTask(ValueError):
    """The input names no task and has no `prompt` (the raw call's only required key)."""


def job_input_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(TaskRequest)


def parse_job_input(raw: Any) -> WireModel:
    """Validate a runsync `input` object; raises pydantic.ValidationError naming the path.

    An object with `prompt` and no `task` is the first version's raw call and is read as
    `generate`. A known `task` is validated by its model directly, so error paths read
    `document.pages[0]…` rather than `analyze.document.pages[0]…` (the union prefixes its tag); an
    unknown `task` gets the union's error, which lists the allowed tags. No `task` and no
    `prompt` raises `MissingTask`.
    """
    if isinstance(raw, dict) and "task" not in raw:
        if "prompt" not in raw:
            raise MissingTask(MISSING_TASK)
        raw = {**raw, "task": TaskName.GENERATE.value}
    task = raw.get("task") if isinstance(raw, dict) else None
    if isinstance(task, str) and task in SPECS:
        return SPECS[TaskName(task)].request.model_validate(raw)
    return _TASK_REQUEST.validate_python(raw)
