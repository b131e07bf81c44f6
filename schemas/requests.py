"""Job inputs, one model per task; `schemas.tasks` joins them into the union a job's input holds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .common import MAX_FIELD_VALUE, MAX_FIELDS, FieldName, SourceName, WireModel
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
    stream: bool = Field(
        False, description="Stream text deltas (needs STREAMING=true on the worker; otherwise answered whole)."
    )


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

    source: SourceName
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
    formats: (
        Annotated[
            dict[FieldName, FieldFormat],
            Field(
                max_length=MAX_FIELDS,
                description="A field's format: a reading valid in it wins over readings that are not.",
                # a name outside the pattern is refused, as the model refuses it
                json_schema_extra={"additionalProperties": False},
            ),
        ]
        | None
    ) = None
    use_llm: bool = Field(True, description="False settles conflicts by vote only.")

    @model_validator(mode="after")
    def _unique_sources(self) -> MergeRequest:
        unique_names_error("MergeRequest", [p.source for p in self.passes], "passes", "source")
        return self
