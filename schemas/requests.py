"""Job inputs, one model per task, discriminated on `task`.

A job input with `prompt` and no `task` is the first version's raw call and parses as `generate`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, model_validator

from .common import MAX_FIELD_VALUE, MAX_FIELDS, FieldName, WireModel
from .documents import OcrDocument, OcrField, unique_names_error

MAX_PROMPT_CHARS = 200_000
MAX_GENERATE_TOKENS = 8_192


class TaskName(StrEnum):
    GENERATE = "generate"
    ANALYZE = "analyze"
    LOCATE = "locate"
    MERGE = "merge"


class FieldFormat(StrEnum):
    """Formats the deterministic checks of `analyze` know how to validate."""

    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"
    INTEGER = "integer"
    NUMBER = "number"
    PERCENTAGE = "percentage"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"
    POSTAL_CODE = "postal_code"
    URL = "url"
    CURRENCY = "currency"


class GenerateRequest(WireModel):
    """The original raw call: free text in, free text out."""

    task: Literal["generate"] = "generate"
    prompt: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    max_tokens: Annotated[int, Field(ge=1, le=MAX_GENERATE_TOKENS)] = 512
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] = 0.7
    system: Annotated[str, Field(max_length=20_000)] | None = None


class ExpectedField(WireModel):
    name: FieldName
    format: FieldFormat = FieldFormat.TEXT
    required: bool = False


class AnalyzeRequest(WireModel):
    """Find issues and uncertainties in one OCR result."""

    task: Literal["analyze"] = "analyze"
    document: OcrDocument
    expected_fields: Annotated[list[ExpectedField], Field(max_length=MAX_FIELDS)] = []
    low_confidence: Annotated[float, Field(ge=0.0, le=1.0, description="Below this a word is doubtful.")] = 0.6
    use_llm: bool = Field(True, description="False runs the deterministic checks only.")

    @model_validator(mode="after")
    def _unique_expected(self) -> AnalyzeRequest:
        unique_names_error("AnalyzeRequest", [f.name for f in self.expected_fields], "expected_fields", "name")
        return self


class LocateTarget(WireModel):
    name: FieldName
    hint: Annotated[str, Field(max_length=200, description="What the field looks like.")] | None = None
    value: Annotated[str, Field(max_length=MAX_FIELD_VALUE, description="The value, if known.")] | None = None


class LocateRequest(WireModel):
    """Find where on the page each named field is, to crop and re-OCR it."""

    task: Literal["locate"] = "locate"
    document: OcrDocument
    fields: Annotated[list[LocateTarget], Field(min_length=1, max_length=50)]
    padding: Annotated[int, Field(ge=0, le=500, description="Pixels added around each box.")] = 0

    @model_validator(mode="after")
    def _unique_targets(self) -> LocateRequest:
        unique_names_error("LocateRequest", [f.name for f in self.fields], "fields", "name")
        return self


class MergePass(WireModel):
    """One OCR pass: an engine's output, or a re-OCR of a crop."""

    source: Annotated[str, Field(min_length=1, max_length=64, description="Engine or pass name.")]
    fields: Annotated[list[OcrField], Field(max_length=MAX_FIELDS)]
    document: OcrDocument | None = None

    @model_validator(mode="after")
    def _unique_fields(self) -> MergePass:
        unique_names_error("MergePass", [f.name for f in self.fields], "fields", "name")
        return self


class MergeRequest(WireModel):
    """Merge several OCR passes into one set of fields."""

    task: Literal["merge"] = "merge"
    passes: Annotated[list[MergePass], Field(min_length=2, max_length=10)]
    fields: Annotated[list[FieldName], Field(max_length=MAX_FIELDS, description="Only these names.")] | None = None
    use_llm: bool = Field(True, description="False settles conflicts by vote only.")

    @model_validator(mode="after")
    def _unique_sources(self) -> MergeRequest:
        unique_names_error("MergeRequest", [p.source for p in self.passes], "passes", "source")
        return self


TaskRequest = Annotated[GenerateRequest | AnalyzeRequest | LocateRequest | MergeRequest, Field(discriminator="task")]
STRUCTURED_REQUESTS: dict[TaskName, type[WireModel]] = {
    TaskName.ANALYZE: AnalyzeRequest,
    TaskName.LOCATE: LocateRequest,
    TaskName.MERGE: MergeRequest,
}


def _default_to_generate(raw: Any) -> Any:
    if isinstance(raw, dict) and "task" not in raw and "prompt" in raw:
        return {**raw, "task": TaskName.GENERATE.value}
    return raw


_TASK_REQUEST: TypeAdapter[TaskRequest] = TypeAdapter(TaskRequest)
_BY_TASK: dict[TaskName, type[GenerateRequest | AnalyzeRequest | LocateRequest | MergeRequest]] = {
    TaskName.GENERATE: GenerateRequest,
    TaskName.ANALYZE: AnalyzeRequest,
    TaskName.LOCATE: LocateRequest,
    TaskName.MERGE: MergeRequest,
}


def parse_job_input(raw: Any) -> GenerateRequest | AnalyzeRequest | LocateRequest | MergeRequest:
    """Validate a runsync `input` object; raises pydantic.ValidationError naming the path.

    A known `task` is validated by its model directly, so error paths read `document.pages[0]…`
    rather than `analyze.document.pages[0]…` (the union prefixes its tag); a missing or unknown
    `task` gets the union's error, which lists the allowed tags.
    """
    raw = _default_to_generate(raw)
    task = raw.get("task") if isinstance(raw, dict) else None
    if isinstance(task, str) and task in _BY_TASK:
        return _BY_TASK[TaskName(task)].model_validate(raw)
    return _TASK_REQUEST.validate_python(raw)
