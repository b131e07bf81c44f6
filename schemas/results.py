"""What a successful job returns: the generate result, or the envelope around a task's result."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field

from .common import (
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_PAGES,
    MAX_WORD_REFS,
    BBox,
    Confidence,
    FieldName,
    FieldValue,
    SourceName,
    WireModel,
    WordId,
)

Count = Annotated[int, Field(ge=0)]
Millis = Annotated[float, Field(ge=0)]


class GenerateResult(WireModel):
    """Exactly what the first version returned; existing clients parse these three keys."""

    text: str
    tokens_generated: Count
    status: Literal["success"] = "success"


class IssueKind(StrEnum):
    LOW_CONFIDENCE = "low_confidence"
    FORMAT_ERROR = "format_error"
    MISSING_FIELD = "missing_field"
    INCONSISTENT = "inconsistent"
    ARITHMETIC_MISMATCH = "arithmetic_mismatch"
    IMPLAUSIBLE_VALUE = "implausible_value"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class IssueSource(StrEnum):
    RULES = "rules"
    LLM = "llm"


class Issue(WireModel):
    field: FieldName | None = Field(description="The field concerned; null for the document as a whole.")
    kind: IssueKind
    severity: Severity
    message: Annotated[str, Field(max_length=500)]
    word_ids: Annotated[list[WordId], Field(max_length=MAX_WORD_REFS)] = []
    suggested_value: FieldValue | None = None
    source: IssueSource = IssueSource.RULES


class AnalyzeResult(WireModel):
    issues: Annotated[list[Issue], Field(max_length=2_000)]
    uncertain_fields: Annotated[list[FieldName], Field(max_length=MAX_FIELDS)]
    needs_review: bool
    quality: Confidence


class RegionSource(StrEnum):
    WORDS = "words"
    """The union of the boxes of the words the model cited."""
    ESTIMATED = "estimated"
    """A coarse box the model gave on a 0–99 grid; no OCR word supports it."""
    NOT_FOUND = "not_found"


class Region(WireModel):
    field: FieldName
    page: Annotated[int, Field(ge=0, lt=MAX_PAGES)] | None
    bbox: BBox | None
    word_ids: Annotated[list[WordId], Field(max_length=MAX_WORD_REFS)] = []
    source: RegionSource
    confidence: Confidence
    omitted_words: Count = Field(
        0, description="Words of the region past the first 500 that word_ids leaves out (bbox covers them)."
    )


class LocateResult(WireModel):
    regions: Annotated[list[Region], Field(max_length=50)]


class MergeMethod(StrEnum):
    UNANIMOUS = "unanimous"
    VOTE = "vote"
    LLM = "llm"
    NONE = "none"


class Alternative(WireModel):
    value: Annotated[str, Field(max_length=MAX_FIELD_VALUE)] | None
    sources: Annotated[list[SourceName], Field(max_length=10)]


class MergedField(WireModel):
    name: FieldName
    value: FieldValue | None
    confidence: Confidence
    method: MergeMethod
    sources: Annotated[list[SourceName], Field(max_length=10, description="Passes that gave this value.")]
    alternatives: Annotated[list[Alternative], Field(max_length=10)] = []


class MergeResult(WireModel):
    fields: Annotated[list[MergedField], Field(max_length=MAX_FIELDS)]
    omitted_fields: Count = Field(
        0, description="Field names past the first 200 (in sorted order) that the passes gave and fields leaves out."
    )


class Usage(WireModel):
    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    llm_calls: Count = 0


class Timings(WireModel):
    total: Millis
    llm: Millis = 0.0


ResultT = TypeVar("ResultT", AnalyzeResult, LocateResult, MergeResult)


class TaskResponse(WireModel, Generic[ResultT]):
    status: Literal["success"] = "success"
    task: str
    result: ResultT
    usage: Usage
    model: str
    timings_ms: Timings


class AnalyzeResponse(TaskResponse[AnalyzeResult]):
    task: Literal["analyze"] = "analyze"


class LocateResponse(TaskResponse[LocateResult]):
    task: Literal["locate"] = "locate"


class MergeResponse(TaskResponse[MergeResult]):
    task: Literal["merge"] = "merge"
